import pytest

from atelier.context.members import annotated_type, bases, member_starts, outline, receiver
from atelier.context.tags import Tag


@pytest.mark.parametrize(("prefix", "name"), [("    return money.", "money"), ("x = self.st", "self"),
                                              ("  this.", "this"), ("geo::", "geo"), ("p->", "p"), ("x = 1", None)])
def test_the_receiver_is_the_name_before_the_dot(prefix, name):
    assert receiver(prefix) == name


@pytest.mark.parametrize(("header", "found"), [
    ("class Outlet(Store, Generic[T], metaclass=ABCMeta):", ["Store"]),
    ("export class Ledger extends Base<number> implements Printable {", ["Base", "Printable"]),
    ("class Plain:", []),
])
def test_bases_come_from_the_class_header(header, found):
    assert bases(header) == found


@pytest.mark.parametrize(("text", "name", "cls"), [
    ("def audit(store: Optional[Store], n: int):\n", "store", "Store"),
    ("w = Writer(path)\n", "w", "Writer"),
    ("const l = new Ledger<number>();\n", "l", "Ledger"),
    ("    Prices p = new Prices();\n", "p", "Prices"),
    ("def f(conv: BaseConverter):\n    conv: Converter = make()\n", "conv", "Converter"),  # the nearest wins
    ("n = compute()\n", "n", None),
])
def test_the_class_of_a_name_is_read_from_its_declaration(text, name, cls):
    assert annotated_type(name, text) == cls


def test_a_class_outline_is_its_header_and_the_first_line_of_each_member():
    tags = [
        Tag("Store", "class", 0, "class Store:\n    ...", 7),
        Tag("restock", "function", 3, "@cached\ndef restock(self, item):\n    ...", 4),
        Tag("price_of", "function", 6, "def price_of(self, item) -> int:\n    return 1", 7),
        Tag("helper", "function", 9, "def helper():\n    pass", 10),  # after the class
    ]
    snippet = outline("shop/base.py", tags, 0, 7)
    assert snippet.text == "class Store\n    def restock(self, item)\n    def price_of(self, item) -> int"
    assert snippet.kind == "members"


NAMES = ("price_of", "restock", "restock_all", "stock")


@pytest.mark.parametrize(("prefix", "answer", "starts"), [
    ("    store.", "restock(item, 1)", ()),  # a name it holds: the answer stands
    ("    store.re", "stock_all()", ()),
    ("    store.", "refill(item)", NAMES),  # an invented name: choose again among all
    ("    store.re", "fill(item)", ("stock", "stock_all")),  # among those that fit what is typed
    ("    store.", "", NAMES),  # nothing after a dot is no answer either
    ("    store.restock", "", ()),  # typed in full already
])
def test_an_invented_name_after_a_dot_gives_way_to_those_the_receiver_holds(prefix, answer, starts):
    assert member_starts(prefix, answer, NAMES) == starts


def test_nothing_is_constrained_when_the_receivers_names_are_unknown():
    assert member_starts("    thing.", "anything()", ()) == ()


def test_names_used_after_the_receiver_in_the_file_count_as_held():
    text = "class Store:\n    def __init__(self):\n        self.cache_hits = 0\n"
    assert member_starts("        self.", "cache_hits += 1", NAMES, text) == ()
    assert "cache_hits" in member_starts("        self.", "refill()", NAMES, text)
