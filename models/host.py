"""Owns the loaded backend and the one worker thread that runs it.

Loading and inference both run on that single thread, so a model is never used while it
is being replaced, and the caller's event loop never blocks.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from atelier.models.backend import Backend
from atelier.models.config import ModelConfig
from atelier.models.errors import ModelError
from atelier.models.llama import LlamaBackend, gpu_offload_supported
from atelier.models.locate import check_gguf, resolve_model_path
from atelier.models.memory import context_problem
from atelier.models.remote import RemoteBackend

log = logging.getLogger(__name__)


ENV_API_KEY = "ATELIER_API_KEY"
# Calls waiting for the model's thread (completions, chat, actions) before new ones are refused.
MAX_QUEUED = 32


class ModelBusy(ModelError):
    """Too many calls are waiting for the model."""


class ModelHost:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atelier-model")
        self.backend: Backend | None = None
        self.config: ModelConfig | None = None
        self.loading: Future[Backend] | None = None
        self.error: str | None = None
        self.warning: str | None = None
        self._queued = 0
        self._queued_lock = threading.Lock()  # the model loaded, but not all of it (a bad adapter)

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
        self.error = self.warning = None
        try:
            backend = _create(config)
        except ModelError as exc:
            self.error = str(exc)
            raise
        except Exception as exc:  # anything else from llama.cpp: still a message, never a crash
            self.error = f"model could not be loaded: {exc}"
            raise ModelError(self.error) from exc
        self.warning = getattr(backend, "adapter_error", None)
        calibrate = getattr(backend, "calibrate", None)  # the embedded model: its speed on this machine
        if calibrate is not None:
            try:
                calibrate()
            except Exception:  # the defaults then stay the fixed ones: never a reason to lose the model
                log.exception("calibrating %s failed", getattr(backend, "name", "the model"))
        self.backend = backend
        return backend

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue work for the model's thread; ModelBusy past MAX_QUEUED waiting calls (a client
        that floods requests gets refusals, not an ever longer queue)."""
        with self._queued_lock:
            if self._queued >= MAX_QUEUED:
                raise ModelBusy(f"the model has {self._queued} requests waiting: try again when they are done")
            self._queued += 1
        future = self._executor.submit(fn, *args)
        future.add_done_callback(self._dequeue)
        return future

    def _dequeue(self, _: Future) -> None:
        with self._queued_lock:
            self._queued -= 1

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
    check_gguf(path, source)
    on_gpu = config.n_gpu_layers != 0 and gpu_offload_supported()
    if problem := context_problem(path, config.n_ctx, on_gpu):
        raise ModelError(problem)
    return LlamaBackend(
        path,
        n_ctx=config.n_ctx,
        n_threads=config.n_threads,
        n_gpu_layers=config.n_gpu_layers,
        main_gpu=config.main_gpu,
        flash_attn=config.flash_attn,
        n_batch=config.n_batch,
        source=source,
        lora_path=Path(config.lora_path).expanduser() if config.lora_path else None,
        lora_scale=config.lora_scale,
        kept_states_mb=config.kept_states_mb,
        prompt_lookup=config.prompt_lookup,
    )
