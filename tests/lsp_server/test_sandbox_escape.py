"""The cage round model-written code (lsp_server/engine/sandbox.py): each test is an escape that
worked against the old sandbox (rlimits and Python-level guards only), tried by every route we
know, against the real cage. No model: the "candidate" is a program written here.

Without a cage on this machine (macOS, bwrap missing, user namespaces refused) the escape
tests skip with the reason, which CI does not accept (tests/conftest.py): CI must install
bubblewrap (`make install` does as root). The refusal tests at the end run everywhere."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from atelier.context.stubs import find_stub
from atelier.lsp_server.engine import sandbox
from atelier.lsp_server.engine.generate_to_pass import PassRequest, generate_to_pass
from atelier.lsp_server.engine.sandbox import run_sandboxed

SECRET = "sk-atelier-test-" + "%08x" % random.getrandbits(32)


@pytest.fixture
def caged():
    problem = sandbox.cage_problem()
    if problem:
        pytest.skip(f"no cage on this machine: {problem}")


def _run(source: str, timeout_s: float = 10.0, **kwargs):
    return run_sandboxed(textwrap.dedent(source), timeout_s, **kwargs)


def _processes_with(token: str) -> list[int]:
    """Processes on this machine whose command line holds `token`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def test_no_route_reaches_a_port_the_server_listens_on(caged):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    result = _run(f"""
        import sys
        PORT = {port}
        reached = []
        def attempt(route, connect):
            try:
                connect()
                reached.append(route)
            except BaseException as exc:
                print(route, "refused:", type(exc).__name__, exc)
        import socket, _socket
        attempt("socket.socket", lambda: socket.socket(2, 1).connect(("127.0.0.1", PORT)))
        attempt("_socket.socket", lambda: _socket.socket(2, 1).connect(("127.0.0.1", PORT)))
        attempt("socket.create_connection", lambda: socket.create_connection(("127.0.0.1", PORT), 2))
        def fresh():
            for name in ("socket", "_socket"):
                sys.modules.pop(name, None)
            import importlib
            importlib.import_module("_socket").socket(2, 1).connect(("127.0.0.1", PORT))
        attempt("fresh import of _socket", fresh)
        def fromfd():
            s = _socket.socket(2, 1)
            socket.fromfd(s.fileno(), 2, 1).connect(("127.0.0.1", PORT))
        attempt("socket.fromfd", fromfd)
        def by_fileno():
            s = _socket.socket(2, 1)
            _socket.socket(2, 1, 0, s.detach()).connect(("127.0.0.1", PORT))
        attempt("_socket.socket(fileno=)", by_fileno)
        def with_ctypes():
            import ctypes, struct
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.socket(2, 1, 0)
            address = struct.pack("!HH4s8x", 2, PORT, bytes([127, 0, 0, 1]))
            address = struct.pack("=H", 2) + address[2:]
            if libc.connect(fd, address, len(address)) != 0:
                raise OSError(ctypes.get_errno(), "connect")
        attempt("ctypes connect", with_ctypes)
        print("reached:", reached)
    """)
    listener.settimeout(0.5)
    connected = []
    try:
        while True:
            connected.append(listener.accept()[0])
    except (TimeoutError, socket.timeout):
        pass
    finally:
        for conn in connected:
            conn.close()
        listener.close()
    assert not connected, result.output
    assert "reached: []" in result.output, result.output


