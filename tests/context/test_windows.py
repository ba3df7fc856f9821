from context.windows import prefix_window, suffix_window


def words(text: str) -> int:
    return len(text.split())


def test_prefix_window_keeps_whole_lines_nearest_the_cursor():
    prefix = "a b\nc d\ne f\ng"
    assert prefix_window(prefix, 3, words) == "e f\ng"
    assert prefix_window(prefix, 100, words) == prefix


def test_suffix_window_keeps_whole_lines_after_the_cursor():
    suffix = "x)\ny z\nw v"
    assert suffix_window(suffix, 3, words) == "x)\ny z"
    assert suffix_window(suffix, 100, words) == suffix


def test_zero_budget_keeps_nothing_but_what_fits_of_the_cursor_line():
    assert suffix_window("rest\nmore", 0, words) == ""
    assert prefix_window("line one\nabc", 1, words) == "abc"


def test_a_huge_single_line_is_clipped_near_the_cursor():
    prefix = "x " * 100_000 + "end"
    window = prefix_window(prefix, 50, words)
    assert window.endswith("end") and words(window) <= 50
