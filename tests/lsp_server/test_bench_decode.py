"""`atelier bench decode`'s cursors (no model): half after block openers, where answers are
long and decoding speed shows, half spread over the file's lines."""

from atelier.lsp_server.bench.decode import cursors

LINES = ["import os", "", "def f(x):", "    y = x + 1", "    return y", "", "class A:", "    def g(self):",
         "        pass", "if True:", "    z = 2"]


def test_half_the_cursors_end_a_block_opener():
    points = cursors(LINES, 4)
    assert len(points) == 4
    openers = [(line, col) for line, col in points[:2]]
    assert all(LINES[line].endswith(":") and col == len(LINES[line]) for line, col in openers)
    assert all(LINES[line].strip() and col == len(LINES[line]) for line, col in points[2:])


def test_a_file_without_block_openers_still_gets_cursors():
    assert len(cursors(["x = 1", "y = 2", "z = 3"], 4)) == 4
