"""Renames of part of an identifier (context.next_edit_subword): a segment of a name changed → the
same segment in the names of the same scheme (keys of one literal, attributes of one object,
definitions of one class), and in the body of a test named after what it tests."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


BROWSERS = ("const expected = {\n  chrome_9: {\n    a: 1\n  },\n  beta_8_9: {\n    a: 2\n  },\n"
            "  edge_9: {\n    a: 3\n  },\n  lynx_7: {\n    a: 4\n  }\n};\n")


def test_a_suffix_dropped_from_a_key_is_dropped_from_the_keys_of_that_literal_that_end_with_it():
    out = first_edit("javascript", BROWSERS, "chrome_9: {", "chrome: {", every=True)
    # `beta_8_9` ends with `_9` after a number, not after a word: another scheme.
    assert out == BROWSERS.replace("chrome_9", "chrome").replace("edge_9", "edge")


def test_a_key_whose_suffix_no_sibling_shares_says_nothing():
    assert first_edit("javascript", BROWSERS, "lynx_7: {", "lynx: {") is None


def test_a_suffix_dropped_from_an_attribute_is_dropped_from_the_same_objects_attributes():
    src = ("var table = require('./table');\nvar colors = table.colorList;\nvar other = cache.sizeList;\n"
           "function sizes() {\n  return table.sizeList.concat(cache.colorList);\n}\n")
    out = first_edit("javascript", src, "table.colorList", "table.color", every=True)
    assert out == src.replace("table.colorList", "table.color").replace("table.sizeList", "table.size")


def test_a_suffix_replaced_rather_than_dropped_may_be_that_names_alone():
    src = "var table = require('./table');\nvar colors = table.colorList;\nvar sizes = table.sizeList;\n"
    assert first_edit("javascript", src, "table.colorList", "table.colorSet") is None


def test_a_word_changed_in_a_tests_name_changes_in_the_tests_that_share_it_with_its_neighbour():
    src = ("class TestParse:\n    def test_slow_parse_empty(self):\n        assert parse('') == []\n\n"
           "    def test_slow_parse_nested(self):\n        assert parse('[[]]') == [[]]\n\n"
           "    def test_slow_render(self):\n        assert render([]) == ''\n")
    out = first_edit("python", src, "test_slow_parse_empty", "test_fast_parse_empty")
    assert out == src.replace("slow_parse", "fast_parse")


def test_a_sibling_definition_that_is_used_in_the_file_keeps_its_name():
    src = ("def load_slow_items():\n    return []\n\n\ndef load_slow_users():\n    return []\n\n\n"
           "users = load_slow_users()\n")
    assert first_edit("python", src, "def load_slow_items", "def load_fast_items") is None


def test_a_test_renamed_after_another_method_calls_that_method_in_its_body():
    src = ("class TestCache(unittest.TestCase):\n    def test_refresh(self):\n        cache = make()\n"
           "        self.assertTrue(cache.refresh())\n\n    def test_clear(self):\n        cache = make()\n"
           "        cache.refresh()\n")
    out = first_edit("python", src, "def test_refresh", "def test_reload", every=True)
    assert out == src.replace("def test_refresh", "def test_reload").replace("(cache.refresh())", "(cache.reload())")


def test_a_word_changed_in_a_tests_name_changes_where_its_body_names_it_with_its_neighbour():
    src = ("def test_store_items_when_empty():\n    store = Store()\n    store.items = None\n"
           "    store.store_items = []\n    assert store.count() == 0\n")
    out = first_edit("python", src, "test_store_items_when_empty", "test_store_rows_when_empty")
    # `store.items`: the changed word alone may name anything; `store_items` is what the test is named after.
    assert out == src.replace("store_items", "store_rows")


def test_a_style_change_or_a_segment_only_added_says_nothing():
    src = "def test_join():\n    assert join([]) == ''\n\n\ndef test_join_many():\n    assert join_many([]) == ''\n"
    assert first_edit("python", src, "def test_join()", "def test_join_env()") is None
    styles = "var t = require('./t');\nvar a = t.color_list;\nvar b = t.size_list;\n"
    assert first_edit("javascript", styles, "t.color_list", "t.colorList") is None


def test_a_camel_case_test_renamed_in_part_renames_the_method_it_is_named_after():
    src = ("class StoreTest(TestCase):\n    def testLoadItemsTwice(self):\n        self.store.loadItems()\n"
           "        self.assertEqual(self.store.load(), [])\n")
    out = first_edit("python", src, "testLoadItemsTwice", "testFetchItemsTwice")
    assert out == src.replace("LoadItems", "FetchItems").replace("loadItems", "fetchItems")


def test_the_attributes_of_self_are_those_of_the_edited_class_only():
    src = ("class Palette:\n    def show(self):\n        return self.colorList, self.sizeList\n\n\n"
           "class Shelf:\n    def show(self):\n        return self.sizeList\n")
    out = first_edit("python", src, "self.colorList", "self.color", every=True)
    assert out == src.replace("self.colorList, self.sizeList", "self.color, self.size")
