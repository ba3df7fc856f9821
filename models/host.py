"""Owns the loaded backend and the one worker thread that runs it.

Loading and inference both run on that single thread, so a model is never used while it
is being replaced, and the caller's event loop never blocks.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import msgspec

from models.backend import Backend
from models.errors import ModelError
from models.llama import LlamaBackend
from models.locate import resolve_model_path
from models.remote import RemoteBackend

log = logging.getLogger(__name__)


ENV_API_KEY = "ATELIER_API_KEY"


class ModelConfig(msgspec.Struct, frozen=True):
    backend: str = "llama"  # "llama": embedded llama.cpp; "remote": an OpenAI-compatible server
    path: str | None = None
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    main_gpu: int = 0
    flash_attn: bool = False
    n_batch: int = 512
    url: str | None = None
    api_key: str | None = None
    name: str | None = None
    fim: str | None = None
    headers: dict[str, str] = {}
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0


class ModelHost:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atelier-model")
        self.backend: Backend | None = None
        self.config: ModelConfig | None = None
        self.loading: Future[Backend] | None = None
        self.error: str | None = None

    def load(self, config: ModelConfig) -> Future[Backend]:
        """Queue loading `config`'s model, replacing any loaded one. The future fails with
        ModelError (a message for the user) when the model cannot be used."""
        self.config = config
        self.loading = self._executor.submit(self._load, config)
        return self.loading

    def _load(self, config: ModelConfig) -> Backend:
        if self.backend is not None:
            self.backend.close()
            self.backend = None
        self.error = None
        try:
            backend = _create(config)
        except ModelError as exc:
            self.error = str(exc)
            raise
        except Exception as exc:  # anything else from llama.cpp: still a message, never a crash
            self.error = f"model could not be loaded: {exc}"
            raise ModelError(self.error) from exc
        self.backend = backend
        return backend

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        def _close() -> None:
            if self.backend is not None:
                self.backend.close()
                self.backend = None

        self._executor.submit(_close)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _create(config: ModelConfig) -> Backend:
    if config.backend == "remote":
        if not config.url:
            raise ModelError("model.backend is \"remote\" but model.url is not set: set it to the server's address")
        return RemoteBackend(
            config.url,
            model=config.name,
            api_key=config.api_key or os.environ.get(ENV_API_KEY),
            fim=config.fim,
            n_ctx=config.n_ctx,
            headers=config.headers,
            connect_timeout=config.connect_timeout_s,
            read_timeout=config.read_timeout_s,
        )
    path, source = resolve_model_path(config.path)
    return LlamaBackend(
        path,
        n_ctx=config.n_ctx,
        n_threads=config.n_threads,
        n_gpu_layers=config.n_gpu_layers,
        main_gpu=config.main_gpu,
        flash_attn=config.flash_attn,
        n_batch=config.n_batch,
        source=source,
    )
