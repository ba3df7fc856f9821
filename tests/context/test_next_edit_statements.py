"""Statement fixes (context.next_edit_statements): the user's fix of one statement made on the
next statement below that needs it, and nothing where none does or the file's style disagrees."""

from __future__ import annotations

from atelier.context.edits import Edit, minimal
from atelier.context.next_edit import LastEdit, parse, propose_statement_fix
from tests.context.next_edit_helpers import first_edit


def _fix(language: str, src: str, old: str, new: str, nth: int = 0):
    """propose_statement_fix once `old` (its nth occurrence) became `new`."""
    start = -1
    for _ in range(nth + 1):
        start = src.index(old, start + 1)
    text = src[:start] + new + src[start + len(old):]
    trimmed = minimal(src, Edit(start, start + len(old), new))  # as propagate hands it on: what changed
    last = LastEdit(trimmed.start, src[trimmed.start:trimmed.end], trimmed.new_text)
    return propose_statement_fix(text, parse(language, text), last)


# -- Python: bare comparisons ---------------------------------------------------------------

BARE = "def test_cache():\n    c = Cache()\n    c.put('k', 1)\n    c.size == 1\n    c.drop('k')\n    'k' not in c\n"


def test_a_bare_comparison_made_an_assertion_asserts_the_next_bare_comparison():
    out = first_edit("python", BARE, "    c.size", "    assert c.size")
    assert out == BARE.replace("    c.size", "    assert c.size").replace("    'k' not", "    assert 'k' not")


def test_an_assertion_of_a_call_or_a_comparison_used_as_a_value_is_not_a_bare_comparison():
    src = "def test_cache():\n    c.ready()\n    c.check()\n    c.size == 1\n"
    assert _fix("python", src, "    c.ready()", "    assert c.ready()") is None  # a call is no comparison
    src2 = "def test_cache():\n    c.size == 1\n    ok = c.size == 1\n    print(c.size == 1)\n"
    assert _fix("python", src2, "    c.size", "    assert c.size") is None


# -- JavaScript: semicolons -----------------------------------------------------------------

SEMI = "var a = 1;\nvar b = 2;\nfoo(a);\nbar(b)\nvar c = {\n  d: 1\n}\nlog(c);\nbaz(c);\nqux(a);\n"


def test_a_semicolon_added_in_a_file_that_uses_them_ends_the_statements_below_that_lack_one():
    out = first_edit("javascript", SEMI, "bar(b)", "bar(b);")
    assert out == SEMI.replace("bar(b)", "bar(b);").replace("\n}\n", "\n};\n")


def test_a_semicolon_is_not_added_where_the_file_goes_without_them():
    src = "var a = 1\nvar b = 2\nfoo(a)\nbar(b)\nlog(a)\nlog(b)\n"
    assert _fix("javascript", src, "foo(a)", "foo(a);") is None
    # Nor for a `;` that ends no statement (an empty statement after a block).
    assert _fix("javascript", SEMI.replace("log(c);", "if (a) {\n  log(c);\n}"), "}\nbaz", "};\nbaz") is None


def test_a_semicolon_dropped_in_a_file_that_goes_without_them_drops_the_next_ones():
    src = "var a = 1\nvar b = 2\nfoo(a);\nbar(b);\nlog(a)\nlog(b)\nlog(c)\nlog(d)\n"
    out = first_edit("javascript", src, "foo(a);", "foo(a)")
    assert out == src.replace(";", "")
    assert _fix("javascript", SEMI, "foo(a);", "foo(a)") is None  # the file's style is to end them


# -- trailing commas ------------------------------------------------------------------------

COMMAS = "var a = [\n  1,\n  2\n];\nvar b = [3, 4];\nvar c = {\n  x: 1\n};\nvar d = [\n  5,\n  6\n];\n"


def test_a_trailing_comma_added_to_a_list_of_lines_goes_to_the_next_such_list_of_the_same_kind():
    out = first_edit("javascript", COMMAS, "  2\n", "  2,\n")
    assert out == COMMAS.replace("  2\n", "  2,\n").replace("  6\n", "  6,\n")


def test_a_trailing_comma_is_not_added_after_a_rest_element_nor_for_a_comma_between_items():
    src = "function f(\n  a,\n  b\n) {}\nfunction g(\n  x,\n  ...rest\n) {}\n"
    assert _fix("javascript", src, "  b\n", "  b,\n") is None
    # A comma before a bracket on the same line: the list is not one item a line.
    assert _fix("python", "x = [1, 2]\ny = [\n    3\n]\n", "2]", "2,]") is None


