from atelier.context.windows import prefix_window, suffix_window


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


def test_anchored_window_start_moves_in_jumps_as_the_cursor_moves_down():
    lines = [f"line{i} x" for i in range(200)]
    starts = set()
    for cursor_line in range(100, 160):
        prefix = "\n".join(lines[:cursor_line]) + "\n"
        window = prefix_window(prefix, 200, words, anchor=32)
        first = window.split("\n", 1)[0]
        starts.add(first)
        assert 100 <= words(window) <= 200
        assert int(first[4:].split()[0]) % 32 == 0
    assert len(starts) <= 3  # 60 cursor lines, at most 3 distinct prompt starts


def test_anchor_never_costs_more_than_half_the_window():
    prefix = "".join(f"l{i} x\n" for i in range(100))
    window = prefix_window(prefix, 20, words, anchor=32)  # 10 lines fit
    assert 5 <= len(window.strip().split("\n")) <= 10
