"""Dataset export on real code: licence and secret filtering, deduplication, FIM middles at
syntax-node boundaries in a model family's tokens, instruction samples from docstrings."""

import json
from pathlib import Path

import cattrs

from atelier.context.dataset import Dedup, documented_functions, export
from atelier.context.languages import make_parser
from atelier.context.licenses import LicensePolicy
from atelier.models.fim import by_name
from tests.context.licensed_workspace import GPL_MARKERS, make_mixed_workspace

STARCODER = by_name("starcoder")
CATTRS = Path(cattrs.__file__).parent


def test_an_export_of_a_mixed_workspace_holds_no_gpl_content(tmp_path):
    root = make_mixed_workspace(tmp_path)
    samples, funnel = export(root, LicensePolicy(), STARCODER)
    dump = json.dumps(samples)
    assert not any(marker in dump for marker in GPL_MARKERS)
    assert not any(s["meta"]["path"].startswith("gplmath/") or s["meta"]["path"] == "mitmath/vendored.py" for s in samples)
    assert funnel.files == 7 and funnel.denied_by_license == 3  # blend.py, gplmath/__init__.py, vendored.py
    assert "def safe_inverse(value, default=0.0):" in dump
    everything, _ = export(root, LicensePolicy(deny=()), STARCODER)
    assert any(marker in json.dumps(everything) for marker in GPL_MARKERS)  # the filter is what kept them out


def test_secret_files_are_skipped_and_samples_showing_secrets_dropped(tmp_path):
    (tmp_path / "settings.py").write_text(
        'API_KEY = "sk-proj-abcdefghijklmnopqrstuvwx1234"\n\n\n'
        "def connect(host, port):\n"
        '    """Open a connection to the service at host and port."""\n'
        "    return (host, port, API_KEY)\n"
    )
    (tmp_path / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    (tmp_path / "credentials.py").write_text("def f():\n    return 1\n")
    samples, funnel = export(tmp_path, LicensePolicy(), STARCODER)
    assert "sk-proj-" not in json.dumps(samples)
    assert funnel.files_with_secrets == 1
    assert funnel.samples_with_secrets + funnel.kept_samples == funnel.samples - funnel.exact_duplicate_samples - funnel.near_duplicate_samples


def test_exact_and_near_duplicate_files_are_removed(tmp_path):
    original = (CATTRS / "gen" / "__init__.py").read_text()
    (tmp_path / "a.py").write_text(original)
    (tmp_path / "b.py").write_text(original)  # a copy
    (tmp_path / "c.py").write_text(original.replace("def make_dict_unstructure_fn", "def make_dict_unstructure_fn2", 1))
    (tmp_path / "d.py").write_text((CATTRS / "errors.py").read_text())
    _, funnel = export(tmp_path, LicensePolicy(), STARCODER)
    assert (funnel.files, funnel.exact_duplicate_files, funnel.near_duplicate_files, funnel.kept_after_dedup) == (4, 1, 1, 2)


def test_dedup_tells_near_from_different_texts():
    dedup = Dedup()
    text = (CATTRS / "converters.py").read_text()
    assert dedup.check(text) is None
    assert dedup.check(text + "\n\n") == "exact"
    lines = text.split("\n")
    assert dedup.check("\n".join(lines[:-40])) == "near"  # the same file, 40 lines shorter
    assert dedup.check((CATTRS / "errors.py").read_text()) is None


def test_fim_samples_cut_whole_syntax_nodes_in_the_family_tokens():
    samples, funnel = export(CATTRS, LicensePolicy(), STARCODER, kinds=("fim",))
    assert funnel.kept_samples == len(samples) > 50
    parser = make_parser("python")
    for sample in samples[:40]:
        text = sample["text"]
        assert text.startswith("<fim_prefix>") and text.endswith("<|endoftext|>")
        prefix, rest = text[len("<fim_prefix>"):].split("<fim_suffix>", 1)
        suffix, middle = rest.split("<fim_middle>", 1)
        middle = middle.removesuffix("<|endoftext|>")
        whole = (CATTRS / sample["meta"]["path"]).read_text()
        assert prefix + middle + suffix in whole
        start = len((whole[: whole.index(prefix + middle + suffix)] + prefix).encode())
        tree = parser.parse(whole.encode())
        node = tree.root_node.descendant_for_byte_range(start, start + len(middle.encode()))
        while node.parent is not None and node.end_byte - node.start_byte < len(middle.encode()):
            node = node.parent
        assert (node.start_byte, node.end_byte) == (start, start + len(middle.encode())), middle
    qwen, _ = export(CATTRS, LicensePolicy(), by_name("qwen"), kinds=("fim",))
    assert qwen[0]["text"].startswith("<|fim_prefix|>") and "<|fim_middle|>" in qwen[0]["text"]


def test_instruction_samples_come_from_documented_functions():
    source = (CATTRS / "errors.py").read_bytes()
    found = {name: (doc, with_doc, bare) for name, doc, with_doc, bare in documented_functions(source, "python")}
    doc, with_doc, bare = found["group_exceptions"]
    assert '"""' in with_doc and '"""' not in bare and doc.split()[0] in with_doc
    samples, funnel = export(CATTRS, LicensePolicy(), STARCODER, kinds=("instruct",))
    kinds = {s["meta"]["kind"] for s in samples}
    assert kinds == {"write_function", "document_function"}
    write = next(s for s in samples if s["meta"]["name"] == "group_exceptions" and s["meta"]["kind"] == "write_function")
    assert [m["role"] for m in write["messages"]] == ["user", "assistant"]
    assert write["messages"][1]["content"].startswith("```python\ndef group_exceptions(")


def test_javascript_doc_comments_give_instruction_samples():
    source = b"/**\n * Add two numbers and return their sum.\n */\nexport function add(a, b) {\n  return a + b;\n}\n"
    [(name, doc, with_doc, bare)] = documented_functions(source, "javascript")
    assert (name, doc) == ("add", "Add two numbers and return their sum.")
    assert with_doc.startswith("/**") and bare.startswith("export function add")
