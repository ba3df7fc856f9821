"""Repeat on identical lines (context.next_edit_repeat): a definition's line changed the same
way where the same definition stands again (an override), a directive on its twin."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_a_parameter_added_to_a_method_goes_to_its_override_with_the_same_line():
    src = ("class A:\n    def load(self, value, attr, data):\n        return value\n\n"
           "class B(A):\n    def load(self, value, attr, data):\n        return data\n")
    line = "def load(self, value, attr, data):"
    assert first_edit("python", src, line, "def load(self, value, attr, data, **kwargs):") == \
        src.replace("data):", "data, **kwargs):")


def test_a_parameter_renamed_in_a_method_is_not_renamed_in_its_override():
    src = ("class A:\n    def load(self, value, attr, data):\n        return value\n\n"
           "class B(A):\n    def load(self, value, attr, data):\n        return data\n")
    assert first_edit("python", src, "attr, data)", "attr, payload)") is None  # B's body still reads `data`


def test_a_directive_added_to_a_line_goes_to_its_twin_in_another_class():
    src = ("class A:\n    def _get(self) -> T:\n        return self.q.pop()\n\n"
           "class B:\n    def _get(self) -> T:\n        return self.q.popleft()\n")
    out = first_edit("python", src, "def _get(self) -> T:", "def _get(self) -> T:  # type: ignore[override]")
    assert out == src.replace("-> T:", "-> T:  # type: ignore[override]")
    note = first_edit("python", src, "def _get(self) -> T:", "def _get(self) -> T:  # the oldest first")
    assert note is None  # a note is this definition's own


def test_a_line_rewritten_into_two_goes_to_its_twin_with_the_users_continuation_indent():
    src = ("def t():\n    if 'Use `a(...)` instead of `b(..., gui=True)`' \\\n            not in out.getvalue():\n        fail()\n"
           "    x = 1\n    if 'Use `a(...)` instead of `b(..., gui=True)`' \\\n            not in out.getvalue():\n        fail()\n")
    old = "'Use `a(...)` instead of `b(..., gui=True)`' \\\n           "
    new = "('Use `a.b(...)` instead of'\n        ' `b(..., gui=True)`')"
    assert first_edit("python", src, old, new) == src.replace(old, new)


def test_a_parameter_added_to_an_anonymous_callback_goes_to_the_same_callback_line_elsewhere():
    src = ("it('a', function(done){\n  request.get(url)\n    .end(function(res){\n      done();\n    });\n});\n"
           "it('b', function(done){\n  request.get(url)\n    .end(function(res){\n      done();\n    });\n});\n")
    out = first_edit("javascript", src, ".end(function(res){", ".end(function(err, res){")
    assert out == src.replace(".end(function(res){", ".end(function(err, res){")


def test_a_parameters_documentation_reworded_goes_to_its_twin_in_another_functions_docstring():
    src = ('def get(url, params=None):\n    """Fetch.\n\n    :param params: (optional) values for the query.\n    """\n'
           '    return send(url, params)\n\n\ndef head(url, params=None):\n    """Ask.\n\n'
           '    :param params: (optional) values for the query.\n    """\n    return send(url, params)\n')
    old, new = "(optional) values for the query.", "(optional) a dict of query values."
    assert first_edit("python", src, old, new) == src.replace(old, new)
    # Other prose reworded stays in its own definition's documentation.
    src2 = src.replace(":param params: (optional)", "The query is sent")
    assert first_edit("python", src2, "values for the query.", "a dict of query values.") is None


def test_a_parameters_default_changed_goes_to_the_same_parameter_not_to_its_neighbours():
    src = ("def check(\n    name,\n    show_diff: bool = False,\n    skip: bool = False,\n):\n    pass\n\n\n"
           "def sort(\n    name,\n    skip: bool = False,\n    ask: bool = False,\n    verbose: bool = False,\n):\n    pass\n")
    out = first_edit("python", src, "skip: bool = False", "skip: bool = True", every=True)
    assert out == src.replace("skip: bool = False", "skip: bool = True")  # both `skip`, no other flag


