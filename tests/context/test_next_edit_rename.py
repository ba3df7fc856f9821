"""Rename of an attribute (context.next_edit_rename): the same attribute of the same object,
under the names the file gives `this`."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_an_attribute_of_this_is_renamed_where_a_callback_reads_it_through_self():
    src = ("function Runner() {\n  var self = this;\n  this._aborting = false;\n"
           "  setup(function () {\n    if (self._aborting) return;\n  });\n  other._aborting = 1;\n}\n")
    out = first_edit("javascript", src, "this._aborting", "this._abort", every=True)
    assert out == src.replace("this._aborting", "this._abort").replace("self._aborting", "self._abort")


def test_an_attribute_of_another_object_keeps_its_name():
    src = "function f(a, b) {\n  a.count = 1;\n  b.count = 2;\n  return a.count;\n}\n"
    assert first_edit("javascript", src, "a.count = 1", "a.total = 1", every=True) == \
        src.replace("a.count", "a.total")


def test_a_word_cut_to_its_last_part_in_a_comment_is_no_misspelling():
    src = "function f(options) {\n  // htmlOptions: the attributes\n  return options;\n}\n// select(htmlOptions)\n"
    assert first_edit("javascript", src, "htmlOptions: the", "options: the") is None


def test_a_method_renamed_at_its_def_is_renamed_where_its_class_calls_it_through_self():
    src = ("class Bar:\n    def _repr_json_(self):\n        return {}\n\n    def show(self):\n"
           "        _repr_json_ = 1\n        return self._repr_json_(), other._repr_json_()\n")
    out = first_edit("python", src, "def _repr_json_", "def _json_", every=True)
    assert out == src.replace("def _repr_json_", "def _json_").replace("self._repr_json_", "self._json_")


def test_a_method_renamed_in_a_js_class_is_renamed_where_the_class_calls_it_through_this():
    src = "class Bar {\n  draw() {\n    return 1;\n  }\n  show() {\n    return this.draw() + other.draw();\n  }\n}\n"
    out = first_edit("javascript", src, "draw() {", "paint() {", every=True)
    assert out == src.replace("draw() {", "paint() {").replace("this.draw", "this.paint")


def test_a_destructured_variable_given_a_name_of_its_own_is_renamed_in_its_function():
    src = ("async function f() {\n  const { yes } = await prompt({});\n  if (!yes) {\n    return yes;\n  }\n}\n"
           "function g() {\n  return yes;\n}\n")
    out = first_edit("javascript", src, "{ yes }", "{ yes: ok }", every=True)
    assert out == src.replace("{ yes }", "{ yes: ok }").replace("!yes", "!ok").replace("return yes;\n  }", "return ok;\n  }")
    params = "function f({ a, b }) {\n  return a + b;\n}\n"
    assert first_edit("typescript", params, "{ a, b }", "{ a: x, b }", every=True) == \
        "function f({ a: x, b }) {\n  return x + b;\n}\n"


def test_a_key_renamed_in_a_js_object_literal_is_not_renamed_in_another_literal():
    # A JavaScript key is a property_identifier, like a member: it is still a key of its own literal.
    src = ("function load() {\n  const options = {method: 'GET', cache: true};\n  return fetch(url, options);\n}\n\n"
           "function save(body) {\n  log(body);\n  return send({method: body.kind, retries: 2});\n}\n")
    assert first_edit("javascript", src, "{method: 'GET'", "{verb: 'GET'", every=True) is None


def test_a_variable_renamed_to_a_name_some_object_has_as_attribute_is_still_renamed():
    # `cursor.read` and a `read:` key name no variable: `read` is free for `more`.
    src = ("function t(cursor) {\n  var more = function() {\n    cursor.read(1, {read: true});\n  };\n"
           "  more();\n}\n")
    out = first_edit("javascript", src, "var more", "var read", every=True)
    assert out == src.replace("var more", "var read").replace("more()", "read()")
    taken = "function t() {\n  var more = 1;\n  var read = 2;\n  return more + read;\n}\n"
    assert first_edit("javascript", taken, "var more", "var read") is None


def test_a_class_attribute_renamed_in_the_class_body_is_renamed_where_the_class_reads_it():
    src = ("class Results:\n    null_values = (None, '')\n    empty = null_values[0]\n\n"
           "    def check(self, x):\n        return x in self.null_values or x in Results.null_values\n\n"
           "    @classmethod\n    def nulls(cls):\n        null_values = 1\n"
           "        return cls.null_values, other.null_values, null_values\n")
    out = first_edit("python", src, "    null_values = (None", "    _null_values = (None", every=True)
    assert out == src.replace("    null_values = (None", "    _null_values = (None") \
        .replace("= null_values[0]", "= _null_values[0]").replace("self.null_values", "self._null_values") \
        .replace("Results.null_values", "Results._null_values").replace("cls.null_values", "cls._null_values")


def test_a_js_class_field_renamed_is_renamed_where_the_class_reads_it_through_this():
    src = "class Bar {\n  count = 0;\n  inc() {\n    this.count += 1;\n    return other.count;\n  }\n}\n"
    out = first_edit("javascript", src, "count = 0", "total = 0", every=True)
    assert out == src.replace("count = 0", "total = 0").replace("this.count", "this.total")


def test_a_getter_renamed_in_an_object_literal_is_renamed_where_its_methods_read_it_through_this():
    src = ("Parser.prototype = {\n  get _() {\n    return 'x';\n  },\n  parse: function(line) {\n"
           "    return this._ + tok.line + other._;\n  }\n};\n")
    out = first_edit("javascript", src, "get _()", "get line()", every=True)
    assert out == src.replace("get _()", "get line()").replace("this._", "this.line")


def test_a_variable_renamed_to_the_key_it_is_given_under_becomes_a_shorthand_property():
    src = "function f(options) {\n  const stdioOption = options.stdio;\n  return {shell: false, stdio: stdioOption};\n}\n"
    out = first_edit("javascript", src, "const stdioOption", "const stdio", every=True)
    assert out == src.replace("const stdioOption", "const stdio").replace("stdio: stdioOption", "stdio")
    es5 = src.replace("const", "var")  # code without `const`/`let` keeps `key: value`
    assert first_edit("javascript", es5, "var stdioOption", "var stdio", every=True) == \
        es5.replace("var stdioOption", "var stdio").replace("stdio: stdioOption", "stdio: stdio")


def test_a_method_renamed_where_this_calls_it_is_renamed_where_the_prototype_defines_it():
    src = ("var p = Client.prototype;\np.connect = function() {\n  var self = this;\n  self.pulse();\n};\n"
           "p.pulse = function() {\n  return other.pulse;\n};\n")
    out = first_edit("javascript", src, "self.pulse()", "self._pulse()", every=True)
    assert out == src.replace("self.pulse()", "self._pulse()").replace("p.pulse =", "p._pulse =")
    direct = "Client.prototype.pulse = function() {};\nClient.prototype.go = function() {\n  this.pulse();\n};\n"
    assert first_edit("javascript", direct, "prototype.pulse =", "prototype._pulse =", every=True) == \
        direct.replace("pulse", "_pulse")


def test_a_misspelt_function_corrected_at_a_call_is_corrected_where_it_is_defined():
    src = "function setup(self) {\n  sigletonify(self);\n  return self;\n}\n\nfunction sigletonify(inst) {\n  return inst;\n}\n"
    out = first_edit("javascript", src, "sigletonify(self)", "singletonify(self)", every=True)
    assert out == src.replace("sigletonify", "singletonify")
    other = src.replace("sigletonify", "get_user") + "function set_user(inst) {}\n"
    # another function the file defines, not a misspelling: only this call switched to it
    assert first_edit("javascript", other, "get_user(self)", "set_user(self)") is None


def test_a_parameter_renamed_with_all_its_uses_goes_to_the_same_parameter_of_the_functions_beside():
    src = ("const testOutput = async (t, execaCommand) => {\n\tconst {stdout} = await execaCommand('noop');\n};\n\n"
           "const testNoStdin = async (t, execaCommand) => {\n\tconst {stdio} = await execaCommand('noop');\n};\n\n"
           "const testOther = async (t, execaCommand, execaMethod) => {\n\tawait execaCommand(execaMethod);\n};\n")
    old = "(t, execaCommand) => {\n\tconst {stdout} = await execaCommand("
    out = first_edit("javascript", src, old, old.replace("execaCommand", "execaMethod"), every=True)
    assert out == src.replace("execaCommand", "execaMethod", 4)  # not where `execaMethod` is taken
    one = "function f(a, items) {\n  return items;\n}\nfunction g(items) {\n  return items;\n}\n"
    assert first_edit("javascript", one, "(a, items)", "(a, list)", every=True) == \
        one.replace("items", "list", 2)  # its own use left to rename: `g` keeps its name


def test_a_key_renamed_in_one_record_of_a_table_is_renamed_in_the_records_beside_it():
    src = ("var argv = yargs.usage('x', {\n  about: {\n    required: true,\n    short: 'a',\n  },\n"
           "  info: {\n    boolean: true,\n    short: 'i'\n  }\n});\nsend({short: 1});\n")
    out = first_edit("javascript", src, "short: 'a'", "alias: 'a'", every=True)
    assert out == src.replace("short: 'a'", "alias: 'a'").replace("short: 'i'", "alias: 'i'")
    rows = "const rows = [\n  {name: 'a', size: 1},\n  {name: 'b', size: 2},\n];\n"
    assert first_edit("javascript", rows, "name: 'a'", "title: 'a'", every=True) == rows.replace("name:", "title:")


def test_a_name_renamed_in_a_docstring_example_is_renamed_in_the_rest_of_that_example():
    src = ('class Client:\n    """A client.\n\n    Example usage::\n\n        def handle_request(response):\n'
           '            print(response)\n\n        client.fetch(url, handle_request)\n    """\n\n'
           'def other():\n    """See handle_request."""\n')
    out = first_edit("python", src, "def handle_request", "def handle_response", every=True)
    assert out == src.replace("handle_request", "handle_response", 2)
    prose = 'def f():\n    """Fetch it.\n\n    The page is read, then the page is parsed.\n    """\n'  # English: no example
    assert first_edit("python", prose, "The page is", "The site is") is None


