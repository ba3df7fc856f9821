"""Licence detection on real licence texts and real package metadata, and the policy."""

import json
from pathlib import Path

import pytest

from atelier.context.index import WorkspaceIndex
from atelier.context.licenses import LicensePolicy, LicenseResolver, identify_text, license_report, spdx_header
from tests.context.licensed_workspace import MIT_TEXT, make_mixed_workspace

COMMON = Path("/usr/share/common-licenses")


@pytest.mark.skipif(not COMMON.is_dir(), reason="Debian's licence texts are not installed")
@pytest.mark.parametrize(("name", "spdx"), [
    ("GPL-2", "GPL-2.0"), ("GPL-3", "GPL-3.0"), ("LGPL-2.1", "LGPL-2.1"), ("LGPL-3", "LGPL-3.0"),
    ("Apache-2.0", "Apache-2.0"), ("MPL-2.0", "MPL-2.0"), ("BSD", "BSD-3-Clause"),
])
def test_real_licence_texts_are_recognised(name, spdx):
    assert identify_text((COMMON / name).read_text()) == spdx


def test_licence_files_of_installed_packages_are_recognised():
    import pygls
    import pluggy

    pygls_info = next(Path(pygls.__file__).parent.parent.glob("pygls-*.dist-info"))
    pluggy_info = next(Path(pluggy.__file__).parent.parent.glob("pluggy-*.dist-info"))
    assert identify_text(next(pygls_info.rglob("LICENSE*")).read_text()) == "Apache-2.0"
    assert identify_text(next(pluggy_info.rglob("LICENSE*")).read_text()) == "MIT"


def test_short_notices_and_spdx_headers():
    assert identify_text("GNU General Public License as published by the Free Software Foundation, "
                         "either version 3 of the License, or (at your option) any later version.") == "GPL-3.0-or-later"
    assert spdx_header("// Copyright X\n// SPDX-License-Identifier: Apache-2.0 OR MIT\nint x;") == "Apache-2.0 OR MIT"
    assert spdx_header("/* SPDX-License-Identifier: GPL-2.0-only */\n") == "GPL-2.0-only"
    assert spdx_header("x = 1\n") is None


def test_nearest_folder_wins_and_the_header_wins_over_the_folder(tmp_path):
    root = make_mixed_workspace(tmp_path)
    resolver = LicenseResolver(root)
    assert resolver.license_of("gplmath/blend.py")[0].startswith("GPL-3.0")
    assert resolver.license_of("gplmath/blend.py")[1] == "gplmath/COPYING"
    assert resolver.license_of("mitmath/safe.py") == ("MIT", "mitmath/LICENSE")
    assert resolver.license_of("mitmath/vendored.py") == ("GPL-3.0-or-later", "SPDX header")
    assert resolver.license_of("app/main.py") == (None, "")  # the company's own code
    (root / "LICENSE").write_text(MIT_TEXT)
    assert LicenseResolver(root).license_of("app/main.py") == ("MIT", "LICENSE")


@pytest.mark.parametrize(("name", "text", "spdx"), [
    ("pyproject.toml", '[project]\nname = "x"\nlicense = "Apache-2.0"\n', "Apache-2.0"),
    ("pyproject.toml", '[project]\nname = "x"\nlicense = {text = "MIT License"}\n', "MIT"),
    ("pyproject.toml", '[project]\nname = "x"\nclassifiers = ["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"]\n', "GPL-3.0"),
    ("package.json", json.dumps({"name": "x", "license": "ISC"}), "ISC"),
    ("package.json", json.dumps({"name": "x", "license": {"type": "MIT"}}), "MIT"),
    ("Cargo.toml", '[package]\nname = "x"\nlicense = "MIT/Apache-2.0"\n', "MIT OR Apache-2.0"),
    ("pom.xml", "<project><licenses><license><name>The Apache Software License, Version 2.0</name></license></licenses></project>", "Apache-2.0"),
])
def test_package_metadata_names_the_licence_of_its_folder(tmp_path, name, text, spdx):
    (tmp_path / "pkg" / "src").mkdir(parents=True)
    (tmp_path / "pkg" / name).write_text(text)
    (tmp_path / "pkg" / "src" / "a.py").write_text("x = 1\n")
    assert LicenseResolver(tmp_path).license_of("pkg/src/a.py") == (spdx, f"pkg/{name}")


def test_a_go_module_takes_the_licence_file_beside_its_go_mod(tmp_path):
    (tmp_path / "mod" / "internal").mkdir(parents=True)
    (tmp_path / "mod" / "go.mod").write_text("module example.com/mod\n\ngo 1.22\n")
    (tmp_path / "mod" / "LICENSE").write_text(MIT_TEXT)
    (tmp_path / "mod" / "internal" / "x.go").write_text("package internal\n")
    assert LicenseResolver(tmp_path).license_of("mod/internal/x.go") == ("MIT", "mod/LICENSE")


def test_an_installed_package_takes_its_dist_info_licence():
    import cattrs

    assert LicenseResolver(Path(cattrs.__file__).parent).license_of("__init__.py")[0] == "MIT"


def test_policy_denies_gpl_by_default_and_allow_wins():
    default = LicensePolicy()
    assert not default.allows("GPL-3.0") and not default.allows("GPL-2.0-only") and not default.allows("AGPL-3.0-or-later")
    assert default.allows("MIT") and default.allows("LGPL-2.1") and default.allows(None)
    assert default.allows("MIT OR GPL-3.0")  # the user may choose MIT
    assert not default.allows("MIT AND GPL-3.0")
    assert not default.allows("GPL-2.0 WITH Classpath-exception-2.0")
    assert LicensePolicy(allow=["GPL-2.0 WITH Classpath*"]).allows("GPL-2.0 WITH Classpath-exception-2.0")
    only = LicensePolicy(deny=["*"], allow=["MIT", "Apache-2.0", "none"])
    assert only.allows("MIT") and only.allows(None) and not only.allows("MPL-2.0")


def test_report_counts_files_per_licence_and_what_is_excluded(tmp_path):
    root = make_mixed_workspace(tmp_path)
    report = license_report(root, WorkspaceIndex(root).paths(), LicensePolicy())
    by = {g["license"]: g for g in report["licenses"]}
    gpl = [g for name, g in by.items() if name.startswith("GPL-3.0")]
    # gplmath's blend.py, __init__.py and README.md, and the file with the SPDX header
    assert sum(g["files"] for g in gpl) == 4 and all(g["excluded"] for g in gpl)
    assert by["GPL-3.0-or-later"]["sources"].get("SPDX header") == 1
    assert by["MIT"]["files"] == 2 and not by["MIT"]["excluded"]
    assert by["none"]["files"] == 2
    assert report["excluded_files"] == 4