def test_a_block_changed_in_one_function_goes_to_the_same_block_in_the_next_function():
    # The next function's first line (its `function` keyword) is looked at first: it must not
    # hide that function's variables from its lines further down.
    filler = "".join(f"    check{i}(target, msg);\n" for i in range(45))
    block = ("    var final = prop === undefined ? target() : target[prop];\n"
             "    var msgObj = prop === undefined ? initial : '.' + prop;\n")
    src = "".join(f"  function assert{n} (target, prop, msg) {{\n{filler}{block}  }}\n\n" for n in ("Changes", "Increases", "Decreases"))
    old = "prop === undefined ? target()"
    new = "prop === undefined || prop === null ? target()"
    assert first_edit("javascript", src, old, new) == src.replace(old, new, 2)


def test_a_rewrite_goes_to_a_sibling_whose_values_differ_where_the_edit_did_not_touch():
    src = ("it('eql', function () {\n  expect(new Buffer([ 1 ])).to.eql(new Buffer([ 1 ]));\n\n  err(function () {\n"
           "    expect(new Buffer([ 0 ])).to.eql(new Buffer([ 1 ]));\n  });\n});\n")
    old = "new Buffer([ 1 ])).to.eql(new Buffer"
    new = "Buffer.from([ 1 ])).to.eql(Buffer.from"
    out = first_edit("javascript", src, old, new)
    assert out == src.replace(old, new).replace("expect(new Buffer([ 0 ])).to.eql(new Buffer([ 1 ]))",
                                                "expect(Buffer.from([ 0 ])).to.eql(Buffer.from([ 1 ]))")


def test_what_is_appended_to_one_name_is_not_appended_to_a_siblings_other_name():
    src = ("function visit(mixin) {\n  var attrs = mixin.attrs;\n  var blocks = mixin.attributeBlocks;\n"
           "  var key = mixin.name;\n}\n")
    assert first_edit("javascript", src, "mixin.attributeBlocks;", "mixin.attributeBlocks.slice();") is None
    py = "try:\n    run()\nexcept ParserError:\n    log()\nexcept UpgradeError:\n    upgrade()\n"
    assert first_edit("python", py, "except ParserError:", "except ParserError as exc:") is None
    # A check added after a name is the same check for the sibling's name.
    cond = "if domain and domain != cookie.domain:\n    pass\nif path and path != cookie.path:\n    pass\n"
    assert first_edit("python", cond, "if domain and", "if domain is not None and") == \
        cond.replace("if domain and", "if domain is not None and").replace("if path and", "if path is not None and")


def test_a_count_changed_goes_to_the_same_line_elsewhere_but_not_an_assertions_expected_value():
    src = ("def test_a(benchmark):\n    @benchmark\n    def _run():\n        for _ in range(100):\n            a()\n\n\n"
           "def test_b(benchmark):\n    @benchmark\n    def _run():\n        for _ in range(100):\n            b()\n")
    assert first_edit("python", src, "range(100)", "range(25)") == src.replace("range(100)", "range(25)")
    js = ("test('a', function(assert) {\n  assert.expect(1);\n  a();\n});\n"
          "test('b', function(assert) {\n  assert.expect(1);\n  b();\n});\n")
    assert first_edit("javascript", js, "assert.expect(1)", "assert.expect(2)") is None
    # A number alike on a line that is not the same: its own.
    assert first_edit("python", src.replace("range(100):\n            b", "range(100, 5):\n            b"),
                      "range(100)", "range(25)") is None


def test_a_parameters_type_changed_goes_to_the_definition_that_differs_by_its_name_alone():
    src = ("def is_split_after(leaf: Leaf, previous: Leaf = None) -> int:\n    return 0\n\n\n"
           "def is_split_before(leaf: Leaf, previous: Leaf = None) -> int:\n    return 1\n")
    old, new = "previous: Leaf = None", "previous: Optional[Leaf] = None"
    assert first_edit("python", src, old, new) == src.replace(old, new)
    # The return type is each function's own.
    setup = "def get_long_description():\n    return read()\n\n\ndef get_version():\n    return VERSION\n"
    assert first_edit("python", setup, "def get_long_description():", "def get_long_description() -> str:") is None


