"""Run untrusted code (model output, and tests against it) in a child Python: time, memory and
file-size limits, no network, no child processes, in a throw-away folder that holds nothing
or a copy of the workspace. Shared by `atelier bench humaneval` and "Generate to pass the
tests"."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import msgspec

# Run first in the child: resource limits, then no sockets and no new processes, then the
# program. The limits are set here rather than in a preexec_fn, which is unsafe when the
# parent has threads (several children may run at a time). The guards are against accidents
# (code that downloads or shells out), not an adversary (ctypes gets round them); the limits
# and the throw-away folder bound the rest.
_GUARD = """
import resource
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu} + 1))
resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

import os, socket, _socket, subprocess, shutil

def _refused(*args, **kwargs):
    raise PermissionError("disabled in the Atelier sandbox")

class _Refused:
    def __init__(self, *args, **kwargs):
        _refused()

socket.socket = socket.SocketType = _socket.socket = _Refused
for _name in ("create_connection", "create_server", "socketpair", "fromfd", "getaddrinfo"):
    setattr(socket, _name, _refused)
for _name in ("system", "fork", "forkpty", "execv", "execve", "execvp", "spawnv", "kill", "killpg", "popen"):
    if hasattr(os, _name):
        setattr(os, _name, _refused)
subprocess.Popen = _Refused
shutil.rmtree = _refused
del _name
with open({program!r}, encoding="utf-8") as _f:
    _source = _f.read()
exec(compile(_source, "program.py", "exec"), {{"__name__": "__main__", "__builtins__": __builtins__}})
"""
MAX_FILE_BYTES = 16 << 20
OUTPUT_TAIL = 2000
# Not copied into the sandbox: version control, environments, caches.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
                       ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".idea", ".vscode"})
COPY_FILE_BYTES = 1 << 20
COPY_TOTAL_BYTES = 64 << 20


class SandboxResult(msgspec.Struct, frozen=True):
    passed: bool
    reason: str = ""  # "timeout", or the tail of stderr
    output: str = ""  # the tail of stderr and stdout together


def copy_workspace(root: Path, dest: Path, max_file: int = COPY_FILE_BYTES, max_total: int = COPY_TOTAL_BYTES) -> int:
    """Copy `root`'s source files into `dest` (no links, caches or big files); returns bytes copied."""
    total = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not os.path.islink(os.path.join(folder, d)))
        rel = Path(folder).relative_to(root)
        for name in sorted(files):
            src = Path(folder, name)
            try:
                size = src.stat().st_size
            except OSError:
                continue
            if src.is_symlink() or not src.is_file() or size > max_file or total + size > max_total:
                continue
            (dest / rel).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / rel / name)
            total += size
    return total


def _tail(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - limit))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def run_sandboxed(source: str, timeout_s: float = 10.0, memory_bytes: int = 1 << 30, *, workspace: Path | None = None,
                  files: dict[str, str] | None = None, python: str | None = None) -> SandboxResult:
    """Run `source` with `python -I` in a fresh temporary folder (a copy of `workspace`, with
    `files` written over it, when given), with time, memory and file-size limits, without
    network or child processes; passed = exit status 0."""
    guard_cpu = int(timeout_s) + 1
    with tempfile.TemporaryDirectory(prefix="atelier-sandbox-") as top:
        work = Path(top, "work")
        work.mkdir()
        if workspace is not None:
            copy_workspace(workspace, work)
            program = Path(top, "program.py")  # outside the copy: it may have a program.py
        else:
            program = work / "program.py"
        for rel, text in (files or {}).items():
            target = (work / rel).resolve()
            if work.resolve() not in target.parents:
                raise ValueError(f"{rel} is outside the sandbox's workspace")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        program.write_text(source, encoding="utf-8")
        guard = _GUARD.format(memory=memory_bytes, cpu=guard_cpu, fsize=MAX_FILE_BYTES, program=str(program))
        out_path, err_path = Path(top, "stdout"), Path(top, "stderr")
        # Output goes to files, outside the work folder: RLIMIT_FSIZE bounds them, where a pipe
        # would buffer whatever a runaway program prints in the server's memory.
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            child = subprocess.Popen(
                [python or sys.executable, "-I", "-c", guard],
                cwd=work,
                env={"PATH": os.defpath, "HOME": str(work), "TMPDIR": str(work)},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group, killed whole on time-out
            )
            try:
                child.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                timed_out = True
            else:
                timed_out = False
        stderr = _tail(err_path, 500)
        # stderr first: warnings there, a test runner's summary last on stdout
        output = (_tail(err_path, OUTPUT_TAIL) + _tail(out_path, OUTPUT_TAIL))[-OUTPUT_TAIL:]
    if timed_out:
        return SandboxResult(False, "timeout", output)
    return SandboxResult(child.returncode == 0, stderr if child.returncode else "", output)
