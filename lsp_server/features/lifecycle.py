"""initialize, initialized (model load and workspace index, with work-done progress),
workspace/didChangeConfiguration and shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types

from atelier.lsp_server.capabilities import ClientFlags
from atelier.lsp_server.engine.completion import describe_limits
from atelier.lsp_server.engine.services import Services
from atelier.lsp_server.language_server import AtelierServer
from atelier.lsp_server.logs import data_dir
from atelier.lsp_server.settings import SettingsError, merge_settings
from atelier.lsp_server.transport.security import without_token
from atelier.models.errors import ModelError

log = logging.getLogger(__name__)


def apply_settings(ls: AtelierServer, services: Services, update: object) -> bool:
    """Merge and validate; on error keep the old settings and tell the user. Returns
    whether the model must be reloaded."""
    unknown: list[str] = []
    try:
        new = merge_settings(ls.settings, update, unknown)
    except SettingsError as exc:
        ls.show(f"{exc}; keeping the previous value")
        return False
    if unknown:
        ls.show(f"unknown settings ignored: {', '.join(unknown)}", types.MessageType.Warning)
    reload = new.model != ls.settings.model
    if new.licenses != ls.settings.licenses:  # the default policy is already in place
        services.workspace.set_policy(new.licenses.policy())
    services.feedback.enabled = new.feedback.enabled
    ls.settings = new
    return reload


async def load_model(ls: AtelierServer, services: Services) -> None:
    """Load (or reload) the model in the background, with work-done progress."""
    host = services.model.host
    future = host.load(ls.settings.model)
    token = await ls.begin_progress("loading model")
    try:
        backend = await asyncio.wrap_future(future)
        message = f"model {backend.name} ready"
        if (speed := getattr(backend, "speed", None)) is not None:  # measured at load: the defaults follow it
            message += f": {describe_limits(ls.settings.completion, speed)}"
        log.info("%s", message)
        if host.warning:  # e.g. a LoRA adapter that did not load: the base model serves
            ls.show(host.warning, types.MessageType.Warning)
    except ModelError as exc:
        message = "model failed to load"
        ls.show(str(exc))
    ls.end_progress(token, message)


async def index_workspace(ls: AtelierServer, services: Services) -> None:
    """Load the persisted symbol index, then bring it up to date on a thread of its own,
    with work-done progress."""
    root = ls.root_path()
    if not root or not os.path.isdir(root):
        return
    try:
        folder = data_dir()
    except OSError as exc:  # read-only or full disk: index in memory only
        log.warning("cannot use the data folder (%s): the index will not be saved; set ATELIER_DATA_DIR "
                    "to a writable folder", exc)
        folder = None
    workspace = services.workspace
    workspace.open(Path(root), folder)
    loop = asyncio.get_running_loop()
    token = await ls.begin_progress("indexing", 0)

    def report(done: int, total: int) -> None:  # called on the indexing thread
        loop.call_soon_threadsafe(ls.report_progress, token, f"indexing {done}/{total} files", done * 100 // max(total, 1))

    await build_in_background(workspace.build, report)
    ls.end_progress(token, f"indexed {len(workspace.index.files)} files")


# The index build's nice value (Linux: per thread). A first build reads every file (~50 s of
# one core for the 14,000 of Python's library): at the default priority it took a core from
# the model's threads and slowed completions and warm-ups throughout; it now takes what they leave.
INDEX_NICE = 19


async def build_in_background(build, *args) -> None:
    """`build(*args)` on a thread of its own at the lowest CPU priority."""
    def run() -> None:
        if sys.platform == "linux":  # elsewhere a thread id is not a process id setpriority knows
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), INDEX_NICE)
            except OSError as exc:
                log.info("index build at normal priority: %s", exc)
        build(*args)

    with ThreadPoolExecutor(1, thread_name_prefix="atelier-index") as pool:
        await asyncio.get_running_loop().run_in_executor(pool, run)


def register(server: AtelierServer, services: Services) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: AtelierServer, params: types.InitializeParams) -> None:
        ls.flags = ClientFlags.of(params.capabilities)
        # Over TCP the token was checked and removed before (transport.tcp); over stdio it is unused.
        apply_settings(ls, services, without_token(params.initialization_options))

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AtelierServer, params: types.InitializedParams) -> None:
        await asyncio.gather(load_model(ls, services), index_workspace(ls, services))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: AtelierServer, params: types.DidChangeConfigurationParams) -> None:
        if apply_settings(ls, services, params.settings):
            await load_model(ls, services)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AtelierServer, params: None) -> None:
        services.scheduler.cancel_all()
        services.workspace.stop()
        services.model.host.close()