# Each route starts a grandchild in a session of its own that sleeps, then writes a marker
# outside the copy: none may still run once the run is over, and no marker may ever appear.
_SPAWN = """
import os, posix, sys, time
OUTSIDE = {outside!r}
TOKEN = {token!r}
def command(route):
    return f"sleep {{TOKEN}}; echo escaped > {{OUTSIDE}}/{{''.join(c for c in route if c.isalnum())}}"
def attempt(route, start):
    try:
        start(["/bin/sh", "-c", command(route)])
        print(route, "started")
    except BaseException as exc:
        print(route, "refused:", type(exc).__name__, exc)
def forked(argv):
    pid = posix.fork()
    if pid == 0:
        try:
            posix.setsid()
            posix.execv(argv[0], argv)
        finally:
            posix._exit(1)
attempt("os.fork", lambda argv: os.fork() or (os.setsid(), os.execv(argv[0], argv)))
attempt("posix.fork", forked)
attempt("os.posix_spawn", lambda argv: os.posix_spawn(argv[0], argv, {{}}, setsid=True))
def fork_exec(argv):
    import _posixsubprocess
    read, write = os.pipe()
    common = ([os.fsencode(argv[0])], True, (), None, None, -1, -1, -1, -1, -1, -1, read, write,
              True, True, -1, None, None, None, -1, None)
    try:
        _posixsubprocess.fork_exec([os.fsencode(a) for a in argv], *common)
    except TypeError:  # Python 3.12 and later: one more argument
        _posixsubprocess.fork_exec([os.fsencode(a) for a in argv], *common, True)
attempt("_posixsubprocess.fork_exec", fork_exec)
def reloaded(argv):
    import importlib, subprocess
    importlib.reload(subprocess).Popen(argv, start_new_session=True)
attempt("subprocess (reloaded)", reloaded)
def spawned(argv):
    from multiprocessing import util
    util.spawnv_passfds(os.fsencode(argv[0]), [os.fsencode(a) for a in argv], ())
attempt("multiprocessing spawn", spawned)
attempt("posix.system", lambda argv: posix.system("setsid " + " ".join(argv[:2]) + " '" + argv[2] + "' &"))
sys.stdout.flush()
if {hang!r}:
    while True:
        time.sleep(0.1)
"""


@pytest.mark.parametrize("ending", ["exits", "times out"])
def test_no_process_the_candidate_starts_outlives_the_run(caged, tmp_path, ending):
    outside = tmp_path / "outside"
    outside.mkdir()
    token = "2.%06d" % random.randrange(10**6)  # seconds of sleep, and a tag to find them by
    try:
        result = _run(_SPAWN.format(outside=str(outside), token=token, hang=ending == "times out"), timeout_s=2)
        assert (result.reason == "timeout") == (ending == "times out"), result.output
        time.sleep(0.3)
        assert _processes_with(token) == [], result.output
        time.sleep(3)
        assert sorted(os.listdir(outside)) == [], result.output
    finally:
        for pid in _processes_with(token):  # on the old sandbox: the escaped ones
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_files_outside_the_copy_can_be_neither_read_nor_changed(caged, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "calc.py").write_text("KEEP = 1\n")
    (ws / "doomed.py").write_text("KEEP = 2\n")
    (tmp_path / "private.txt").write_text(SECRET)
    result = _run(f"""
        import os, posix, shutil
        WS, PRIVATE = {str(ws)!r}, {str(tmp_path / "private.txt")!r}
        def attempt(route, act):
            try:
                print(route, "did:", act())
            except BaseException as exc:
                print(route, "refused:", type(exc).__name__)
        attempt("read", lambda: open(PRIVATE).read())
        attempt("write", lambda: open(WS + "/calc.py", "w").write("KEEP = 0\\n"))
        attempt("create", lambda: open(WS + "/new.py", "w").write("x\\n"))
        attempt("remove", lambda: os.remove(WS + "/doomed.py"))
        attempt("posix.unlink", lambda: posix.unlink(WS + "/doomed.py"))
        attempt("rename", lambda: os.rename(WS + "/calc.py", WS + "/moved.py"))
        attempt("rmtree", lambda: shutil.rmtree(WS))
        attempt("write beside", lambda: open({str(tmp_path / "beside.txt")!r}, "w").write("x"))
        attempt("copy's own file", lambda: open("calc.py", "w").write("changed in the copy\\n"))
    """, workspace=ws)
    assert SECRET not in result.output, result.output
    assert sorted(os.listdir(ws)) == ["calc.py", "doomed.py"], result.output
    assert (ws / "calc.py").read_text() == "KEEP = 1\n" and (ws / "doomed.py").read_text() == "KEEP = 2\n"
    assert not (tmp_path / "beside.txt").exists()
    assert "copy's own file did:" in result.output  # the copy itself is writable


_SNOOP = r"""
import os
SECRET = os.fsencode(%r)
found = [name for name, value in os.environ.items() if SECRET in os.fsencode(value) or name.startswith("ATELIER")]
for pid in [os.getppid(), 1, "self"] + [p for p in os.listdir("/proc") if p.isdigit()]:
    for what in ("environ", "cmdline"):
        try:
            if SECRET in open(f"/proc/{pid}/{what}", "rb").read():
                found.append(f"/proc/{pid}/{what}")
        except OSError:
            pass
print("found:", found)
""" % SECRET


