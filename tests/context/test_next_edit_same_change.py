"""Same change (context.next_edit_same_change): a number is read whole, so a number made from
another (`3` → `3.5`) is a value, not a change to repeat."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_a_decimal_added_to_a_number_is_not_repeated_where_the_same_text_stands():
    src = "def t():\n    assert time_a() < 3 * time_bench()\n    x = 1\n\n\ndef u():\n    assert time_b() < 3 * time_bench()\n"
    assert first_edit("python", src, "3 * time_bench()", "3.5 * time_bench()") is None


def test_a_parameters_type_changed_goes_to_that_parameter_elsewhere_not_to_its_neighbour():
    src = ("def set_cookie(\n    name: str,\n    expires_days: Optional[int] = None,\n    **kwargs: Any\n) -> None:\n"
           "    pass\n\n\ndef set_signed_cookie(\n    name: str,\n    expires_days: Optional[int] = 30,\n"
           "    version: Optional[int] = None,\n) -> None:\n    pass\n")
    old = "expires_days: Optional[int] = None"
    out = first_edit("python", src, old, "expires_days: Optional[float] = None", every=True)
    assert out == src.replace("Optional[int] = None,\n    **", "Optional[float] = None,\n    **") \
        .replace("expires_days: Optional[int] = 30", "expires_days: Optional[float] = 30")
