"""Same change (context.next_edit_same_change): a number is read whole, so a number made from
another (`3` → `3.5`) is a value, not a change to repeat."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_a_decimal_added_to_a_number_is_not_repeated_where_the_same_text_stands():
    src = "def t():\n    assert time_a() < 3 * time_bench()\n    x = 1\n\n\ndef u():\n    assert time_b() < 3 * time_bench()\n"
    assert first_edit("python", src, "3 * time_bench()", "3.5 * time_bench()") is None


def test_a_change_that_also_drops_or_adds_a_directive_goes_where_the_same_text_stands():
    src = ("function decode(data, isBinary) {\n  var chunks = isBinary ? new Buffer(0) : ''; // eslint-disable-line no-buffer\n"
           "  for (var i = 0; i < data.length; i++) {\n    if (data[i] === '|') {\n      emit(chunks);\n"
           "      chunks = isBinary ? new Buffer(0) : ''; // eslint-disable-line no-buffer\n    }\n  }\n}\n")
    old = "var chunks = isBinary ? new Buffer(0) : ''; // eslint-disable-line no-buffer"
    out = first_edit("javascript", src, old, "var chunks = isBinary ? Buffer.concat([]) : '';")
    assert out == src.replace("new Buffer(0) : ''; // eslint-disable-line no-buffer", "Buffer.concat([]) : '';")
    py = ("class Model:\n    __extra__: dict[str, Any] | None = NoInitField(init=False)\n"
          "    __fields_set__: set[str] = NoInitField(init=False)\n    __private__: dict[str, Any] | None = NoInitField(init=False)\n")
    out = first_edit("python", py, "__extra__: dict[str, Any] | None = NoInitField(init=False)",
                     "__extra__: Dict[str, Any] | None = NoInitField(init=False)  # noqa: UP006")
    assert out == py.replace("dict[str, Any] | None = NoInitField(init=False)",
                             "Dict[str, Any] | None = NoInitField(init=False)  # noqa: UP006")


def test_a_parameters_type_changed_goes_to_that_parameter_elsewhere_not_to_its_neighbour():
    src = ("def set_cookie(\n    name: str,\n    expires_days: Optional[int] = None,\n    **kwargs: Any\n) -> None:\n"
           "    pass\n\n\ndef set_signed_cookie(\n    name: str,\n    expires_days: Optional[int] = 30,\n"
           "    version: Optional[int] = None,\n) -> None:\n    pass\n")
    old = "expires_days: Optional[int] = None"
    out = first_edit("python", src, old, "expires_days: Optional[float] = None", every=True)
    assert out == src.replace("Optional[int] = None,\n    **", "Optional[float] = None,\n    **") \
        .replace("expires_days: Optional[int] = 30", "expires_days: Optional[float] = 30")


def test_a_parameters_default_fixed_in_one_definition_goes_to_that_parameter_in_the_others():
    src = ("class Cursor:\n    def callproc(self, procname, params=()):\n        return self._record(procname, params)\n\n"
           "    def execute(self, sql, params=()):\n        return self._record(sql, params)\n\n"
           "    def fetch(self, size=()):\n        return size\n")
    old = "def callproc(self, procname, params=()):"
    out = first_edit("python", src, old, "def callproc(self, procname, params=None):")
    assert out == src.replace("params=()", "params=None")


def test_a_parameters_default_fixed_leaves_another_parameter_and_a_calls_keyword_alone():
    src = ("def xpath(self, query, namespaces={}):\n    return find(query, namespaces={})\n\n"
           "def css(self, query, extra={}):\n    return query\n")
    out = first_edit("python", src, "def xpath(self, query, namespaces={})", "def xpath(self, query, namespaces=None)")
    assert out is None


def test_an_attributes_initial_value_replaced_leaves_its_assignments_in_other_methods_alone():
    src = ("class Worker:\n    def __init__(self, sleep_time):\n        self.sleep_time = sleep_time\n"
           "        self._running = False\n\n    def run(self):\n        self.loop()\n\n"
           "    def stop(self):\n        self._running = False\n")
    out = first_edit("python", src, "self._running = False", "self._running = threading.Event()")
    assert out is None


def test_an_attributes_value_replaced_in_javascript_leaves_its_other_settings_alone():
    src = ("function Compiler(node) {\n  this.node = node;\n  this.inMixin = false;\n}\n\n"
           "Compiler.prototype.visitMixin = function(mixin) {\n  this.inMixin = true;\n  this.visit(mixin.block);\n"
           "  this.inMixin = false;\n};\n")
    assert first_edit("javascript", src, "this.inMixin = false;", "this.inMixin = 0;") is None


def test_a_negative_number_changed_is_a_value_each_test_keeps_its_own():
    src = ("def test_range(client):\n    assert [(-5, 5.0), (5, 6.0)] == client.range(1, 0, 10, align=5)\n\n\n"
           "def test_multi_range(client):\n    res = client.mrange(0, 10, align=5)\n"
           "    assert [(-5, 5.0), (5, 6.0)] == res[0]\n")
    assert first_edit("python", src, "[(-5, 5.0), (5, 6.0)] == client", "[(0, 5.0), (5, 6.0)] == client") is None