def test_a_trailing_comma_dropped_drops_the_next_lists_and_a_list_wrapped_onto_one_line_is_skipped():
    src = COMMAS.replace("  2\n", "  2,\n").replace("  x: 1\n", "  x: 1,\n").replace("  6\n", "  6,\n")
    dropped = _fix("javascript", src, "  2,\n", "  2\n")
    assert dropped is not None and [e.new_text for e in dropped.edits] == [""]
    text = src.replace("  2,\n", "  2\n")
    assert text[dropped.edits[0].start - 3:dropped.edits[0].end] == "  6,"  # not the object's: another kind
    wrapped = "def f(\n    a,\n    b\n):\n    pass\n\n\ndef g(\n    c, d\n):\n    pass\n"
    assert _fix("python", wrapped, "    b\n", "    b,\n") is None


# -- Python: stubs --------------------------------------------------------------------------

STUBS = ("class Shape:\n    def area(self):\n        pass\n\n    def name(self):\n        \"\"\"Its name.\"\"\"\n        pass\n"
         "\n\nclass Box(Shape):\n    def area(self):\n        pass\n")


def test_a_stub_made_to_raise_not_implemented_makes_the_next_stub_of_its_class_raise():
    out = first_edit("python", STUBS, "pass", "raise NotImplementedError")
    assert out == STUBS.replace("pass", "raise NotImplementedError", 2)


def test_a_stub_in_another_class_or_a_pass_in_a_longer_body_is_left_alone():
    src = "class Shape:\n    def area(self):\n        pass\n\n    def name(self):\n        log()\n        pass\n" \
          "\n\nclass Box(Shape):\n    def area(self):\n        pass\n"
    assert _fix("python", src, "pass", "raise NotImplementedError") is None


# -- JavaScript: implicit globals -----------------------------------------------------------

GLOBALS = ("function setup() {\n  first = make(1);\n  second = first.next();\n  shared = 2;\n  third = second.next();\n}\n"
           "function other() {\n  shared = 3;\n}\n")


def test_a_declared_implicit_global_declares_the_next_one_in_the_same_function():
    out = first_edit("javascript", GLOBALS, "  first =", "  var first =")
    # `shared` is assigned in another function too: a global on purpose.
    assert out == GLOBALS.replace("  first =", "  var first =").replace("  second =", "  var second =")


def test_a_name_declared_elsewhere_is_not_declared_again():
    src = "var first;\nfunction setup() {\n  second = make(1);\n  first = second;\n}\n"
    assert _fix("javascript", src, "  second =", "  let second =") is None


# -- JavaScript: async ------------------------------------------------------------------------

ASYNC = ("function load(id) {\n  if (!id) {\n    return null;\n  }\n  return fetchItem(id);\n}\n"
         "async function save(item) {\n  return await storeItem(item);\n}\n")


def test_a_function_made_async_awaits_the_call_it_returns():
    out = first_edit("javascript", ASYNC, "function load", "async function load")
    assert out == ASYNC.replace("function load", "async function load").replace("return fetchItem", "return await fetchItem")


def test_a_function_made_async_that_awaits_already_or_returns_no_call_gets_nothing():
    awaits = ASYNC.replace("  if (!id)", "  await ready();\n  if (!id)")
    assert _fix("javascript", awaits, "function load", "async function load") is None
    plain = "function load(id) {\n  return id;\n}\nfunction other() {\n  return fetchItem(1);\n}\n"
    assert _fix("javascript", plain, "function load", "async function load") is None
    # A file whose async functions return their promises bare: its style, not a slip.
    bare = ASYNC.replace("return await storeItem", "return storeItem")
    assert _fix("javascript", bare, "function load", "async function load") is None


# -- JavaScript: strict equality --------------------------------------------------------------

EQ = "if (a.length == 0) stop();\nif (b == null) go();\nif (c == d) go();\nif (e.size == 2) go();\n"


def test_a_loose_equality_made_strict_makes_the_next_one_against_the_same_kind_of_operand_strict():
    out = first_edit("javascript", EQ, "a.length ==", "a.length ===")
    assert out == EQ.replace("a.length ==", "a.length ===").replace("e.size ==", "e.size ===")


def test_a_comparison_with_null_is_left_loose():
    assert _fix("javascript", EQ.replace("a.length == 0", "a.length == null"), "a.length ==", "a.length ===") is None


# -- Python: u prefixes, print ------------------------------------------------------------------

def test_a_dropped_u_prefix_drops_the_next_one_and_a_b_prefix_is_left_alone():
    src = "A = u'x'\nB = b'y'\nC = [u\"z\"]\n"
    assert first_edit("python", src, "u'x'", "'x'") == "A = 'x'\nB = b'y'\nC = [\"z\"]\n"
    assert _fix("python", src, "b'y'", "'y'") is None


