"""`atelier doctor`: what this installation can do, and what is missing."""

from __future__ import annotations

import json
import platform
import sys
import time

from atelier.context.languages import available_grammars
from atelier.lsp_server import __version__
from atelier.lsp_server.logs import data_dir
from atelier.models.errors import ModelError
from atelier.models.locate import resolve_model_path


HINTS = {
    ("fim", None): "none: prefix-only completion (a coder model with fill-in-the-middle tokens completes better)",
    ("chat_template", False): "none: chat and code actions fall back to a generic template",
}


def measure(path, n_threads: int | None = None) -> dict[str, object]:
    """Load the model as the server does, calibrate it, and say what the defaults become."""
    from atelier.lsp_server.engine.completion import completion_limits
    from atelier.lsp_server.settings import CompletionSettings
    from atelier.models.llama import LlamaBackend, gpu_offload_supported

    began = time.perf_counter()
    backend = LlamaBackend(path, n_ctx=2048, n_threads=n_threads)
    loaded = time.perf_counter() - began
    try:
        speed = backend.calibrate()
    finally:
        backend.close()
    limits = completion_limits(CompletionSettings(), speed)
    return {
        "load_s": round(loaded, 2),
        "offload": (f"all layers on the GPU (n_gpu_layers={backend.n_gpu_layers})" if backend.n_gpu_layers
                    else "CPU only" + ("" if gpu_offload_supported() else " (this llama.cpp build has no GPU support)")),
        "prompt_tokens_per_s": speed.prompt_tps,
        "decode_tokens_per_s": speed.decode_tps,
        "calibration_s": speed.seconds,
        "derived": {"max_tokens": limits.max_tokens, "max_decode_ms": limits.max_decode_ms, "timeout_ms": limits.timeout_ms},
    }


def collect(model: str | None, load: bool = True) -> dict[str, object]:
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
        info["source"] = "--model" if model else source
        report["model"] = info
        if load:  # the calibration the server runs at load: the speed and the limits it derives
            report["calibration"] = measure(path)
    except ModelError as exc:
        report["model"] = f"NOT USABLE: {exc}"
    report["grammars"] = available_grammars()
    report["data_dir"] = str(data_dir())
    return report


def run_doctor(model: str | None, as_json: bool = False, load: bool = True) -> int:
    report = collect(model, load)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for k, v in value.items():
                    if not isinstance(v, (dict, list)) and (k, v) in HINTS:
                        v = HINTS[k, v]
                    if isinstance(v, dict):
                        v = ", ".join(f"{a}={b}" for a, b in v.items())
                    print(f"  {k}: {v}")
            else:
                print(f"{key}: {value}")
    broken = any(isinstance(v, str) and v.startswith("NOT USABLE") for v in report.values())
    return 1 if broken else 0
