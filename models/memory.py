"""Will a context of n_ctx tokens fit in memory? Asked before llama.cpp allocates it.

llama.cpp allocates the KV cache in one go when it creates a context: with an absurd
`model.n_ctx` on a CPU, that either fails (a terse "Failed to create llama_context") or,
with overcommit, succeeds and the kernel's OOM killer ends the whole server later. So the
size is estimated from the GGUF header first, and refused with a message that says what to
set when it cannot fit.
"""

from __future__ import annotations

import os
import resource
import struct
from pathlib import Path
from typing import BinaryIO

# Scalar GGUF value types: struct format by type id (8 is a string, 9 an array).
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_WANTED = ("block_count", "embedding_length", "attention.head_count", "attention.head_count_kv",
           "attention.key_length", "attention.value_length", "context_length")
KV_BYTES_PER_VALUE = 2  # llama.cpp's default KV cache type is f16
# Compute buffers and the rest of the process, beyond the weights and the KV cache.
OVERHEAD_BYTES = 256 * 1024 * 1024


def _read(f: BinaryIO, fmt: str):
    size = struct.calcsize("<" + fmt)
    data = f.read(size)
    if len(data) != size:
        raise ValueError("truncated GGUF header")
    return struct.unpack("<" + fmt, data)[0]


def _string(f: BinaryIO) -> bytes:
    n = _read(f, "Q")
    if n > 1 << 24:
        raise ValueError("implausible GGUF string length")
    return f.read(n)


def _value(f: BinaryIO, kind: int):
    if kind in _SCALARS:
        return _read(f, _SCALARS[kind])
    if kind == 8:
        return _string(f)
    if kind == 9:
        item, count = _read(f, "I"), _read(f, "Q")
        if item in _SCALARS:  # skip: arrays (the vocabulary) are not needed here
            f.seek(struct.calcsize("<" + _SCALARS[item]) * count, os.SEEK_CUR)
        else:
            for _ in range(count):
                _value(f, item)
        return None
    raise ValueError(f"unknown GGUF value type {kind}")


def shape(path: Path) -> dict[str, int]:
    """The architecture's sizes from a GGUF header (block_count, embedding_length, …)."""
    found: dict[str, int] = {}
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError("not GGUF")
        _read(f, "I")  # version
        _read(f, "Q")  # tensor count
        arch = None
        for _ in range(_read(f, "Q")):
            key = _string(f).decode(errors="replace")
            value = _value(f, _read(f, "I"))
            if key == "general.architecture":
                arch = value.decode(errors="replace")
            elif arch and key.startswith(arch + ".") and key[len(arch) + 1:] in _WANTED:
                found[key[len(arch) + 1:]] = int(value)
    return found


def kv_cache_bytes(sizes: dict[str, int], n_ctx: int) -> int:
    n_head = max(1, sizes.get("attention.head_count", 1))
    head_dim = sizes.get("embedding_length", 0) // n_head
    n_kv = sizes.get("attention.head_count_kv", n_head)
    per_layer = n_kv * (sizes.get("attention.key_length", head_dim) + sizes.get("attention.value_length", head_dim))
    return n_ctx * sizes.get("block_count", 0) * per_layer * KV_BYTES_PER_VALUE


def available_bytes() -> int | None:
    """Memory this process can still get: free RAM and swap, within a cgroup limit and an
    address-space limit (ulimit -v) if there are any; None if unknown."""
    limits = []
    try:
        info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in open("/proc/meminfo")}
        limits.append(info["MemAvailable"] + info.get("SwapFree", 0))
    except (OSError, KeyError, ValueError, IndexError):
        pass
    try:
        maximum = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if maximum != "max":
            limits.append(int(maximum) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        try:
            status = dict(line.split(":", 1) for line in open("/proc/self/status"))
            limits.append(soft - int(status["VmSize"].split()[0]) * 1024)
        except (OSError, KeyError, ValueError):
            limits.append(soft)
    return min(limits) if limits else None


def context_problem(path: Path, n_ctx: int, on_gpu: bool) -> str | None:
    """Why a context of `n_ctx` tokens would not fit in memory, or None (also when the
    header or the machine cannot tell). With GPU offload the cache lives in GPU memory,
    which llama.cpp checks itself."""
    if on_gpu:
        return None
    try:
        sizes = shape(path)
    except (OSError, ValueError, struct.error):
        return None  # llama.cpp will say what is wrong with the file
    available = available_bytes()
    kv = kv_cache_bytes(sizes, n_ctx)
    need = kv + path.stat().st_size + OVERHEAD_BYTES
    if available is None or kv == 0 or need <= available:
        return None
    trained = sizes.get("context_length")
    fits = max(0, (available - path.stat().st_size - OVERHEAD_BYTES) * n_ctx // kv)
    return (f"a context of model.n_ctx={n_ctx} tokens needs about {need / 2**30:.1f} GiB of memory "
            f"({kv / 2**30:.1f} GiB for its KV cache) and {max(available, 0) / 2**30:.1f} GiB are available: "
            f"set model.n_ctx to at most {fits // 256 * 256}"
            + (f" (the model was trained with {trained})" if trained else ""))
