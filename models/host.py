"""Owns the loaded backend and the one worker thread that runs it.

Loading and inference both run on that single thread, so a model is never used while it
is being replaced, and the caller's event loop never blocks.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import msgspec

from models.backend import Backend
from models.errors import ModelError
from models.llama import LlamaBackend
from models.locate import resolve_model_path

log = logging.getLogger(__name__)


class ModelConfig(msgspec.Struct, frozen=True):
    path: str | None = None
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int | None = None


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
            path, source = resolve_model_path(config.path)
            backend = LlamaBackend(
                path,
                n_ctx=config.n_ctx,
                n_threads=config.n_threads,
                n_gpu_layers=config.n_gpu_layers,
                source=source,
            )
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