def test_a_number_a_test_sets_up_changed_goes_to_the_assertion_below_that_expects_it():
    src = ("def test_status(self):\n    responses.add(responses.GET, url, status=418)\n    resp = requests.get(url)\n"
           "    assert resp.status_code == 418\n\n\ndef test_other(self):\n    assert other() == 418\n")
    assert first_edit("python", src, "status=418", "status=419") == \
        src.replace("status=418", "status=419").replace("status_code == 418", "status_code == 419")
    js = ("it('status', function (done) {\n  app.get('/', function (req, res) {\n    res.status(200).send({ ok: true });\n"
          "  });\n  request(app)\n    .get('/')\n    .expect(200, done);\n});\n")
    assert first_edit("javascript", js, "res.status(200)", "res.status(400)") == \
        js.replace("status(200)", "status(400)").replace("expect(200", "expect(400")


def test_a_rewrite_naming_its_own_class_names_the_siblings_class_in_the_sibling():
    src = ("class GenericTranslator(Base):\n    def css_to_xpath(self, css, prefix=''):\n"
           "        return join(self.to_xpath(css, prefix))\n\n\n"
           "class HTMLTranslator(Base):\n    def css_to_xpath(self, css, prefix=''):\n"
           "        return join(self.to_xpath(css, prefix))\n")
    old = "join(self.to_xpath(css, prefix))"
    out = first_edit("python", src, old, "super(GenericTranslator, self).css_to_xpath(css, prefix)")
    assert out == src.replace(old, "super(GenericTranslator, self).css_to_xpath(css, prefix)", 1) \
        .replace(old, "super(HTMLTranslator, self).css_to_xpath(css, prefix)")


def test_an_imported_name_replaced_by_one_built_from_it_makes_up_no_name_in_the_other_imports():
    src = "from django.shortcuts import render\nfrom toolbar.panels import Panel\n\n\nx = render(Panel)\n"
    out = first_edit("python", src, "import render\n", "import render_to_response\n")
    assert out is None or "Panel_to_response" not in out



def test_lines_that_differ_by_a_boolean_are_siblings_each_keeping_its_own():
    src = ("def render(value):\n    if value:\n        recording(False)\n        try:\n            show(value)\n"
           "        finally:\n            recording(True)\n")
    out = first_edit("python", src, "recording(False)", "recording.set(False)")
    assert out == src.replace("recording(False)", "recording.set(False)").replace("recording(True)", "recording.set(True)")


def test_a_variable_assigned_anew_on_one_line_is_not_assigned_again_on_its_sibling_in_the_same_function():
    src = ("def render(value):\n    if value:\n        recording.set(False)\n        try:\n            show(value)\n"
           "        finally:\n            recording.set(True)\n")
    out = first_edit("python", src, "        recording.set(False)", "        token = recording.set(False)")
    assert out is None or "token = recording.set(True)" not in out


def test_a_name_written_beside_the_edited_one_in_another_case_is_the_siblings_in_that_case():
    # `Tuple` → `List` on the sibling, so the `tuple` written beside it is `list` there.
    src = ("def is_tuple(type):\n    return type is Tuple or type.__origin__ is Tuple\n\n\n"
           "def is_list(type):\n    return type is List or type.__origin__ is List\n")
    out = first_edit("python", src, "type is Tuple or", "type in (Tuple, tuple) or")
    assert out == src.replace("type is Tuple or", "type in (Tuple, tuple) or").replace(
        "type is List or", "type in (List, list) or")


def test_a_guard_dropped_before_a_call_is_dropped_before_the_siblings_call():
    # `_inflate` goes from the guard but stays in the call: the sibling's `_deflate` stays too.
    src = ("function cleanup() {\n  if (this._inflate) {\n    if (this._inflate.close) this._inflate.close();\n"
           "    this._inflate = null;\n  }\n  if (this._deflate) {\n    if (this._deflate.close) this._deflate.close();\n"
           "    this._deflate = null;\n  }\n}\n")
    out = first_edit("javascript", src, "if (this._inflate.close) this._inflate.close();", "this._inflate.close();")
    assert out == src.replace("if (this._inflate.close) ", "").replace("if (this._deflate.close) ", "")