def test_a_module_imported_instead_of_another_is_no_rename():
    src = "import time, cgi\n\ndef name(s):\n    return cgi.escape(s)\n"
    assert first_edit("python", src, "time, cgi", "time, re") is None  # `re.escape` is not `cgi.escape`


def test_a_function_imported_instead_of_another_is_no_rename_unless_its_module_changed_with_it():
    src = "from ._compat import iteritems, reraise\n\ndef f(d):\n    return [v for k, v in iteritems(d)]\n"
    assert first_edit("python", src, "import iteritems,", "import itervalues,") is None
    shim = "from six.moves import xrange\n\nRANGE = xrange\n"
    assert first_edit("python", shim, "six.moves import xrange", "my.compat import range_type", every=True) == \
        "from my.compat import range_type\n\nRANGE = range_type\n"


def test_a_type_variable_replaced_in_one_signature_is_not_a_parameter_renamed():
    src = ("T = TypeVar('T')\n\n\ndef foo(x: T) -> T:\n    return x\n\n\n"
           "def bar(the_list: List[Callable[[T], T]]) -> List[T]:\n    return the_list\n")
    assert first_edit("python", src, "x: T) -> T", "x: int) -> int") is None


def test_a_reassignment_renamed_where_its_value_reads_the_old_name_renames_only_the_uses_after_it():
    src = ("def record(sql, params):\n    run(sql, params)\n    params = {\"sql\": sql, \"raw\": params}\n"
           "    params.update(done=True)\n    log(**params)\n")
    old = "    params = {"
    out = first_edit("python", src, old, "    kwargs = {", every=True)
    assert out == src.replace(old, "    kwargs = {").replace("params.update", "kwargs.update").replace("**params", "**kwargs")


