from pathlib import Path

import pytest

from atelier.context.imports import import_lines, resolve_imports
from atelier.context.languages import make_parser


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def resolve(root: Path, rel: str, language: str):
    source = (root / rel).read_bytes()
    return resolve_imports(make_parser(language).parse(source), language, rel, root)


def test_python_relative_absolute_and_package_imports(tmp_path):
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": "class Item: ...\n",
        "shop/util.py": "def price(x): ...\n",
        "shop/app.py": "import os\nfrom .util import price, rounded as r\nimport shop.models\nfrom . import util\n",
    })
    found = resolve(tmp_path, "shop/app.py", "python")
    assert [i.path for i in found] == ["shop/util.py", "shop/models.py"]
    assert found[0].names == ("price", "rounded")


def test_javascript_and_typescript_relative_specifiers(tmp_path):
    write(tmp_path, {
        "src/lib/money.ts": "export function fmt() {}\n",
        "src/lib/index.js": "module.exports = {};\n",
        "src/main.ts": "import { fmt } from './lib/money';\nimport React from 'react';\nconst lib = require('./lib');\n",
    })
    found = resolve(tmp_path, "src/main.ts", "typescript")
    assert [i.path for i in found] == ["src/lib/money.ts", "src/lib/index.js"]
    assert found[0].names == ("fmt",)


def test_c_quoted_includes_and_java_imports(tmp_path):
    write(tmp_path, {
        "src/geo.h": "int area(void);\n",
        "src/main.c": '#include <stdio.h>\n#include "geo.h"\n',
        "src/main/java/com/shop/Item.java": "package com.shop; class Item {}\n",
        "src/main/java/com/shop/App.java": "package com.shop;\nimport com.shop.Item;\nimport java.util.List;\nclass App {}\n",
    })
    assert [i.path for i in resolve(tmp_path, "src/main.c", "c")] == ["src/geo.h"]
    java = resolve(tmp_path, "src/main/java/com/shop/App.java", "java")
    assert [i.path for i in java] == ["src/main/java/com/shop/Item.java"]


def test_go_module_imports_and_rust_modules(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/shop\n\ngo 1.22\n",
        "money/money.go": "package money\nfunc Fmt() {}\n",
        "money/money_test.go": "package money\n",
        "main.go": 'package main\nimport (\n  "fmt"\n  "example.com/shop/money"\n)\n',
        "src/lib.rs": "mod geo;\nuse crate::geo::area;\n",
        "src/geo.rs": "pub fn area() {}\n",
    })
    assert [i.path for i in resolve(tmp_path, "main.go", "go")] == ["money/money.go"]
    assert [i.path for i in resolve(tmp_path, "src/lib.rs", "rust")] == ["src/geo.rs"]


def test_unresolvable_imports_are_left_out(tmp_path):
    write(tmp_path, {"a.py": "import numpy\nfrom missing import x\n"})
    assert resolve(tmp_path, "a.py", "python") == []


def test_the_name_a_module_is_bound_to_is_known_in_each_language(tmp_path):
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/util.py": "def price(x): ...\n",
        "shop/tax.py": "RATE = 1\n",
        "shop/app.py": "from .util import price\nfrom . import util\nimport shop.tax as tx\n",
        "web/fmt.js": "exports.pad = 1;\n",
        "web/view.js": "const fmt_1 = require('./fmt');\n",
        "web/main.ts": "import * as fmt from './fmt';\n",
        "go.mod": "module example.com/shop\n",
        "money/money.go": "package money\n",
        "main.go": 'package main\nimport (\n  m "example.com/shop/money"\n)\n',
        "src/lib.rs": "mod geo;\n",
        "src/geo.rs": "pub fn area() {}\n",
    })
    assert {i.path: i.alias for i in resolve(tmp_path, "shop/app.py", "python")} == {"shop/util.py": "util", "shop/tax.py": "tx"}
    assert [i.alias for i in resolve(tmp_path, "web/view.js", "javascript")] == ["fmt_1"]
    assert [i.alias for i in resolve(tmp_path, "web/main.ts", "typescript")] == ["fmt"]
    assert [i.alias for i in resolve(tmp_path, "main.go", "go")] == ["m"]
    assert [i.alias for i in resolve(tmp_path, "src/lib.rs", "rust")] == ["geo"]


@pytest.mark.parametrize(("language", "source", "first", "block"), [
    ("python", '"""Doc."""\nimport os\nfrom .a import (b,\n    c)\nx = 1\n', 1, "import os\nfrom .a import (b,\n    c)"),
    ("javascript", "const fs = require('fs');\nimport {a} from './a';\nexport {b} from './b';\nexport function f() {}\n", 0,
     "const fs = require('fs');\nimport {a} from './a';\nexport {b} from './b';"),
    ("go", 'package m\n\nimport (\n\t"fmt"\n\t"m/util"\n)\n', 2, 'import (\n\t"fmt"\n\t"m/util"\n)'),
    ("rust", "use crate::a::b;\nmod c;\nfn main() {}\n", 0, "use crate::a::b;\nmod c;"),
    ("java", "package p;\nimport java.util.List;\nclass A {}\n", 1, "import java.util.List;"),
    ("c", '#include "a.h"\nint x;\n', 0, '#include "a.h"'),
    ("python", "x = 1\n", -1, ""),
])
def test_import_statements_as_written_with_the_line_of_the_first(language, source, first, block):
    assert import_lines(make_parser(language).parse(source.encode()), language) == (first, block)
