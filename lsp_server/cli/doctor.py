"""`atelier doctor`: what this installation can do, and what is missing."""

from __future__ import annotations

import json
import platform
import sys

from atelier.context.languages import available_grammars
from atelier.lsp_server import __version__
from atelier.lsp_server.logs import data_dir
from atelier.models.errors import ModelError
from atelier.models.locate import resolve_model_path


def collect(model: str | None) -> dict[str, object]:
    report: dict[str, object] = {
        "atelier": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
    }
    try:
        import llama_cpp

        from atelier.models.llama import default_threads, gpu_offload_supported

        report["llama_cpp_python"] = llama_cpp.__version__
        report["gpu_offload"] = gpu_offload_supported()
        report["default_threads"] = default_threads()
        report["llama_system_info"] = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    except Exception as exc:  # a broken llama-cpp-python install is exactly what doctor is for
        report["llama_cpp_python"] = f"NOT USABLE: {exc}"
    try:
        from atelier.models.llama import inspect_model

        path, source = resolve_model_path(model)
        info = inspect_model(path)
        info["source"] = source
        report["model"] = info
    except ModelError as exc:
        report["model"] = f"NOT USABLE: {exc}"
    report["grammars"] = available_grammars()
    report["data_dir"] = str(data_dir())
    return report


def run_doctor(model: str | None, as_json: bool = False) -> int:
    report = collect(model)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for k, v in value.items():
                    print(f"  {k}: {v}")
            else:
                print(f"{key}: {value}")
    broken = any(isinstance(v, str) and v.startswith("NOT USABLE") for v in report.values())
    return 1 if broken else 0
