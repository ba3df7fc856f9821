"""Read a GGUF file's metadata and tensor shapes without loading it: enough to tell whether a
LoRA adapter fits a model before llama.cpp applies it (llama.cpp logs a shape mismatch but
llama-cpp-python goes on without raising)."""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

# GGUF value types: fixed-size scalars by struct code; 8 = string, 9 = array.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


class GGUFError(ValueError):
    pass


class _Reader:
    def __init__(self, data) -> None:
        self.data = data
        self.pos = 0

    def take(self, code: str):
        value = struct.unpack_from("<" + code, self.data, self.pos)[0]
        self.pos += struct.calcsize(code)
        return value

    def string(self) -> str:
        n = self.take("Q")
        raw = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool = True):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == 8:
            return self.string()
        if kind == 9:
            inner, count = self.take("I"), self.take("Q")
            if inner in _SCALARS and not keep:  # skip big arrays (a vocabulary) in one step
                self.pos += struct.calcsize(_SCALARS[inner]) * count
                return None
            values = [self.value(inner, keep) for _ in range(count)]
            return values if keep else None
        raise GGUFError(f"unknown GGUF value type {kind}")


def read_info(path: Path) -> tuple[dict[str, object], dict[str, tuple[int, ...]]]:
    """(metadata without arrays, tensor name -> shape in GGUF's order: input features first)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        r = _Reader(data)
        try:
            if bytes(data[:4]) != b"GGUF":
                raise GGUFError(f"{path} is not a GGUF file")
            r.pos = 4
            version = r.take("I")
            if version < 2:
                raise GGUFError(f"{path} is GGUF version {version}, too old to read")
            n_tensors, n_kv = r.take("Q"), r.take("Q")
            meta: dict[str, object] = {}
            for _ in range(n_kv):
                key, kind = r.string(), r.take("I")
                value = r.value(kind, keep=kind != 9)
                if kind != 9:
                    meta[key] = value
            shapes: dict[str, tuple[int, ...]] = {}
            for _ in range(n_tensors):
                name, n_dims = r.string(), r.take("I")
                shapes[name] = tuple(r.take("Q") for _ in range(n_dims))
                r.take("I"), r.take("Q")  # type, offset
        except struct.error as exc:
            raise GGUFError(f"{path} is truncated") from exc
    return meta, shapes


def lora_mismatch(adapter: Path, model: Path) -> str | None:
    """Why the LoRA adapter cannot apply to the model, or None when it fits."""
    meta, shapes = read_info(adapter)
    if meta.get("general.type") != "adapter" or meta.get("adapter.type") != "lora":
        return f"{adapter.name} is not a LoRA adapter (general.type {meta.get('general.type')!r})"
    base_meta, base = read_info(model)
    arch, base_arch = meta.get("general.architecture"), base_meta.get("general.architecture")
    if arch != base_arch:
        return f"it was made for a {arch} model, and {model.name} is {base_arch}"
    for name, a_shape in shapes.items():
        if not name.endswith(".lora_a"):
            continue
        target = name[: -len(".lora_a")]
        b_shape = shapes.get(target + ".lora_b")
        weights = base.get(target)
        if weights is None or b_shape is None:
            return f"tensor {target} is not in {model.name}" if weights is None else f"{target}.lora_b is missing"
        if len(a_shape) != 2 or len(b_shape) != 2 or a_shape[0] != weights[0] or b_shape[1] != weights[1]:
            return f"tensor {target} is {weights[0]}x{weights[1]} in {model.name} but the adapter's is " \
                   f"{a_shape[0]}x{b_shape[1] if len(b_shape) > 1 else '?'}"
    return None
