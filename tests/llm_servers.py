"""A real HTTP server on 127.0.0.1 for the generation tests: OpenAI-compatible, scripted to inject faults."""

import hashlib
import json
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    """Answers POST /<scenario>/v1/chat/completions. A scenario is a list of behaviours used in
    turn, the last one repeated: "ok", "500", "429" (Retry-After: 1), "slow", "truncated",
    "empty", "401". "ok" answers a question made from the prompt's hash, so each chunk gets
    its own ("pointer": the same, ending "mentioned in the text?"); "echo" asks where the chunk
    says 8 of its middle words, a question it answers; "obey" replies as a model that follows an
    instruction injected into the chunk; "judge" writes an "echo" or an "ok" question by the
    prompt's hash and, asked whether a passage answers a question (the answerability prompt), says
    yes to the echo questions only.
    `requests` counts the requests each scenario received."""

    def __init__(self, scenarios: dict[str, list[str]], slow_s: float = 2.0, require_key: str | None = None):
        self.scenarios = {name: deque(steps) for name, steps in scenarios.items()}
        self.requests: Counter = Counter()
        self.authorizations: list[str] = []
        self.slow_s = slow_s
        self.require_key = require_key
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, scenario: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{scenario}/v1"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()

    def _next(self, scenario: str) -> str:
        with self._lock:
            self.requests[scenario] += 1
            steps = self.scenarios[scenario]
            return steps.popleft() if len(steps) > 1 else steps[0]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.authorizations.append(self.headers.get("Authorization", ""))
                behaviour = server._next(self.path.split("/")[1])
                if server.require_key and self.headers.get("Authorization") != f"Bearer {server.require_key}":
                    behaviour = "401"
                if behaviour == "slow":
                    time.sleep(server.slow_s)
                    behaviour = "ok"
                if behaviour in ("500", "401"):
                    return self._send(int(behaviour), b'{"error": {"message": "scripted"}}')
                if behaviour == "429":
                    return self._send(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "1"})
                if behaviour == "truncated":
                    return self._send(200, b'{"choices": [{"message": {"role": "assistant", "cont')
                if behaviour == "empty":
                    return self._send(200, b'{"choices": []}')
                prompt = body["messages"][-1]["content"]
                number = int(hashlib.sha256(prompt.encode()).hexdigest()[:6], 16)
                if behaviour == "judge":
                    if "\n\nQuestion: " in prompt:
                        behaviour = "yes" if "Question: Where does it say" in prompt else "no"
                    else:
                        behaviour = "echo" if number % 2 else "ok"
                if behaviour in ("yes", "no"):
                    reply = "Yes." if behaviour == "yes" else "No, the passage does not say."
                elif behaviour == "obey":  # a model that follows instructions injected into the chunk
                    reply = "PWNED"
                elif behaviour == "echo":
                    words = prompt.rsplit("\n\nWrite", 1)[0].split()
                    reply = f"Where does it say {' '.join(words[len(words) // 2:len(words) // 2 + 8])}?"
                else:
                    reply = f"What does section {number} of the Alderbank report say about robots?"
                    if behaviour == "pointer":  # a good question that ends pointing at its source
                        reply = reply.replace("?", " mentioned in the text?")
                payload = {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}
                self._send(200, json.dumps(payload).encode())

            def _send(self, status, data, headers=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a timeout case)

        return Handler