def test_a_reassignment_renamed_in_javascript_keeps_the_old_name_in_its_value():
    src = "function f(opts) {\n  use(opts)\n  opts = merge(opts)\n  return opts.a\n}\n"
    out = first_edit("javascript", src, "  opts = merge", "  options = merge")
    assert out == src.replace("  opts = merge", "  options = merge").replace("return opts.a", "return options.a")


def test_an_attribute_read_from_a_parameter_instead_is_read_from_it_in_the_rest_of_the_function():
    src = ("def _record_queries(app):\n    if self._app.debug:\n        return True\n"
           "    rq = self._app.config['RECORD']\n    return rq or self._apps\n")
    out = first_edit("python", src, "if self._app.debug", "if app.debug")
    assert out == src.replace("if self._app.debug", "if app.debug").replace("self._app.config", "app.config")


def test_an_attribute_replaced_by_a_name_the_function_does_not_take_is_left_alone_elsewhere():
    src = "def record(request):\n    if self._app.debug:\n        return True\n    rq = self._app.config['RECORD']\n"
    assert first_edit("python", src, "if self._app.debug", "if app.debug") is None


def test_a_markup_element_renamed_in_its_opening_tag_is_renamed_in_the_tag_that_closes_it():
    src = ('BODY = """\n<html>\n  <jsondata>\n    <jsondata>{"a": 1}</jsondata>\n    <p>jsondata</p>\n'
           '  </jsondata>\n</html>\n"""\n')
    out = first_edit("python", src, "  <jsondata>\n    <", "  <content>\n    <")
    assert out == src.replace("  <jsondata>\n    <", "  <content>\n    <").replace("  </jsondata>\n</html>", "  </content>\n</html>")


