"""Licence detection on real licence texts and real package metadata, and the policy."""

import json
from pathlib import Path

import pytest

from atelier.context.index import WorkspaceIndex
from atelier.context.licenses import LicensePolicy, LicenseResolver, identify_text, license_report, normalize, spdx_header
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


# Issue 17 ("Trust"): expressions, classifiers and licence texts the policy used to misread.

def test_parentheses_group_before_and_binds_tighter_than_or():
    default = LicensePolicy()
    assert not default.allows("(MIT OR Apache-2.0) AND GPL-3.0-only")  # GPL-3.0 is needed either way
    assert not default.allows("GPL-3.0-only AND (MIT OR Apache-2.0)")
    assert not default.allows("((MIT OR Apache-2.0)) AND (GPL-3.0-only)")
    assert default.allows("MIT OR Apache-2.0 AND GPL-3.0-only")  # MIT OR (Apache-2.0 AND GPL-3.0-only)
    assert default.allows("(MIT OR GPL-3.0-only) AND (Apache-2.0 OR AGPL-3.0-only)")
    assert not default.allows("(MIT AND GPL-3.0-only) OR (Apache-2.0 AND AGPL-3.0-only)")
    assert default.allows("mit or apache-2.0")  # operators and ids in any case
    assert not default.allows("MIT AND (GPL-3.0-only)") and not default.allows("GPL-3.0-only AND (MIT)")
    assert normalize("MIT AND (EPL-2.0)") == "MIT AND (EPL-2.0)"  # an expression, not a name with its id


def test_plus_and_or_later_forms_are_the_same_licence():
    default = LicensePolicy()
    assert not default.allows("GPL-2.0+") and not default.allows("GPL-3.0+") and not default.allows("AGPL-3.0+")
    assert default.allows("LGPL-2.1+") and default.allows("LGPL-3.0-or-later")
    only_later = LicensePolicy(deny=["GPL-2.0-or-later"])
    assert not only_later.allows("GPL-2.0+") and only_later.allows("GPL-2.0-only")
    assert LicensePolicy(allow=["GPL-2.0-or-later"]).allows("GPL-2.0+")
    assert LicensePolicy(allow=["GPL-2.0+"]).allows("GPL-2.0-or-later")


def test_with_exceptions_are_judged_by_their_licence_unless_allowed_whole():
    default = LicensePolicy()
    assert not default.allows("GPL-2.0-only WITH Classpath-exception-2.0")
    assert not default.allows("GPL-2.0+ WITH Classpath-exception-2.0")
    assert not default.allows("MIT AND (GPL-2.0-only WITH Classpath-exception-2.0)")
    assert default.allows("Apache-2.0 WITH LLVM-exception")
    assert default.allows("MIT OR GPL-2.0-only WITH Classpath-exception-2.0")
    assert not default.allows("MIT WITH GPL-3.0-only")  # a licence is no exception: it must pass too
    classpath = LicensePolicy(allow=["GPL-2.0-only WITH Classpath-exception-2.0"])
    assert classpath.allows("GPL-2.0-only WITH Classpath-exception-2.0")
    assert classpath.allows("GPL-2.0 WITH Classpath-exception-2.0")  # the deprecated id of GPL-2.0-only
    assert not classpath.allows("GPL-2.0-only") and not classpath.allows("GPL-2.0-or-later WITH Classpath-exception-2.0")
    assert LicensePolicy(deny=["*"], allow=["Apache-2.0"]).allows("Apache-2.0 WITH LLVM-exception")


def test_malformed_expressions_are_judged_by_every_id_they_name():
    default = LicensePolicy()
    assert not default.allows("MIT AND GPL-3.0-only AND")
    assert not default.allows("(MIT OR GPL-3.0-only")  # unbalanced, but GPL is named
    assert default.allows("MIT AND")


