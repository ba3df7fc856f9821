"""Fuzzing the licence policy's expressions: random trees of AND, OR and WITH over SPDX ids
(`+` forms included), written with random extra parentheses, judged by LicensePolicy and by two
evaluations that share none of its code: the generated tree itself, and license-expression's
parse of the text with each licence replaced by TRUE or FALSE and the boolean simplified."""

from __future__ import annotations

import fnmatch

from hypothesis import given
from hypothesis import strategies as st
from license_expression import Licensing, LicenseWithExceptionSymbol

from atelier.context.licenses import DEFAULT_DENY, LicensePolicy
from tests.fuzzing import fuzz_settings

# Each id as written → the names a pattern is matched against (the SPDX id, and its `+` form).
IDS = {
    "MIT": ("MIT",), "Apache-2.0": ("Apache-2.0",), "BSD-3-Clause": ("BSD-3-Clause",), "MPL-2.0": ("MPL-2.0",),
    "LGPL-2.1-only": ("LGPL-2.1-only",), "LGPL-2.1+": ("LGPL-2.1-or-later", "LGPL-2.1+"),
    "GPL-2.0-only": ("GPL-2.0-only",), "GPL-2.0+": ("GPL-2.0-or-later", "GPL-2.0+"),
    "GPL-3.0-or-later": ("GPL-3.0-or-later", "GPL-3.0+"), "AGPL-3.0-only": ("AGPL-3.0-only",),
    "SSPL-1.0": ("SSPL-1.0",), "EUPL-1.2": ("EUPL-1.2",), "BUSL-1.1": ("BUSL-1.1",), "ISC": ("ISC",),
}
EXCEPTIONS = ("Classpath-exception-2.0", "LLVM-exception", "GCC-exception-3.1")
POLICIES = [
    (DEFAULT_DENY, ()),
    (DEFAULT_DENY, ("GPL-2.0*",)),
    (DEFAULT_DENY, ("GPL-3.0-or-later", "AGPL-3.0-only")),
    (("*",), ("MIT", "Apache-2.0", "BSD-*")),
    (("MIT", "LGPL-2.1+"), ()),
    ((), ()),
]


def leaf_allowed(names: tuple[str, ...], deny, allow) -> bool:
    hit = lambda patterns: any(fnmatch.fnmatchcase(n.lower(), p.lower()) for n in names for p in patterns)  # noqa: E731
    return hit(allow) or not hit(deny)


# A tree: ("id", spdx) | ("with", spdx, exception) | ("and" | "or", [children]).
leaves = st.one_of(
    st.sampled_from(sorted(IDS)).map(lambda i: ("id", i)),
    st.tuples(st.just("with"), st.sampled_from(sorted(IDS)), st.sampled_from(EXCEPTIONS)),
)
trees = st.recursive(leaves, lambda kids: st.tuples(st.sampled_from(["and", "or"]), st.lists(kids, min_size=2, max_size=3)),
                     max_leaves=8)


@st.composite
def rendered(draw, tree, parent: str | None = None) -> str:
    kind = tree[0]
    if kind == "id":
        text = tree[1]
    elif kind == "with":
        text = f"{tree[1]} {draw(st.sampled_from(['WITH', 'with']))} {tree[2]}"
    else:
        op = f" {draw(st.sampled_from([kind.upper(), kind]))} "
        text = op.join(draw(rendered(child, kind)) for child in tree[1])
    depth = 1 if kind == "or" and parent == "and" else 0
    depth += draw(st.integers(0, 4)) // 3  # now and then an extra pair
    return "(" * depth + text + ")" * depth


def by_tree(tree, deny, allow) -> bool:
    kind = tree[0]
    if kind in ("id", "with"):  # an exception adds permissions: WITH is judged by its licence
        return leaf_allowed(IDS[tree[1]], deny, allow)
    results = [by_tree(child, deny, allow) for child in tree[1]]
    return all(results) if kind == "and" else any(results)


LICENSING = Licensing()  # no licence index: symbols stay as written


def by_boolean_algebra(text: str, deny, allow) -> bool:
    expression = LICENSING.parse(text)
    values = {}
    for symbol in LICENSING.license_symbols(expression, decompose=False):
        key = symbol.license_symbol.key if isinstance(symbol, LicenseWithExceptionSymbol) else symbol.key
        values[symbol] = LICENSING.TRUE if leaf_allowed(IDS[key], deny, allow) else LICENSING.FALSE
    result = expression.subs(values).simplify()
    assert result in (LICENSING.TRUE, LICENSING.FALSE), result
    return result == LICENSING.TRUE


@fuzz_settings(300)
@given(st.data(), trees, st.sampled_from(range(len(POLICIES))))
def test_policy_verdicts_match_the_tree_and_the_boolean_algebra(data, tree, which):
    deny, allow = POLICIES[which]
    text = data.draw(rendered(tree))
    expected = by_tree(tree, deny, allow)
    assert by_boolean_algebra(text, deny, allow) == expected, text
    assert LicensePolicy(deny, allow).allows(text) == expected, text