def test_a_member_dropped_where_the_same_name_is_declared_leaves_the_siblings_member():
    # `require('events').EventEmitter` → `require('events')`: that module exports the class
    # itself; `require('stream').PassThrough` is the stream module's own.
    src = ("'use strict';\nconst EventEmitter = require('events').EventEmitter;\nconst http = require('http');\n"
           "const PassThrough = require('stream').PassThrough;\n")
    out = first_edit("javascript", src, "require('events').EventEmitter;", "require('events');")
    assert out is None or "require('stream').PassThrough" in out


def test_a_version_bumped_where_the_file_writes_it_twice_is_bumped_in_the_other_setting():
    src = ("# The short X.Y version.\nversion = '0.2'\n# The full version, including alpha/beta/rc tags.\n"
           "release = '0.2'\n\nlanguage = 'en'\n")
    out = first_edit("python", src, "version = '0.2'", "version = '1.0'")
    assert out == src.replace("'0.2'", "'1.0'")
    # another setting's own value is still its own
    other = src.replace("release = '0.2'", "release = '0.2.1'")
    assert first_edit("python", other, "version = '0.2'", "version = '1.0'") is None


def test_a_lambdas_parameter_renamed_goes_to_the_same_lambda_in_another_function():
    # The lambda on the edited line binds its names itself, so does its twin elsewhere.
    src = ("def test_a(monkeypatch):\n    monkeypatch.setattr(tags, \"_abis\", lambda py_version: [\"cp33m\"])\n\n\n"
           "def test_b(monkeypatch):\n    monkeypatch.setattr(tags, \"_abis\", lambda py_version: [\"cp33m\"])\n")
    out = first_edit("python", src, "lambda py_version:", "lambda *a:")
    assert out == src.replace("lambda py_version:", "lambda *a:")
    js = ("const a = {\n  plugins: [alias({ entries: entries.filter((e) => !e.find.test(input)) })],\n}\n"
          "const b = {\n  plugins: [alias({ entries: entries.filter((e) => !e.find.test(input)) })],\n}\n")
    assert first_edit("javascript", js, "(e) => !e.find", "(entry) => !entry.find") == js.replace("(e) => !e", "(entry) => !entry")


def test_a_type_changed_in_a_parameter_named_like_a_soft_keyword_goes_to_that_parameter_elsewhere():
    # `match` is a keyword only where it opens a statement: here a parameter like any other.
    src = ("class A:\n    def __init__(\n        self,\n        match: None | str | typing.Pattern[str] = None,\n    ) -> None:\n"
           "        self.match = match\n\n\nclass B:\n    def __init__(\n        self,\n"
           "        match: None | str | typing.Pattern[str] = None,\n    ) -> None:\n        self.match = match\n")
    out = first_edit("python", src, "typing.Pattern", "re.Pattern")
    assert out == src.replace("typing.Pattern", "re.Pattern")


def test_a_type_made_for_a_fields_name_is_not_given_to_the_fields_beside_it():
    src = ("interface AnchorHTMLAttributes {\n    download?: string | undefined\n    href?: string | undefined\n"
           "    target?: string | undefined\n    type?: string | undefined\n}\n\ninterface AreaHTMLAttributes {\n"
           "    href?: string | undefined\n    target?: string | undefined\n}\n")
    out = first_edit("typescript", src, "target?: string", "target?: HTMLAttributeAnchorTarget")
    assert out == src.replace("target?: string", "target?: HTMLAttributeAnchorTarget")


def test_a_note_added_to_a_directive_goes_to_the_same_directive_in_another_function():
    # A `# pragma:` comment is no function's documentation: the same one elsewhere reads alike.
    src = ("def run(msg):\n    if msg:\n        msg.run()\n    else:  # pragma: no cover, internal debugging guard\n"
           "        raise TypeError(msg)\n\n\ndef start(msg):\n    if msg:\n        return msg.start()\n"
           "    else:  # pragma: no cover, internal debugging guard\n        raise TypeError(msg)\n")
    out = first_edit("python", src, "debugging guard\n", "debugging guard TODO: use assert_never\n")
    assert out == src.replace("debugging guard\n", "debugging guard TODO: use assert_never\n")


