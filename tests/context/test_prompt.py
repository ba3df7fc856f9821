from atelier.context.cursor import Cursor
from atelier.context.prompt import build_prompt
from atelier.models.fim import by_name


def chars(text: str) -> int:
    return len(text)


def cursor(mode="line"):
    return Cursor("x = ", "", "", mode)


TEXT = "import os\n\ndef f():\n    x = \n    return x\n"
INDEX = TEXT.index("x = ") + 4


def test_prefix_only_prompt_has_header_and_prefix_and_a_newline_stop():
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=500, max_tokens=16,
                     path="pkg/mod.py", language="python")
    assert p.text == "# pkg/mod.py\n" + TEXT[:INDEX].rstrip(" ")
    assert p.suffix == ""
    assert p.stop[0] == "\n"


def test_fim_prompt_puts_suffix_in_the_model_format():
    p = build_prompt(TEXT, INDEX, cursor("block"), count_tokens=chars, context_tokens=500, max_tokens=16,
                     fim=by_name("qwen"), path="m.py", language="python")
    assert p.text.startswith("<|file_sep|>m.py\n<|fim_prefix|>import os")
    assert p.text.endswith("<|fim_suffix|>\n    return x\n<|fim_middle|>")
    assert "<|endoftext|>" in p.stop and "\n" not in p.stop


def test_codestral_puts_the_volatile_prefix_last():
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=500, max_tokens=16,
                     fim=by_name("codestral"))
    assert p.text.startswith("[SUFFIX]") and p.text.endswith("[PREFIX]" + TEXT[:INDEX].rstrip(" "))


def test_budget_cuts_the_far_prefix_first():
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=20, max_tokens=16)
    assert p.text.endswith("def f():\n    x =")
    assert "import os" not in p.text


def test_trailing_space_is_cut_from_the_prompt_and_healed():
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=500, max_tokens=16)
    assert p.text.endswith("x =") and p.heal == " "
    assert p.strip_heal(" 42") == "42"
    assert p.strip_heal("42") == "42"


def test_a_half_typed_word_is_cut_and_healed():
    text = "value = compute(x)\nresult = comp"
    p = build_prompt(text, len(text), Cursor("result = comp", "", "", "line"), count_tokens=chars,
                     context_tokens=500, max_tokens=16)
    assert p.text.endswith("result =") and p.heal == " comp"
    assert p.strip_heal(" compute(y)") == "ute(y)"


def test_indentation_only_line_keeps_all_but_the_space_that_glues_to_the_next_word():
    text = "def f():\n    \n"
    p = build_prompt(text, 13, Cursor("    ", "", "    ", "block"), count_tokens=chars, context_tokens=500, max_tokens=16)
    assert p.text.endswith("def f():\n   ") and p.heal == " "
    assert p.strip_heal(" return 1\n    x") == "return 1\n    x"


def test_without_healing_only_the_trailing_space_is_cut():
    text = "result = comp"
    p = build_prompt(text, len(text), Cursor(text, "", "", "line"), count_tokens=chars, context_tokens=500,
                     max_tokens=16, heal=False)
    assert p.text == text and p.heal == ""
    p = build_prompt("x = ", 4, cursor(), count_tokens=chars, context_tokens=500, max_tokens=16, heal=False)
    assert p.text == "x =" and p.strip_heal(" 1") == "1" and p.strip_heal("1") == "1"


def test_context_from_other_files_comes_first_and_is_taken_from_the_budget():
    ctx = "# util.py:\n# def helper(x): ...\n"
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=200, max_tokens=16,
                     path="m.py", language="python", context=ctx)
    assert p.text.startswith(ctx + "# m.py\n")
    small = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=60, max_tokens=16,
                         path="m.py", language="python", context=ctx)
    assert "import os" not in small.text  # the window shrank to make room


def test_repository_level_fim_puts_file_blocks_before_the_fim_markers():
    p = build_prompt(TEXT, INDEX, cursor(), count_tokens=chars, context_tokens=500, max_tokens=16,
                     fim=by_name("starcoder"), path="m.py", language="python", context="<file_sep>u.py\nX = 1\n")
    assert p.text.startswith("<file_sep>u.py\nX = 1\n<file_sep>m.py\n<fim_prefix>import os")
