"""Run untrusted code (model output, and tests against it) in a child Python: time, memory and
file-size limits, in a throw-away folder that holds nothing or a copy of the workspace. Shared
by `atelier bench humaneval` and "Generate to pass the tests".

On Linux the child runs in a cage (bubblewrap, `bwrap`): new user, PID, network, mount, IPC and
UTS namespaces; only the throw-away folder is writable and only the system's and the
interpreter's own folders are visible (read-only); /proc is the cage's own; no capabilities;
the environment holds PATH, HOME, LANG, TMPDIR and USER only; the whole process tree dies with
the run. Where no cage can be made (another OS, bwrap missing, user namespaces refused),
`isolation="auto"` refuses to run anything (`SandboxUnavailable`, with the reason) and
`isolation="none"` runs the child the old way: rlimits and Python-level guards only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import msgspec

# Run first in the child: resource limits, then no sockets and no new processes, then the
# program. The limits are set here rather than in a preexec_fn, which is unsafe when the
# parent has threads (several children may run at a time). The guards are against accidents
# (code that downloads or shells out), not an adversary (`_socket`, `posix` and ctypes get
# round them): the cage is what holds an adversary.
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


ISOLATIONS = ("auto", "none")
# The cage's tool: a module attribute, so that a test can point it at a missing program.
BWRAP = "bwrap"
INSIDE = "/sandbox"  # where the throw-away folder appears in the cage
CAGE_UID = 65534  # the user inside the cage (nobody); outside, it is the server's own user
TMP_BYTES = 64 << 20  # the cage's /tmp, in memory
# Of /etc, only what the dynamic loader and the time zone need (no passwd, no hosts, no keys).
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_PATHS = ("import json, sys, sysconfig; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, "
          "sys.base_exec_prefix, *sysconfig.get_paths().values()]))")


class SandboxUnavailable(RuntimeError):
    """No cage can be made here; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Cage(msgspec.Struct, frozen=True):
    bwrap: str
    mode: tuple[str, ...]  # the user namespace's options, or none (root where those are refused)
    binds: tuple[str, ...]  # the system's and the interpreter's folders, read-only
    tmp: tuple[str, ...]

    def argv(self, work: Path, program: Path | None) -> list[str]:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": f"{INSIDE}/work", "TMPDIR": "/tmp",
               "LANG": "C.UTF-8", "USER": "sandbox"}
        args = [self.bwrap, *self.mode, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        for name, value in env.items():
            args += ["--setenv", name, value]
        # The empty /tmp first: an interpreter that lives under /tmp (a clone's .venv) is bound over it.
        args += ["--proc", "/proc", "--dev", "/dev", *self.tmp, *self.binds, "--bind", str(work), f"{INSIDE}/work"]
        if program is not None:
            args += ["--ro-bind", str(program), f"{INSIDE}/program.py"]
        return [*args, "--remount-ro", "/", "--chdir", f"{INSIDE}/work"]


_cages: dict[tuple[str, str], _Cage | str] = {}
_cages_lock = threading.Lock()


def _python_dirs(python: str) -> list[str]:
    """The folders `python` needs (its prefixes, standard library, site-packages), outermost only."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        import sysconfig

        paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sysconfig.get_paths().values()]
    else:
        done = subprocess.run([python, "-I", "-c", _PATHS], capture_output=True, text=True, timeout=60,
                              env={"PATH": os.defpath}, stdin=subprocess.DEVNULL)
        paths = json.loads(done.stdout) if done.returncode == 0 else []
    paths += [python, os.path.realpath(python)]
    found: list[str] = []
    for path in sorted({os.path.abspath(p) for p in paths} | {os.path.realpath(p) for p in paths}, key=len):
        if (os.path.exists(path) and path != "/"
                and not any(path == d or path.startswith(d.rstrip("/") + "/") for d in (*_SYSTEM, *found))):
            found.append(path)
    return found


def _probe(bwrap: str, python: str) -> _Cage | str:
    if not sys.platform.startswith("linux"):
        return f"this is {sys.platform}, and the cage needs Linux namespaces"
    tool = shutil.which(bwrap)
    if tool is None:
        return f"bubblewrap ({bwrap}) is not installed"
    try:
        usage = subprocess.run([tool, "--help"], capture_output=True, text=True, timeout=30).stdout
        dirs = _python_dirs(python)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return f"cannot start {tool} or {python}: {exc}"
    binds: list[str] = []
    for top in _SYSTEM:
        if os.path.islink(top):
            binds += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            binds += ["--ro-bind", top, top]
    for path in _ETC:
        binds += ["--ro-bind-try", path, path]
    for path in dirs:
        binds += ["--ro-bind", os.path.realpath(path), path]
    tmp = (["--size", str(TMP_BYTES)] if "--size" in usage else []) + ["--tmpfs", "/tmp"]
    user = ["--unshare-user", "--uid", str(CAGE_UID), "--gid", str(CAGE_UID)]
    if "--disable-userns" in usage:
        user.append("--disable-userns")  # no nested namespaces: no root inside, ever
    modes = [user]
    if os.geteuid() == 0:  # root where user namespaces are refused: still namespaces, no capabilities
        modes.append([])
    why = ""
    for mode in modes:
        cage = _Cage(tool, tuple(mode), tuple(binds), tuple(tmp))
        with tempfile.TemporaryDirectory(prefix="atelier-probe-") as work:
            try:
                done = subprocess.run([*cage.argv(Path(work), None), python, "-I", "-c", "print('caged')"],
                                      capture_output=True, text=True, timeout=60, env={"PATH": os.defpath},
                                      stdin=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError) as exc:
                why = why or str(exc)
                continue
        if done.returncode == 0 and done.stdout.strip() == "caged":
            return cage
        why = why or (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return f"{tool} cannot make a cage here ({why}); user namespaces may be disabled"


def _cage(python: str) -> _Cage | str:
    """The cage for `python` here, or why there is none (probed once per interpreter, by running it caged)."""
    key = (BWRAP, python)
    with _cages_lock:
        if key not in _cages:
            _cages[key] = _probe(*key)
        return _cages[key]


def cage_problem(python: str | None = None) -> str:
    """'' when untrusted code can run caged here with `python` (the server's by default), else why not."""
    found = _cage(python or sys.executable)
    return found if isinstance(found, str) else ""


def _remove(top: Path) -> None:
    """Remove the throw-away folder, whatever the child did to its permissions."""

    def writable(function, path, _exc) -> None:
        try:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            if not os.path.islink(path) and os.path.isdir(path):
                os.chmod(path, stat.S_IRWXU)
            function(path)
        except OSError:
            pass

    for _ in range(5):
        shutil.rmtree(top, onerror=writable)
        if not os.path.lexists(top):
            return
        time.sleep(0.1)


def _read_child_pid(fd: int) -> int | None:
    """The cage's first process, as bwrap tells on its --info-fd (it writes it and closes it at start)."""
    data = b""
    try:
        while chunk := os.read(fd, 4096):
            data += chunk
    finally:
        os.close(fd)
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None


def run_sandboxed(source: str, timeout_s: float = 10.0, memory_bytes: int = 1 << 30, *, workspace: Path | None = None,
                  files: dict[str, str] | None = None, python: str | None = None,
                  isolation: str = "auto") -> SandboxResult:
    """Run `source` with `python -I` in a fresh temporary folder (a copy of `workspace`, with
    `files` written over it, when given), with time, memory and file-size limits; passed = exit
    status 0. isolation "auto": in the cage, or SandboxUnavailable; "none": without it (unsafe)."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
    python = python or sys.executable
    cage = None
    if isolation == "auto":
        found = _cage(python)
        if isinstance(found, str):
            raise SandboxUnavailable(found)
        cage = found
    guard_cpu = int(timeout_s) + 1
    top = Path(tempfile.mkdtemp(prefix="atelier-sandbox-"))
    try:
        work = top / "work"
        work.mkdir()
        if workspace is not None:
            copy_workspace(workspace, work)
            program = top / "program.py"  # outside the copy: it may have a program.py
            inside = f"{INSIDE}/program.py" if cage else str(program)
        else:
            program = work / "program.py"
            inside = f"{INSIDE}/work/program.py" if cage else str(program)
        for rel, text in (files or {}).items():
            target = (work / rel).resolve()
            if work.resolve() not in target.parents:
                raise ValueError(f"{rel} is outside the sandbox's workspace")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        program.write_text(source, encoding="utf-8")
        guard = _GUARD.format(memory=memory_bytes, cpu=guard_cpu, fsize=MAX_FILE_BYTES, program=inside)
        out_path, err_path = top / "stdout", top / "stderr"
        timed_out = False
        # Output goes to files, outside the work folder: RLIMIT_FSIZE bounds them, where a pipe
        # would buffer whatever a runaway program prints in the server's memory.
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            if cage is None:
                child = subprocess.Popen(
                    [python, "-I", "-c", guard], cwd=work,
                    env={"PATH": os.defpath, "HOME": str(work), "TMPDIR": str(work)},
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    start_new_session=True,  # its own process group, killed whole on time-out
                )
                inner = None
            else:
                info, info_w = os.pipe()
                try:
                    argv = cage.argv(work, program if workspace is not None else None)
                    child = subprocess.Popen(
                        [*argv[:1], "--info-fd", str(info_w), *argv[1:], python, "-I", "-c", guard], cwd=top,
                        env={"PATH": os.defpath}, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                        start_new_session=True, pass_fds=(info_w,))
                finally:
                    os.close(info_w)
                inner = _read_child_pid(info)
            try:
                child.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                # The cage's first process: when it dies, the kernel kills every process of its
                # PID namespace, and bwrap exits only after that.
                if inner is not None and child.poll() is None:
                    try:
                        os.kill(inner, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    try:
                        child.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        stderr = _tail(err_path, 500)
        # stderr first: warnings there, a test runner's summary last on stdout
        output = (_tail(err_path, OUTPUT_TAIL) + _tail(out_path, OUTPUT_TAIL))[-OUTPUT_TAIL:]
    finally:
        _remove(top)
    if timed_out:
        return SandboxResult(False, "timeout", output)
    return SandboxResult(child.returncode == 0, stderr if child.returncode else "", output)