def _constructor(names: list[str]) -> str:
    return ("class Controller:\n    def __init__(self, " + ", ".join(names) + "):\n"
            + "".join(f"        self.{n} = {n}\n" for n in names))


def test_one_of_a_few_alike_assignments_rewritten_goes_to_the_others_but_not_one_of_many():
    few = _constructor(["source", "report", "config", "append", "branch"])
    out = first_edit("python", few, "self.config = config", "self.config = os.path.abspath(config)")
    assert out is not None and "self.append = os.path.abspath(append)" in out
    # Six more of the shape: that one path was meant, not every attribute.
    many = _constructor(["source", "report", "config", "append", "branch", "data_file", "context"])
    assert first_edit("python", many, "self.config = config", "self.config = os.path.abspath(config)") is None


def test_a_delay_after_a_callback_changed_goes_to_the_same_delay_elsewhere_short_as_the_line_is():
    src = ("it('expires', function (done) {\n  cache.set('a', 1)\n  setTimeout(function () {\n"
           "    assert.equal(cache.get('a'), undefined)\n    done()\n  }, 10)\n})\n\n"
           "it('keeps', function (done) {\n  setTimeout(function () {\n    done()\n  }, 10)\n})\n")
    out = first_edit("javascript", src, "}, 10)", "}, 15)")
    assert out == src.replace("}, 10)", "}, 15)")
    # A short line that is no delay: each its own.
    plain = "function a () {\n  n = 10\n}\n\nfunction b () {\n  n = 10\n}\n"
    assert first_edit("javascript", plain, "n = 10", "n = 15") is None


def test_operands_put_in_another_order_are_put_so_on_the_sibling():
    src = ("def check(result, out, err):\n    if out is not None:\n        assert result.stdout == out\n"
           "    if err is not None:\n        assert result.stderr == err\n")
    out = first_edit("python", src, "result.stdout == out", "out == result.stdout")
    assert out == src.replace("result.stdout == out", "out == result.stdout").replace(
        "result.stderr == err", "err == result.stderr")


def test_a_line_written_the_same_but_for_spaces_takes_the_same_edit_in_its_own_spacing():
    src = ("it('keeps the array', function (done) {\n  request(app).get('/')\n  .end(function(err,res) {\n"
           "    request(app).get('/')\n    .end(function(err, res) {\n      request(app).get('/').end(done);\n"
           "    });\n  });\n});\n")
    out = first_edit("javascript", src, ".end(function(err,res) {", ".end(function() {")
    assert out == src.replace("function(err,res)", "function()").replace("function(err, res)", "function()")


def test_a_fallback_given_to_a_value_goes_to_the_siblings_value_but_a_value_of_its_own_does_not():
    src = ("class Locale:\n    def territory_name(self, locale):\n        return locale.territories.get(self.territory)\n\n"
           "    def script_name(self, locale):\n        return locale.scripts.get(self.script)\n")
    out = first_edit("python", src, "get(self.territory)", "get(self.territory or '')")
    assert out == src.replace("get(self.territory)", "get(self.territory or '')").replace("get(self.script)", "get(self.script or '')")
    assert first_edit("python", src, "get(self.territory)", "get(self.territory, '')") is None  # that line's own default


def test_a_line_rewritten_with_its_directive_dropped_goes_to_its_sibling_the_same_way():
    src = ('class PKey:\n    BEGIN_TAG = re.compile(\n        "^-{5}BEGIN (RSA|DSA|EC) PRIVATE KEY-{5}\\s*$"  # noqa: W605\n'
           '    )\n    END_TAG = re.compile(\n        "^-{5}END (RSA|DSA|EC) PRIVATE KEY-{5}\\s*$"  # noqa: W605\n    )\n')
    old = '"^-{5}BEGIN (RSA|DSA|EC) PRIVATE KEY-{5}\\s*$"  # noqa: W605'
    out = first_edit("python", src, old, 'r"^-{5}BEGIN (RSA|DSA|EC) PRIVATE KEY-{5}\\s*$"')
    assert out == src.replace('        "^', '        r"^').replace("  # noqa: W605", "")


