"""`atelier licenses` on a tree of the expressions, classifiers and licence texts that the policy
used to misread (issue 17), run as a user runs it. The README's verdict table is this tree's
real output: `python -m tests.lsp_server.test_licenses_verdicts` prints it again."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.context.licensed_workspace import MIT_TEXT

ATELIER = [sys.executable, "-I", "-m", "atelier.lsp_server"]

CLASSIFIERS = '[project]\nname = "{0}"\nclassifiers = ["License :: OSI Approved", "License :: OSI Approved :: {1}"]\n'
BUSL_TEXT = ("Business Source License 1.1\n\nParameters\n\nLicensor: Example Corp.\nLicensed Work: Example\n\n"
             "Terms\n\nThe Licensor hereby grants you the right to copy, modify, create derivative works,\n"
             "redistribute, and make non-production use of the Licensed Work.\n")
# folder → (what declares its licence, that file's name and text, licence read, excluded by default)
TREE: dict[str, tuple[str, str, str, str, bool]] = {
    "paren": ("SPDX header `(MIT OR Apache-2.0) AND GPL-3.0-only`", "a.py",
              "# SPDX-License-Identifier: (MIT OR Apache-2.0) AND GPL-3.0-only\n",
              "(MIT OR Apache-2.0) AND GPL-3.0-only", True),
    "choice": ("SPDX header `MIT OR Apache-2.0 AND GPL-3.0-only`", "a.py",
               "# SPDX-License-Identifier: MIT OR Apache-2.0 AND GPL-3.0-only\n",
               "MIT OR Apache-2.0 AND GPL-3.0-only", False),
    "plus": ("SPDX header `GPL-2.0+`", "a.py", "# SPDX-License-Identifier: GPL-2.0+\n", "GPL-2.0+", True),
    "lgpl": ("SPDX header `LGPL-2.1-or-later`", "a.py", "# SPDX-License-Identifier: LGPL-2.1-or-later\n",
             "LGPL-2.1-or-later", False),
    "classpath": ("SPDX header `GPL-2.0-only WITH Classpath-exception-2.0`", "A.java",
                  "// SPDX-License-Identifier: GPL-2.0-only WITH Classpath-exception-2.0\nclass A {}\n",
                  "GPL-2.0-only WITH Classpath-exception-2.0", True),
    "llvm": ("SPDX header `Apache-2.0 WITH LLVM-exception`", "a.c",
             "// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception\nint x;\n",
             "Apache-2.0 WITH LLVM-exception", False),
    "agpl": ("classifier `GNU Affero General Public License v3 or later (AGPLv3+)`", "pyproject.toml",
             CLASSIFIERS.format("agpl", "GNU Affero General Public License v3 or later (AGPLv3+)"),
             "AGPL-3.0-or-later", True),
    "gpl": ("classifier `GNU General Public License (GPL)`", "pyproject.toml",
            CLASSIFIERS.format("gpl", "GNU General Public License (GPL)"), "GPL-2.0-or-later", True),
    "eupl": ("classifier `European Union Public Licence 1.2 (EUPL 1.2)`", "pyproject.toml",
             CLASSIFIERS.format("eupl", "European Union Public Licence 1.2 (EUPL 1.2)"), "EUPL-1.2", True),
    "sspl": ('package.json `"license": "SSPL-1.0"`', "package.json", json.dumps({"name": "s", "license": "SSPL-1.0"}),
             "SSPL-1.0", True),
    "busl": ("LICENSE: the Business Source License 1.1 text", "LICENSE", BUSL_TEXT, "BUSL-1.1", True),
    "mit": ("LICENSE: the MIT text", "LICENSE", MIT_TEXT, "MIT", False),
    "acme": ("LICENSE: a text it cannot recognise", "LICENSE",
             "Copyright Acme Corp. All rights reserved.\nUse only under a written agreement with Acme.\n",
             "unknown", True),
}


def make_verdicts_tree(root: Path) -> Path:
    """The tree: one folder per case, each with one source file (`src.py`) beside what declares
    its licence, and the company's own code (`app/`, no licence)."""
    for folder, (_, name, text, _, _) in TREE.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
        if name in ("pyproject.toml", "package.json", "LICENSE"):
            (root / folder / "src.py").write_text("x = 1\n")
    (root / "app").mkdir(exist_ok=True)
    (root / "app" / "main.py").write_text("print('ours')\n")
    return root


def licenses(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ATELIER, "licenses", *args], capture_output=True, text=True, timeout=120)


def test_atelier_licenses_gives_each_case_its_verdict(tmp_path):
    root = make_verdicts_tree(tmp_path)
    result = licenses(str(root), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by = {g["license"]: g for g in report["licenses"]}
    for folder, (_, name, _, spdx, excluded) in TREE.items():
        group = by[spdx]
        where = "SPDX header" if name not in ("pyproject.toml", "package.json", "LICENSE") else f"{folder}/{name}"
        assert where in group["sources"], (folder, group)
        assert group["excluded"] is excluded, (folder, spdx)
    assert by["none"]["excluded"] is False and by["none"]["sources"] == {"(no licence found)": 1}
    assert report["unknown"] == {"files": 1, "excluded": True, "license_files": ["acme/LICENSE"]}
    text = licenses(str(root))
    assert text.returncode == 0, text.stderr
    lines = {line.split()[0]: line for line in text.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert "EXCLUDED" in lines["SSPL-1.0"] and "allowed" in lines["MIT"]
    assert "unrecognised licence texts: 1 (1 file), excluded: acme/LICENSE" in text.stdout
    allowed = json.loads(licenses(str(root), "--json", "--allow", "unknown").stdout)
    assert allowed["unknown"]["excluded"] is False
    assert allowed["excluded_files"] == report["excluded_files"] - 1


def readme_table(root: Path) -> str:
    """The README's table: each case, the licence `atelier licenses` read and its verdict."""
    report = json.loads(licenses(str(root), "--json").stdout)
    by = {g["license"]: g for g in report["licenses"]}
    rows = ["| the tree declares | `atelier licenses` reads | default policy |", "| --- | --- | --- |"]
    for _, (declared, _, _, spdx, _) in TREE.items():
        rows.append(f"| {declared} | `{spdx}` | {'EXCLUDED' if by[spdx]['excluded'] else 'allowed'} |")
    rows.append(f"| no licence anywhere (`app/`) | `none` | {'EXCLUDED' if by['none']['excluded'] else 'allowed'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        tree = make_verdicts_tree(Path(tmp) / "tree")
        print(readme_table(tree))
        print()
        print(licenses(str(tree)).stdout.replace(str(tree), "tree"))
