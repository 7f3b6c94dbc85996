"""xllamacpp's llama.cpp server on a loopback port: a real OpenAI-compatible endpoint for a GGUF file,
one per machine at a time (embedtune.generation.machine_lock)."""

import socket
from contextlib import ExitStack
from pathlib import Path

from embedtune.generation.machine_lock import local_llm_lock


class LlamaServer:
    def __init__(self, model_path: Path, threads: int, parallel: int = 1, context: int = 4096,
                 purpose: str = "embedtune"):
        import xllamacpp

        self._lock = ExitStack()
        # Taken before the model loads: a waiting run holds neither cores nor the model's memory.
        self.holding = self._lock.enter_context(local_llm_lock(purpose))
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            self._server = xllamacpp.Server(_server_params(model_path, threads, parallel, context, self.port))
        except BaseException:
            self._lock.close()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        del self._server
        self._lock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def _server_params(model_path: Path, threads: int, parallel: int, context: int, port: int):
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.hostnames = ["127.0.0.1"]  # loopback only: nothing outside this machine can reach it
    params.port = port
    params.n_parallel = parallel
    params.n_ctx = context * parallel  # llama.cpp shares the context between its slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1
    return params
