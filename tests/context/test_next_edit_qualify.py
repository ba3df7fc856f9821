"""A name read through a qualifier from now on (context.next_edit_qualify)."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit

SRC = ("import Utils from './utils'\n\n"
       "function a(d) {\n  const ins = wrapper(new Date(d), this)\n  return ins\n}\n\n"
       "function b(wrapper) {\n  return wrapper(1)\n}\n\n"
       "function c() {\n  return wrapper(this.toDate(), this)\n}\n")


def test_a_qualifier_written_before_a_call_goes_to_the_other_calls_of_that_name_not_to_a_local_of_that_name():
    out = first_edit("javascript", SRC, "const ins = wrapper(", "const ins = Utils.wrapper(", every=True)
    assert out == SRC.replace("ins = wrapper(", "ins = Utils.wrapper(").replace("return wrapper(this", "return Utils.wrapper(this")


def test_a_qualifier_the_file_has_no_name_for_is_not_propagated():
    assert first_edit("javascript", SRC, "const ins = wrapper(", "const ins = Missing.wrapper(") is None


def test_a_qualifier_dropped_is_dropped_at_the_other_reads_through_it():
    src = ("var DomUtil = L.DomUtil;\nfunction drag(marker) {\n  var pos = L.DomUtil.getPosition(marker._icon);\n"
           "  L.DomUtil.setPosition(marker._icon, pos);\n  // L.DomUtil.x stays in prose\n}\n")
    out = first_edit("javascript", src, "pos = L.DomUtil.get", "pos = DomUtil.get", every=True)
    assert out == src.replace("pos = L.DomUtil.get", "pos = DomUtil.get").replace("  L.DomUtil.setPosition", "  DomUtil.setPosition")


def test_a_qualifier_written_in_a_doc_example_goes_to_the_examples_other_calls():
    src = ("/**\n * Checks whether the input is null.\n *\n * @example\n *\n *      isNil(null); //=> true\n"
           " *      isNil(7); //=> false\n */\nmodule.exports = isNil;\n")
    out = first_edit("javascript", src, " isNil(null)", " R.isNil(null)")
    assert out == src.replace("isNil(null)", "R.isNil(null)").replace("isNil(7)", "R.isNil(7)")


def test_a_callee_replaced_goes_to_the_next_calls_of_the_old_one_in_the_same_function():
    src = ("class Command:\n    def handle(self, paths):\n        for filepath in paths:\n            print(filepath)\n"
           "            if broken(filepath):\n                print('%s: broken' % filepath)\n\n"
           "    def other(self):\n        print('done')\n")
    out = first_edit("python", src, "print(filepath)", "self.stdout.write(filepath)", every=True)
    assert out == src.replace("print(filepath)", "self.stdout.write(filepath)").replace(
        "print('%s: broken'", "self.stdout.write('%s: broken'")
    # The arguments changed too: that call's own rewrite.
    assert first_edit("python", src, "print(filepath)", "log(filepath, level=2)") is None