def test_an_imported_name_respelt_by_one_letter_is_a_correction_its_uses_follow():
    src = "try:\n    import typings\nexcept ImportError:\n    typings = False\n"
    assert first_edit("python", src, "import typings", "import typing") == src.replace("typings", "typing")
    six = "from six import text_types\n\ndef f(s):\n    return isinstance(s, text_types)\n"
    assert first_edit("python", six, "import text_types", "import text_type") == six.replace("text_types", "text_type")


def test_a_misspelt_method_corrected_at_a_call_through_self_renames_its_definition_and_other_calls():
    src = ("class Generator:\n    def paths(self):\n        paginator = self._get_pagninator()\n        return paginator\n\n"
           "    def _get_pagninator(self):\n        return self.paginator\n\n"
           "    def links(self):\n        return self._get_pagninator().links\n")
    out = first_edit("python", src, "self._get_pagninator()", "self._get_paginator()", every=True)
    assert out == src.replace("_get_pagninator", "_get_paginator")
    first = first_edit("python", src, "self._get_pagninator()", "self._get_paginator()")
    assert "    def _get_paginator(self):" in first  # the definition, next below, first


def test_an_override_renamed_where_defined_renames_its_call_of_the_parents_method():
    src = ("class ChannelTestCase(TestCase):\n    def setUp(self):\n        super(ChannelTestCase, self).setUp()\n"
           "        self.layers = {}\n\n\nclass Other(TestCase):\n    def setUp(self):\n        super().setUp()\n")
    out = first_edit("python", src, "def setUp(self):", "def _pre_setup(self):", every=True)
    assert out == src.replace("def setUp(self):\n        super(ChannelTestCase, self).setUp()",
                              "def _pre_setup(self):\n        super(ChannelTestCase, self)._pre_setup()", 1)


def test_a_function_renamed_where_defined_renames_the_mentions_of_its_call_in_its_own_comments():
    src = ("class Generator:\n    def seed(self, seed=None):\n        \"\"\"Calls random.seed\"\"\"\n"
           "        if self.random == random:\n            # create a random per instance when seed() is first called\n"
           "            self.random = random.Random()\n        self.random.seed(seed)\n")
    out = first_edit("python", src, "def seed(self", "def seed_instance(self", every=True)
    # `random.seed` (another function) and the `seed` parameter stay as they are
    assert out == src.replace("def seed(self", "def seed_instance(self").replace("when seed()", "when seed_instance()")


