"""The scripted editor of the benches and the demo waits for the model, not only the index."""

from atelier.lsp_server.bench.editor_session import StartupProgress


def test_start_up_is_done_once_the_model_has_loaded_and_the_index_too():
    startup = StartupProgress()
    assert not startup.update("index", {"kind": "begin", "message": "indexing"})
    assert not startup.update("model", {"kind": "begin", "message": "loading model"})
    assert not startup.update("index", {"kind": "end", "message": "indexed 3 files"})  # the model still loads
    assert not startup.update("model", {"kind": "report", "message": "still loading"})
    assert startup.update("model", {"kind": "end", "message": "model m ready"})


def test_an_index_still_running_when_the_model_is_ready_is_waited_for():
    startup = StartupProgress()
    startup.update("model", {"kind": "begin", "message": "loading model"})
    startup.update("index", {"kind": "begin", "message": "indexing"})
    assert not startup.update("model", {"kind": "end", "message": "model m ready"})
    assert startup.update("index", {"kind": "end", "message": "indexed 1,000 files"})