def test_a_print_statement_made_a_call_rewrites_the_next_print_statement_the_same_way():
    src = "def main():\n    print 'start'\n    run()\n    print >> sys.stderr, 'done', n\n"
    out = first_edit("python", src, "print 'start'", "print('start')")
    assert out == src.replace("print 'start'", "print('start')").replace(
        "print >> sys.stderr, 'done', n", "print('done', n, file=sys.stderr)")


def test_a_print_rewritten_otherwise_than_mechanically_gets_nothing():
    src = "def main():\n    print 'start', n\n    run()\n    print 'done', n\n"
    assert _fix("python", src, "print 'start', n", "print('start {}'.format(n))") is None


# -- Python: test methods the runner skips ---------------------------------------------------

SKIPPED = ("class WriteOnlyTests(TestCase):\n    def setUp(self):\n        self.s = Serializer()\n\n"
           "    def fields_are_present_on_input(self):\n        assert self.s.is_valid()\n\n"
           "    def test_other(self):\n        pass\n\n"
           "    def fields_are_not_present_on_output(self):\n        assert 'x' not in self.s.data\n")


def test_a_test_method_given_its_prefix_names_the_next_unprefixed_test_of_the_class():
    out = first_edit("python", SKIPPED, "def fields_are_present_on_input", "def test_fields_are_present_on_input")
    assert out == SKIPPED.replace("def fields_are_", "def test_fields_are_")


def test_a_helper_method_below_is_no_skipped_test():
    helper = SKIPPED.replace("def fields_are_not_present_on_output(self):", "def check_output(self, data):")
    assert _fix("python", helper, "def fields_are_present_on_input", "def test_fields_are_present_on_input") is None
    called = SKIPPED + "\n    def test_z(self):\n        self.fields_are_not_present_on_output()\n"
    assert _fix("python", called, "def fields_are_present_on_input", "def test_fields_are_present_on_input") is None


def test_an_object_base_dropped_from_a_class_is_dropped_from_the_next_class_that_has_it():
    src = ("class Theme(object):\n    pass\n\n\nclass Plain:\n    pass\n\n\nclass Themes(object):\n    DEFAULT = Theme()\n")
    assert first_edit("python", src, "class Theme(object):", "class Theme:") == \
        src.replace("Theme(object)", "Theme").replace("Themes(object)", "Themes")
    assert first_edit("python", src, "class Plain:", "class Plain(Base):") is None  # a real base: that class's own


def test_a_var_made_const_makes_the_next_vars_const_or_let_where_assigned_again():
    src = ("function retry(opts) {\n  var retries = opts.retries;\n  if (!retries) return;\n"
           "  var noise = Math.random() * 100;\n  var delay = 1000;\n  delay += noise;\n  return delay;\n}\n")
    out = first_edit("javascript", src, "var retries", "const retries", every=True)
    assert out == src.replace("var retries", "const retries").replace("var noise", "const noise").replace("var delay", "let delay")
    assert first_edit("javascript", src, "var retries", "let retries") is None  # `let` or `const` next: not for us to say


def test_a_set_written_as_a_literal_and_a_returned_tuple_without_parentheses_go_to_the_next_one():
    src = ("def ids(a, b):\n    first = set(['master'])\n    other = set(x for x in a)\n"
           "    both = set(['gw0', 'gw1'])\n    return first, both\n")
    assert first_edit("python", src, "set(['master'])", "{'master'}") == \
        src.replace("set(['master'])", "{'master'}").replace("set(['gw0', 'gw1'])", "{'gw0', 'gw1'}")
    src = ("def lookup(path):\n    try:\n        st = stat(path)\n        return (path, st)\n    except OSError:\n"
           "        pass\n    return (\"\", None)\n")
    assert first_edit("python", src, "return (path, st)", "return path, st") == \
        src.replace("return (path, st)", "return path, st").replace('return ("", None)', 'return "", None')


def test_a_string_with_an_unknown_escape_made_raw_goes_to_the_next_plain_string_holding_one():
    src = ("def check(html, label):\n    summary = '(\\d)+ {0}'.format(label)\n"
           "    table = ('tbody class=\\\"{0} '.format(label))\n    total = re.search(\"(\\d)+ tests ran\", html)\n"
           "    return summary, table, total\n")
    out = first_edit("python", src, "'(\\d)+ {0}'", "r'(\\d)+ {0}'")
    assert out == src.replace("'(\\d)+ {0}'", "r'(\\d)+ {0}'").replace('("(\\d)+ tests', '(r"(\\d)+ tests')  # `\"` is known
    assert first_edit("python", src, "'tbody", "r'tbody") is None  # nothing unknown to escape there