def test_a_plain_word_declared_in_a_doc_example_is_renamed_at_its_uses_in_the_example_not_in_the_prose():
    src = ("/**\n * Returns a single item by iterating through the list. Use it to add up numbers.\n *\n"
           " * @example\n *\n *      var numbers = [1, 2, 3];\n *      var add = (a, b) => a + b;\n *\n"
           " *      R.reduce(add, 10, numbers); //=> 16\n */\nvar reduce = _curry3(_reduce);\n")
    out = first_edit("javascript", src, "var add =", "var plus =", every=True)
    assert out == src.replace("var add =", "var plus =").replace("(add,", "(plus,")
    assert first_edit("javascript", src, "Use it to add up", "Use it to plus up") is None  # prose: no declaration


def test_a_name_bound_twice_fixed_in_an_unpacking_keeps_the_other_and_goes_where_it_is_read_the_same_way():
    src = ("def relative(url):\n    scheme, netloc, path, query, query, fragment = urlparse(url)\n"
           "    path = fix(path)\n    return urlunparse((scheme, netloc, path, query, query, fragment))\n")
    out = first_edit("python", src, "path, query, query, fragment =", "path, params, query, fragment =")
    assert out == src.replace("query, query", "params, query")  # the second `query` is the real one


def test_a_modules_name_renamed_is_not_renamed_in_a_function_that_declares_its_own():
    src = ("var setType = require('set-type');\nvar DIR = '';\n\nfunction check(header) {\n"
           "  var setType = !header['content-type'];\n  if (setType) DIR = 'x';\n}\n\n"
           "function type(value) {\n  this.set('Content-Type', setType(value));\n}\n")
    out = first_edit("javascript", src, "var setType = require", "var getType = require", every=True)
    assert out == src.replace("var setType = require", "var getType = require").replace("setType(value)", "getType(value)")
    out = first_edit("javascript", src, "var DIR = ''", "var TEST_DIR = ''", every=True)
    assert out == src.replace("DIR", "TEST_DIR")  # `DIR = 'x'` without `var` is the module's


def test_a_functions_use_renamed_to_a_name_that_nothing_defines_renames_its_definition():
    src = ("def infer(arguments):\n    return infer_type_vars(arguments, None)\n\n\n"
           "def infer_type_vars(arguments, params):\n    return {}\n\n\nclass Name:\n    def is_definition(self):\n"
           "        return self._get_definition() is not None\n\n    def _get_definition(self):\n        return None\n")
    out = first_edit("python", src, "return infer_type_vars(", "return _infer_type_vars(")
    assert out == src.replace("infer_type_vars(", "_infer_type_vars(")
    out = first_edit("python", src, "self._get_definition()", "self.get_definition()")
    assert out == src.replace("_get_definition(", "get_definition(")
    out = first_edit("python", src, "return infer_type_vars(", "return _synchronize(")  # no word in common
    assert out == src.replace("infer_type_vars(", "_synchronize(")
    assert first_edit("python", src, "return infer_type_vars(", "return str(") is None  # Python's own: not a rename
    js = "function infer(a) {\n  return inferVars(a);\n}\nfunction inferVars(a) {\n  return a;\n}\n"
    assert first_edit("javascript", js, "return inferVars(", "return parseInt(") is None  # JavaScript's own
    assert first_edit("javascript", js, "return inferVars(", "return collect(") == js.replace("inferVars(", "collect(")


def test_a_parameter_renamed_in_a_jsdoc_renames_the_parameter_of_the_function_below():
    src = ("/**\n * Throw an error with the template's lines.\n *\n * @param {Error}  err      Error object\n"
           " * @param {String} filename file name of the template\n */\n\n"
           "function rethrow(err, filename) {\n  err.path = filename;\n  throw err;\n}\n")
    out = first_edit("javascript", src, "{String} filename", "{String} flnm", every=True)
    assert out == src.replace("{String} filename", "{String} flnm").replace(
        "rethrow(err, filename)", "rethrow(err, flnm)").replace("err.path = filename", "err.path = flnm")


