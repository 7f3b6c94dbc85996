"""A client for OpenAI-compatible chat completions (OpenAI, vLLM, NVIDIA NIM, Ollama, llama.cpp).

Bounded retries with exponential backoff on what passes (timeouts, refused connections,
429 honouring Retry-After, 5xx, a body cut short); an authentication failure stops at once.
Safe to share between threads.
"""

import json
import random
import time

import httpx

from embedtune.generation.errors import GenerationError, MalformedResponse

MAX_RETRY_AFTER_S = 60.0
_CUT_SHORT = "a response body that is not complete JSON"


class ChatClient:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 60.0,
                 max_retries: int = 4, backoff_s: float = 1.0, api_key_env: str | None = None):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.api_key_env = api_key_env
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)))

    def close(self) -> None:
        self._http.close()

    def complete(self, messages: list[dict], **sampling) -> str:
        """The assistant's reply to `messages`; MalformedResponse when the server answers without one."""
        body = {"model": self.model, "messages": messages, **sampling}
        for attempt in range(self.max_retries + 1):
            reply, problem, wait = self._attempt(body)
            if reply is not None:
                return reply
            if attempt < self.max_retries:
                time.sleep(wait if wait is not None else self.backoff_s * 2**attempt * (1 + random.random() / 4))
        if problem == _CUT_SHORT:
            raise MalformedResponse(f"{problem}, {self.max_retries + 1} times")
        raise GenerationError(
            f"could not get an answer from {self.url} after {self.max_retries + 1} attempts (last: {problem}). "
            "Check that the server is running and reachable, and generate.openai.base_url."
        )

    def _attempt(self, body: dict) -> tuple[str | None, str, float | None]:
        """(reply, "", None), or (None, what went wrong, seconds the server asked to wait)."""
        try:
            response = self._http.post(self.url, json=body)
        except httpx.TimeoutException:
            return None, f"no answer within {self.timeout_s:g}s", None
        except httpx.TransportError as error:
            return None, f"{type(error).__name__}: {error}", None
        if response.status_code in (401, 403):
            where = f" (read from ${self.api_key_env})" if self.api_key_env else ""
            raise GenerationError(
                f"{self.url} rejected the API key{where}: HTTP {response.status_code}. "
                "Check that the key is set and valid for this endpoint."
            )
        if response.status_code == 429 or response.status_code >= 500:
            return None, f"HTTP {response.status_code}", _retry_after(response)
        if response.status_code >= 400:
            raise GenerationError(f"{self.url} refused the request: HTTP {response.status_code}: {response.text[:300]}")
        try:
            payload = response.json()
        except json.JSONDecodeError:
            return None, _CUT_SHORT, None
        return _reply_text(payload), "", None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers["retry-after"]), MAX_RETRY_AFTER_S)
    except (KeyError, ValueError):
        return None


def _reply_text(payload) -> str:
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise MalformedResponse(f"no choices in the response: {json.dumps(payload)[:200]}") from None
    if not isinstance(content, str) or not content.strip():
        raise MalformedResponse("an empty reply")
    return content
