import os
import time

from atelier.context.index import MAX_FILE_BYTES, WorkspaceIndex, store_path


def make_workspace(root):
    (root / "pkg").mkdir()
    (root / "pkg" / "util.py").write_text("def helper(x):\n    return x * 2\n")
    (root / "pkg" / "shop.ts").write_text("export function total(n: number) { return n; }\n")
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text("def generated(): ...\n")
    (root / "secret").mkdir()
    (root / "secret" / "keys.py").write_text("def key(): ...\n")
    (root / ".gitignore").write_text("secret/\n")
    (root / "notes.txt").write_text("not code\n")


def test_build_finds_definitions_and_respects_gitignore(tmp_path):
    make_workspace(tmp_path)
    index = WorkspaceIndex(tmp_path)
    stats = index.build()
    assert sorted(index.files) == ["pkg/shop.ts", "pkg/util.py"]
    assert stats.files == 2
    assert [p for p, _ in index.definitions("helper")] == ["pkg/util.py"]
    assert index.definitions("generated") == [] and index.definitions("key") == []


def test_persisted_index_reloads_without_reparsing(tmp_path):
    ws, data = tmp_path / "ws", tmp_path / "data"
    ws.mkdir()
    make_workspace(ws)
    first = WorkspaceIndex(ws, store_path(data, ws))
    first.build()
    assert oct(os.stat(first.store).st_mode & 0o777) == "0o600"
    again = WorkspaceIndex(ws, store_path(data, ws))
    start = time.perf_counter()
    assert again.load()
    assert time.perf_counter() - start < 1.0
    assert again.definitions("total")
    assert again.build().parsed == 0  # nothing changed on disk


def test_update_after_save_and_removal(tmp_path):
    make_workspace(tmp_path)
    index = WorkspaceIndex(tmp_path)
    index.build()
    (tmp_path / "pkg" / "util.py").write_text("def renamed(x):\n    return x\n")
    index.update("pkg/util.py")
    assert index.definitions("helper") == [] and index.definitions("renamed")
    (tmp_path / "pkg" / "util.py").unlink()
    index.update("pkg/util.py")
    assert index.definitions("renamed") == []


def test_corrupt_store_is_rebuilt(tmp_path):
    ws, data = tmp_path / "ws", tmp_path / "data"
    ws.mkdir()
    make_workspace(ws)
    store = store_path(data, ws)
    store.parent.mkdir(parents=True)
    store.write_bytes(b"\x00garbage")
    index = WorkspaceIndex(ws, store)
    assert not index.load()
    index.build()
    assert index.definitions("helper")


def test_edge_cases_huge_binary_non_utf8_and_symlink_loops(tmp_path, caplog):
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02def f(): pass\n")
    (tmp_path / "latin.py").write_bytes("def café():\n    return 'é'\n".encode("latin-1"))
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    index = WorkspaceIndex(tmp_path)
    with caplog.at_level("INFO"):
        stats = index.build()
    assert "big.py left out" in caplog.text
    assert stats.skipped_large == 1 and stats.skipped_binary == 1
    assert "latin.py" in index.files  # decoded with replacement, still indexed
    assert not any(p.startswith("loop/") for p in index.files)


def test_a_nested_gitignore_applies_below_its_folder_only(tmp_path):
    (tmp_path / "app" / "gen").mkdir(parents=True)
    (tmp_path / "app" / ".gitignore").write_text("gen/\n*_pb2.py\n")
    (tmp_path / "app" / "gen" / "out.py").write_text("def generated(): ...\n")
    (tmp_path / "app" / "api_pb2.py").write_text("def stub(): ...\n")
    (tmp_path / "app" / "main.py").write_text("def main(): ...\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "x_pb2.py").write_text("def kept(): ...\n")  # not under app/: kept
    index = WorkspaceIndex(tmp_path)
    index.build()
    assert sorted(index.files) == ["app/main.py", "lib/x_pb2.py"]