@pytest.mark.parametrize(("classifier", "spdx"), [
    ("License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later"),
    ("License :: OSI Approved :: GNU Affero General Public License v3", "AGPL-3.0"),
    ("License :: OSI Approved :: GNU General Public License (GPL)", "GPL-2.0-or-later"),
    ("License :: OSI Approved :: GNU General Public License v2 (GPLv2)", "GPL-2.0"),
    ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
    ("License :: OSI Approved :: GNU General Public License v3 (GPLv3)", "GPL-3.0"),
    ("License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later"),
    ("License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later"),
    ("License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later"),
    ("License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)", "LGPL-2.0-or-later"),
    ("License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)", "EUPL-1.1"),
    ("License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2"),
    ("License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("License :: OSI Approved :: MIT License", "MIT"),
])
def test_trove_classifiers_name_spdx_ids(tmp_path, classifier, spdx):
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nclassifiers = ["License :: OSI Approved", "{classifier}"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    assert LicenseResolver(tmp_path).license_of("a.py") == (spdx, "pyproject.toml")
    assert normalize(classifier) == spdx


@pytest.mark.parametrize("name", [
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
    "License :: OSI Approved :: GNU General Public License (GPL)",
    "GNU General Public License v3 or later (GPLv3+)", "GPLv3+", "AGPLv3", "GPL", "GNU GPL v2",
    "SSPL-1.0", "Server Side Public License", "Server Side Public License (SSPL)", "SSPL",
    "EUPL-1.1", "EUPL-1.2", "European Union Public Licence 1.2 (EUPL 1.2)",
    "BUSL-1.1", "Business Source License 1.1", "BSL 1.1", "MIT AND (SSPL-1.0 OR BUSL-1.1)",
])
def test_copyleft_and_source_available_names_are_denied_by_default(name):
    assert not LicensePolicy().allows(normalize(name))
    assert not LicensePolicy().allows(name)  # also as stored before normalisation (an old index)


@pytest.mark.parametrize("name", ["BSL-1.0", "Boost Software License 1.0 (BSL-1.0)", "LGPL-2.1-only", "MPL-2.0", "Apache 2.0"])
def test_permissive_and_weak_copyleft_names_stay_allowed(name):
    assert LicensePolicy().allows(normalize(name)) and LicensePolicy().allows(name)


SSPL_HEAD = "Server Side Public License\nVERSION 1, OCTOBER 16, 2018\n\nCopyright © 2018 MongoDB, Inc.\n"
EUPL_HEAD = "EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016\n"
BUSL_HEAD = ("Business Source License 1.1\n\nParameters\n\nLicensor: Example Corp.\nLicensed Work: Example\n\n"
             "Terms\n\nThe Licensor hereby grants you the right to copy, modify, create derivative works,\n"
             "redistribute, and make non-production use of the Licensed Work.\n")


@pytest.mark.parametrize(("text", "spdx"), [
    (SSPL_HEAD, "SSPL-1.0"), (EUPL_HEAD, "EUPL-1.2"), (BUSL_HEAD, "BUSL-1.1"),
    ("European Union Public Licence\nV. 1.1\n\nEUPL © the European Community 2007\n", "EUPL-1.1"),
    ("Copyright 2024 X\nSPDX-License-Identifier: MPL-2.0\n", "MPL-2.0"),
])
def test_source_available_texts_are_recognised_and_denied(text, spdx):
    assert identify_text(text) == spdx
    assert LicensePolicy().allows(spdx) == (spdx == "MPL-2.0")


def test_an_unrecognised_licence_file_is_unknown_and_denied_by_default(tmp_path):
    (tmp_path / "vendor" / "acme" / "src").mkdir(parents=True)
    (tmp_path / "vendor" / "acme" / "LICENSE.txt").write_text("Copyright Acme Corp. All rights reserved.\n"
                                                              "Use only under a written agreement with Acme.\n")
    (tmp_path / "vendor" / "acme" / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "license.py").write_text('"""Our own licence checks: not a licence text."""\n')
    (tmp_path / "app" / "main.py").write_text("x = 1\n")
    resolver = LicenseResolver(tmp_path)
    assert resolver.license_of("vendor/acme/src/a.py") == ("unknown", "vendor/acme/LICENSE.txt")
    assert resolver.license_of("app/main.py") == (None, "")  # a module named license.py is no licence text
    assert not LicensePolicy().allows("unknown") and LicensePolicy().allows(None)
    assert LicensePolicy(allow=["unknown"]).allows("unknown")
    report = license_report(tmp_path, ["vendor/acme/src/a.py", "app/main.py", "app/license.py"], LicensePolicy())
    assert report["unknown"] == {"files": 1, "excluded": True, "license_files": ["vendor/acme/LICENSE.txt"]}
    assert report["excluded_files"] == 1


def test_the_expression_parser_works_offline_from_the_index_in_its_wheel():
    import subprocess
    import sys

    import license_expression

    assert (Path(license_expression.__file__).parent / "data" / "scancode-licensedb-index.json").is_file()
    # Any socket or URL opened while the licence code loads its index and judges expressions fails.
    code = (
        "import sys\n"
        "def hook(event, args):\n"
        "    if event.startswith(('socket.', 'urllib.')) or event == 'http.client.connect':\n"
        "        raise RuntimeError('network: ' + event)\n"
        "sys.addaudithook(hook)\n"
        "from atelier.context.licenses import LicensePolicy, parse_expression\n"
        "assert not LicensePolicy().allows('(MIT OR Apache-2.0) AND GPL-3.0+')\n"
        "print(parse_expression('GPL-2.0+ WITH Classpath-exception-2.0')[1][0])\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "GPL-2.0-or-later"
