"""Comment rules: a call commented out → the next call of the same function; a trailing
directive rewritten → the same directive below."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_a_logging_call_commented_out_comments_out_the_next_one_in_the_callbacks():
    src = ("connect: function() {\n"
           "  var c = open();\n"
           "  c.on('close', function (err) {\n"
           "    console.log('closed.');\n"
           "  });\n"
           "  c.on('error', function (err) {\n"
           "    console.log('error: ' + err);\n"
           "  });\n"
           "  return c;\n"
           "},\n")
    src = "var driver = {\n" + src + "};\n"
    after = first_edit("javascript", src, "console.log('closed.')", "//console.log('closed.')")
    assert after == src.replace("console.log(", "//console.log(")


def test_a_print_commented_out_in_python_keeps_the_markers_place():
    src = ("def run(job):\n"
           "    print('start', job)\n"
           "    job.run()\n"
           "    if job.failed:\n"
           "        print('failed', job)\n"
           "    report(job)\n")
    assert first_edit("python", src, "    print('start'", "    # print('start'") == \
        src.replace("print(", "# print(")
    assert first_edit("python", src, "    print('start'", "#    print('start'") == \
        src.replace("    print('start'", "#    print('start'").replace("        print('failed'", "#        print('failed'")


def test_a_line_commented_out_leaves_other_calls_and_other_functions_alone():
    src = ("def run(job):\n"
           "    log('start', job)\n"
           "    job.run()\n"
           "    report(job)\n\n\n"
           "def report(job):\n"
           "    log('done', job)\n")
    assert first_edit("python", src, "log('start'", "# log('start'") is None  # another function's output
    src = "def run(job):\n    job.start()\n    job.run()\n    log(job)\n"
    assert first_edit("python", src, "job.start()", "# job.start()") is None  # another call
    src = "def run(job):\n    x = job.start()\n    job.start()\n"
    assert first_edit("python", src, "x = job.start()", "# x = job.start()") is None  # no call alone on its line


def test_a_trailing_directive_rewritten_is_rewritten_on_the_lines_below_that_end_with_it():
    src = ("@pytest.fixture\n"
           "def quoter(request) -> Quoter:  # type: ignore[misc,no-any-unimported]\n"
           "    return request.param\n\n\n"
           "@pytest.fixture\n"
           "def unquoter(request) -> Unquoter:  # type: ignore[misc,no-any-unimported]\n"
           "    return request.param\n")
    assert first_edit("python", src, "[misc,no-any-unimported]", "[no-any-unimported,misc,unused-ignore]") == \
        src.replace("[misc,no-any-unimported]", "[no-any-unimported,misc,unused-ignore]")
    src = ("const a = use(b); // eslint-disable-line no-use-before-define\n"
           "const c = use(d); // eslint-disable-line no-use-before-define\n")
    assert first_edit("javascript", src, "no-use", "@typescript-eslint/no-use") == \
        src.replace("no-use", "@typescript-eslint/no-use")


def test_a_trailing_comment_rewritten_stays_on_its_line_when_it_is_the_lines_own():
    src = "x = a.dumps(s)  # type: ignore\nsend(\n    x,  # type: ignore\n)\n"
    assert first_edit("python", src, "# type: ignore", "# type: ignore[union-attr]") is None  # this line's error
    src = "timeout = 5  # seconds\ndelay = 2  # seconds\n"
    assert first_edit("python", src, "# seconds", "# in seconds") is None  # a note, not a directive
    src = "a = use(b)  # noqa: F821\nc = use(d)  # noqa: F821\n"
    assert first_edit("python", src, "F821", "F821, E501") is None  # a code added: this line's own


def test_a_directive_deleted_goes_from_the_next_line_of_the_same_function_that_ends_with_it():
    src = ("def _patch_task() -> None:\n    def enter_task(loop, task):\n        pass\n\n"
           "    asyncio.tasks._enter_task = enter_task  # type: ignore\n"
           "    def leave_task(loop, task):  # type: ignore\n        pass\n\n"
           "    asyncio.tasks._leave_task = leave_task  # type: ignore\n\n\n"
           "def _patch_loop() -> None:\n    asyncio.BaseEventLoop.sync_wait = _sync_wait  # type: ignore\n")
    old = "enter_task  # type: ignore\n"
    out = first_edit("python", src, old, "enter_task\n")
    assert out == src.replace(old, "enter_task\n").replace("leave_task  # type: ignore\n", "leave_task\n")


def test_a_print_commented_out_takes_the_next_print_with_it_in_another_function_farther_down():
    filler = "".join(f"    x{i} = {i}\n" for i in range(20))
    src = ("def test_a():\n    t1 = make()\n    print(t1)\n    assert t1\n\n\n"
           f"def test_b():\n{filler}    length = measure()\n    print(length)\n    show(length)\n\n\n"
           f"def test_c():\n{filler}    show(3)\n")
    out = first_edit("python", src, "    print(t1)", "    # print(t1)")
    assert out == src.replace("    print(t1)", "    # print(t1)").replace("    print(length)", "    # print(length)")
    # Another call is the output of its own function only.
    other = src.replace("print(", "show(")
    assert first_edit("python", other, "    show(t1)", "    # show(t1)") is None
