"""xllamacpp's llama.cpp server on a loopback port: a real OpenAI-compatible endpoint for a GGUF file."""

import socket
from pathlib import Path


class LlamaServer:
    def __init__(self, model_path: Path, threads: int, parallel: int = 1, context: int = 4096):
        import xllamacpp

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.hostnames = ["127.0.0.1"]  # loopback only: nothing outside this machine can reach it
        params.port = self.port
        params.n_parallel = parallel
        params.n_ctx = context * parallel  # llama.cpp shares the context between its slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = -1
        self._server = xllamacpp.Server(params)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        del self._server

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
