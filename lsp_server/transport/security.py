"""TCP mode's guards, without sockets: which addresses may be bound, the token (its file and
its check), and what a connection may send before it has shown the token.

stdio needs none of this: only the editor that started the server can write to its stdin.
A TCP port on 127.0.0.1 is open to every process of every user on the machine, hence the
token, kept in a file only its owner can read.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import stat
from pathlib import Path
from typing import Any

TOKEN_FILE = "tcp-token"
TOKEN_OPTION = "token"
# LSP's error codes: a request before `initialize`, and a request that was understood but failed.
SERVER_NOT_INITIALIZED = -32002
REQUEST_FAILED = -32803
TOKEN_REFUSED = (
    "Atelier: missing or wrong token: send the content of the token file that `atelier serve --tcp` "
    "printed at start as initializationOptions.token"
)
NOT_INITIALIZED = "Atelier: send `initialize` with initializationOptions.token first"
BUSY = "Atelier: another editor is connected to this server; start another `atelier serve --tcp --port N`"


class BindRefused(ValueError):
    pass


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach. Host names other than `localhost`
    count as remote: resolving them could itself leave the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool) -> None:
    """Raises BindRefused, with what to do, for a non-loopback `host` without `allow_remote`."""
    if not allow_remote and not is_loopback(host):
        raise BindRefused(
            f"refusing to listen on {host}: other machines could reach the server. Use the default "
            "--host 127.0.0.1 (and an SSH tunnel from other machines), or add --allow-remote if you "
            "really mean it (the token then crosses the network unencrypted)"
        )


def ensure_token(folder: Path) -> tuple[str, Path]:
    """The TCP token and its file in `folder`: created on first use, readable by its owner
    only. A file others can read is made private again before use."""
    path = folder / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token, path
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)  # empty (a crash while writing): a new one
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token, path


def token_matches(expected: str, given: object) -> bool:
    # compare_digest: the time taken says nothing about how much of the token was right.
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def without_token(options: Any) -> Any:
    """initializationOptions without the token: it is no setting, and must not be logged."""
    if isinstance(options, dict) and TOKEN_OPTION in options:
        return {k: v for k, v in options.items() if k != TOKEN_OPTION}
    return options


def error_response(msg_id: Any, code: int, message: str, data: Any = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": msg_id, "error": error}


def admit(message: Any, expected: str) -> tuple[str, dict | None]:
    """What to do with a message from a connection that has not shown the token yet:
    ("open", the initialize message without its token), ("refuse", an error to answer and
    close), ("answer", an error to answer and read on) or ("ignore", None)."""
    if not isinstance(message, dict):
        return "ignore", None
    method, msg_id = message.get("method"), message.get("id")
    is_request = "id" in message and isinstance(method, str)
    if method == "initialize" and is_request:
        params = message.get("params")
        options = params.get("initializationOptions") if isinstance(params, dict) else None
        given = options.get(TOKEN_OPTION) if isinstance(options, dict) else None
        if not token_matches(expected, given):
            return "refuse", error_response(msg_id, REQUEST_FAILED, TOKEN_REFUSED, {"retry": False})
        return "open", {**message, "params": {**params, "initializationOptions": without_token(options)}}
    if is_request:
        return "answer", error_response(msg_id, SERVER_NOT_INITIALIZED, NOT_INITIALIZED)
    return "ignore", None  # notifications, and answers to requests never sent