def test_the_servers_environment_is_nowhere_to_be_read(caged):
    # The "server" starts with the secret in its environment, as an API key would be given to it.
    server = subprocess.run(
        [sys.executable, "-c", "import sys; from atelier.lsp_server.engine.sandbox import run_sandboxed; "
                               "r = run_sandboxed(sys.stdin.read()); print(r.passed, r.output)"],
        input=_SNOOP, capture_output=True, text=True, timeout=60,
        env={**os.environ, "ATELIER_API_KEY": SECRET, "SOME_OTHER_TOKEN": SECRET}, start_new_session=True)
    assert server.stdout.startswith("True ") and "found: []" in server.stdout, (server.stdout, server.stderr[-2000:])


_SURVIVOR = """
import os, sys, tempfile
from pathlib import Path
from atelier.lsp_server.engine.sandbox import run_sandboxed
runs = {{
    "kills itself": "import os, posix; posix.kill(os.getpid(), 9)",
    "locks its folder and times out": "import os; os.makedirs('d/e'); os.chmod('d', 0); os.chmod('.', 0)\\nwhile True: pass",
    "kills the server": "import os, posix, signal\\n"
        "for kill in (posix.kill, os.kill):\\n"
        "    try: kill(os.getppid(), 9)\\n"
        "    except Exception as exc: print(exc)\\n"
        "try: posix.killpg(os.getpgid(os.getppid()), 9)\\n"
        "except Exception as exc: print(exc)\\n"
        "import time; time.sleep(1)",
}}
for name, source in runs.items():
    result = run_sandboxed(source, 2, workspace=Path({ws!r}))
    print(name, "->", result.passed, result.reason[:40], flush=True)
print("survived", os.listdir(tempfile.gettempdir()), flush=True)
"""


def test_the_server_survives_a_candidate_that_kills_it_and_no_copy_is_left(caged, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "calc.py").write_text("KEEP = 1\n")
    temp = tmp_path / "temp"
    temp.mkdir()
    # The "server" is a child of the test, in a session of its own: on the old sandbox it is
    # what gets killed, not the test run.
    server = subprocess.run([sys.executable, "-c", _SURVIVOR.format(ws=str(ws))], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True)
    assert server.returncode == 0 and "survived []" in server.stdout, (server.returncode, server.stdout, server.stderr)
    assert os.listdir(temp) == []
    assert (ws / "calc.py").read_text() == "KEEP = 1\n"


# Where no cage can be made, generate to pass refuses, unless generate.isolation is "none".

CALC = "def add(a, b):\n    ...\n"
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def _request(tmp_path: Path, isolation: str) -> PassRequest:
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TESTS)
    stub = find_stub(CALC, 4, 4)
    return PassRequest(CALC, stub, "calc.py", str(root), "test_calc.py", TESTS, 2, timeout_s=20, isolation=isolation)


def test_without_a_cage_generate_to_pass_refuses_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "no-bwrap"))
    drawn = []
    outcome = generate_to_pass(_request(tmp_path, "auto"), lambda i: drawn.append(i) or "    return a + b", tmp_path / "data")
    assert outcome.edit is None and outcome.attempts == [] and drawn == []  # nothing sampled, nothing run
    assert "no-bwrap" in outcome.error and "not installed" in outcome.error, outcome.error
    assert 'generate.isolation' in outcome.error and '"none"' in outcome.error, outcome.error
    with pytest.raises(sandbox.SandboxUnavailable, match="not installed"):
        run_sandboxed("pass")


def test_isolation_none_runs_the_tests_the_old_way_without_a_cage(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "no-bwrap"))
    outcome = generate_to_pass(_request(tmp_path, "none"), lambda i: "    return a + b", tmp_path / "data")
    assert outcome.winner == 0 and not outcome.error, outcome.attempts
    assert run_sandboxed("import os; print(os.getcwd())", isolation="none").passed


def test_an_interpreter_that_lives_under_tmp_still_runs_in_the_cage(caged, tmp_path):
    # A clone in /tmp (as CI's) has its .venv there: the cage's own empty /tmp must not hide it.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    result = _run("import sys; print(sys.prefix)", python=str(venv / "bin" / "python"))
    assert result.passed and str(venv) in result.output, result.output
