"""A workspace mixing GPL-3.0 and MIT code with the real licence texts, plus the company's own
code (no licence) that uses both: shared by the licence, dataset and pipeline tests."""

from __future__ import annotations

from pathlib import Path

GPL_TEXT = Path("/usr/share/common-licenses/GPL-3")
# The MIT licence's text (https://opensource.org/license/mit).
MIT_TEXT = """MIT License

Copyright (c) 2024 Example Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
"""
GPL_NOTICE = """This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.
"""
# Words that appear only in GPL-licensed files: none may reach a prompt or a dataset.
GPL_MARKERS = ("gpl_kernel_blend", "copyleft_mixing_factor", "Sum the values twice", "GPL docs say")

FILES = {
    "gplmath/__init__.py": "",
    "gplmath/blend.py": (
        "def blend_inverse(value, weight):\n"
        '    """Blend the inverse of value with its weight (copyleft tuned)."""\n'
        "    gpl_kernel_blend = 1.0 / (value + 1e-9)\n"
        "    copyleft_mixing_factor = weight * 0.5\n"
        "    return gpl_kernel_blend * copyleft_mixing_factor\n\n\n"
        "def blend_many(values, weight):\n"
        '    """Blend every value of a list with the same weight."""\n'
        "    gpl_kernel_blend = [blend_inverse(v, weight) for v in values]\n"
        "    return gpl_kernel_blend\n"
    ),
    "gplmath/README.md": "# Blending\n\nGPL docs say: blend_inverse mixes the inverse with a weight.\n",
    "mitmath/__init__.py": "",
    "mitmath/safe.py": (
        "def safe_inverse(value, default=0.0):\n"
        '    """The inverse of value, or default when value is zero."""\n'
        "    if value == 0:\n"
        "        return default\n"
        "    return 1.0 / value\n\n\n"
        "def safe_ratio(top, bottom):\n"
        '    """top divided by bottom, zero when bottom is zero."""\n'
        "    return top * safe_inverse(bottom)\n"
    ),
    # SPDX header in an MIT folder: the header wins.
    "mitmath/vendored.py": (
        "# SPDX-License-Identifier: GPL-3.0-or-later\n"
        "def gpl_vendored_helper(values):\n"
        '    """Sum the values twice (a vendored GPL helper)."""\n'
        "    return 2 * sum(values)\n"
    ),
    "app/__init__.py": "",
    "app/main.py": (
        "from gplmath.blend import blend_inverse\n"
        "from mitmath.safe import safe_inverse\n"
        "from mitmath.vendored import gpl_vendored_helper\n\n\n"
        "def score(value, weight):\n"
        "    a = blend_inverse(value, weight)\n"
        "    b = gpl_vendored_helper([value, weight])\n"
        "    c = safe_inverse(\n"
    ),
}


def make_mixed_workspace(root: Path) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    gpl = GPL_TEXT.read_text() if GPL_TEXT.is_file() else "GNU GENERAL PUBLIC LICENSE\n" + GPL_NOTICE
    (root / "gplmath" / "COPYING").write_text(gpl)
    (root / "mitmath" / "LICENSE").write_text(MIT_TEXT)
    return root