def test_an_attribute_renamed_in_a_class_docstring_renames_the_parameter_of_its_constructor():
    src = ('class JobStoreEvent(Event):\n    """\n    An event that concerns job stores.\n\n'
           '    :ivar alias: the alias of the job store involved\n    """\n\n'
           "    def __init__(self, code, alias):\n        super().__init__(code)\n        self.alias = alias\n")
    out = first_edit("python", src, ":ivar alias:", ":ivar jobstore_alias:")
    assert out == src.replace(":ivar alias:", ":ivar jobstore_alias:").replace(
        "(self, code, alias)", "(self, code, jobstore_alias)")


def test_a_parameter_renamed_in_a_functions_docstring_renames_its_uses_below_but_not_another_functions():
    src = ('def load(path, strict):\n    """Read a file.\n\n    :param path: where the file is\n    """\n'
           "    with open(path) as f:\n        return f.read()\n\n\ndef save(path):\n    return path\n")
    out = first_edit("python", src, ":param path:", ":param filename:", every=True)
    assert out is not None and "with open(filename) as f:" in out and "def save(path):\n    return path" in out
    # A word of the prose, or a parameter the function does not take: no rename.
    assert first_edit("python", src, "where the file is", "where the document is") is None
    assert first_edit("python", src.replace("load(path, strict)", "load(name, strict)"), ":param path:",
                      ":param filename:") is None


def test_a_parameter_renamed_in_the_signature_renames_its_documentation_line_not_the_prose():
    src = ('def load(path, strict):\n    """Read a file: the path must exist.\n\n    :param path: where the file is\n    """\n'
           "    with open(path) as f:\n        return f.read()\n")
    out = first_edit("python", src, "load(path", "load(filename", every=True)
    assert out == src.replace("load(path", "load(filename").replace(":param path:", ":param filename:").replace(
        "open(path)", "open(filename)")  # "the path must exist" is English, left as it is
    js = "/**\n * Read.\n * @param {String} path where the file is\n */\nfunction load(path, strict) {\n  return read(path)\n}\n"
    out = first_edit("javascript", js, "load(path", "load(filename", every=True)
    assert out == js.replace("path", "filename")


def test_an_attribute_renamed_on_two_objects_in_one_edit_is_renamed_on_both_elsewhere():
    src = ("def compare(lnode, rnode):\n    if lnode.level > rnode.level:\n        return lnode\n"
           "    if rnode.level > lnode.level:\n        return rnode\n    return other.level\n")
    out = first_edit("python", src, "lnode.level > rnode.level", "lnode.depth > rnode.depth")
    assert out == src.replace("lnode.level", "lnode.depth").replace("rnode.level", "rnode.depth")  # not `other`'s


def test_a_base_classs_method_renamed_renames_its_calls_in_the_subclasses_that_do_not_define_their_own():
    src = ("class BaseTest(object):\n    def assert_renders(self, form, html):\n        assert str(form) == html\n\n\n"
           "class FormTest(BaseTest, TestCase):\n    def test_form(self):\n        self.assert_renders(Form(), '<p>')\n\n\n"
           "class DirectFormTest(FormTest):\n    def test_direct(self):\n        self.assert_renders(Direct(), '<a>')\n\n\n"
           "class OwnTest(BaseTest):\n    def test_own(self):\n        self.assert_renders(Own(), '<b>')\n\n"
           "    def assert_renders(self, form, html):\n        assert form.html == html\n")
    out = first_edit("python", src, "def assert_renders(self, form, html):\n        assert str", "def assertRenders(self, form, html):\n        assert str",
                     every=True)
    assert out == src.replace("def assert_renders(self, form, html):\n        assert str", "def assertRenders(self, form, html):\n        assert str") \
        .replace("self.assert_renders(Form()", "self.assertRenders(Form()").replace("self.assert_renders(Direct()", "self.assertRenders(Direct()")


def test_a_parameter_renamed_leaves_its_default_value_which_reads_the_name_outside_the_function():
    src = "import copy\n\n\nclass Cloner:\n    def __call__(self, copy=copy.copy):\n        return copy(self.exemplar)\n"
    out = first_edit("python", src, "self, copy=", "self, clone=")
    assert out == src.replace("self, copy=", "self, clone=").replace("return copy(", "return clone(")