def test_a_variable_bound_by_destructuring_is_the_same_variable_in_the_sibling_function():
    src = ("test('a', function (t) {\n  sink(function (chunk) {\n    const { msg } = chunk\n    t.is(msg, 'a')\n  })\n})\n\n"
           "test('b', function (t) {\n  sink(function (chunk) {\n    const { msg } = chunk\n    t.is(msg, 'b')\n  })\n})\n")
    out = first_edit("javascript", src, "const { msg } = chunk", "var msg = chunk.msg")
    assert out == src.replace("const { msg } = chunk", "var msg = chunk.msg")


def test_lines_joined_into_one_are_joined_so_on_the_sibling_lines_with_their_own_names():
    src = ("class T:\n    def test_li(self):\n        self.assertIs(\n            any(map(has_parent, li_text)),\n"
           "            False)\n        self.assertIs(\n            any(map(has_parent, div_class)),\n            False)\n")
    old = "self.assertIs(\n            any(map(has_parent, li_text)),\n            False)"
    out = first_edit("python", src, old, "self.assertFalse(any(map(has_parent, li_text)))")
    assert out == src.replace(old, "self.assertFalse(any(map(has_parent, li_text)))").replace(
        "self.assertIs(\n            any(map(has_parent, div_class)),\n            False)",
        "self.assertFalse(any(map(has_parent, div_class)))")


def test_lines_joined_keep_the_siblings_own_booleans():
    src = "opt = dict(\n    strict=True,\n)\nother = dict(\n    strict=False,\n)\n"
    out = first_edit("python", src, "dict(\n    strict=True,\n)", "dict(strict=True)")
    assert out == "opt = dict(strict=True)\nother = dict(strict=False)\n"


def test_a_block_rewritten_into_more_lines_goes_first_where_it_stands_again_identical():
    src = ("function walk (node, st, c) {\n  for (let attr of node.attributes)\n    c(attr, st)\n"
           "  for (let spec of node.specifiers)\n    c(spec, st)\n}\n\n"
           "function walk2 (node, st, c) {\n  for (let attr of node.attributes)\n    c(attr, st)\n}\n")
    old = "for (let attr of node.attributes)\n    c(attr, st)"
    new = "if (node.attributes)\n    for (let attr of node.attributes)\n      c(attr, st)"
    out = first_edit("javascript", src, old, new)
    assert out == src.replace(old, new)  # both `attributes` loops, not the `specifiers` one between them


def test_a_line_rewritten_to_assign_a_name_anew_is_not_repeated_on_its_sibling():
    src = ("class Writer:\n    def write(self, data):\n        self._size += len(data)\n"
           "        self.total_bytes += len(data)\n")
    out = first_edit("python", src, "self._size += len(data)", "data_len = len(data)\n        self._size += data_len")
    assert out is None  # `data_len` is there now: the sibling reads it, not a second assignment


def test_a_comment_written_on_a_line_of_code_goes_to_that_line_in_other_functions_too():
    src = ("function OperationalError (message) {\n  this.message = message\n  if (Error.captureStackTrace) {\n"
           "    Error.captureStackTrace(this)\n  }\n}\n\nfunction RequestError (cause) {\n  this.cause = cause\n"
           "  if (Error.captureStackTrace) {\n    Error.captureStackTrace(this)\n  }\n}\n")
    note = "if (Error.captureStackTrace) { // if required for non-V8 envs - see PR #40"
    out = first_edit("javascript", src, "if (Error.captureStackTrace) {", note)
    assert out == src.replace("if (Error.captureStackTrace) {", note)
    # Prose reworded stays in its own definition's documentation.
    doc = ('def a():\n    """Return the first item."""\n    return 1\n\n\ndef b():\n    """Return the first item."""\n'
           "    return 2\n")
    assert first_edit("python", doc, "Return the first item.", "Return the item at the front.") is None
