"""`atelier licenses` and `atelier dataset export`: what the licence policy keeps out of a
codebase, and fine-tuning samples from what it lets in (context.licenses, context.dataset)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import msgspec

from atelier.context.dataset import export, funnel_lines
from atelier.context.index import WorkspaceIndex
from atelier.context.licenses import DEFAULT_DENY, LicensePolicy, license_report
from atelier.models.fim import KNOWN_FORMATS, by_name


def policy_from(deny: list[str] | None, allow: list[str] | None) -> LicensePolicy:
    """The `licenses` setting's policy; --deny replaces the default deny list, --allow adds exceptions."""
    return LicensePolicy(tuple(deny) if deny is not None else DEFAULT_DENY, tuple(allow or ()))


def _folder(path: Path, command: str) -> Path | None:
    if not path.is_dir():
        print(f"atelier {command}: {path} is not a folder: give the root of a codebase", file=sys.stderr)
        return None
    return path


def run_licenses(path: Path, as_json: bool, deny: list[str] | None, allow: list[str] | None) -> int:
    root = _folder(path, "licenses")
    if root is None:
        return 2
    policy = policy_from(deny, allow)
    report = license_report(root, WorkspaceIndex(root).paths(), policy)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['files']} files under {report['root']}")
    print(f"policy: deny {', '.join(policy.deny) or '-'}; allow {', '.join(policy.allow) or '-'}")
    width = max([24, *(len(g["license"]) for g in report["licenses"])])
    for group in report["licenses"]:
        status = "EXCLUDED" if group["excluded"] else "allowed"
        top = sorted(group["sources"].items(), key=lambda x: -x[1])
        sources = ", ".join(f"{where} ({n})" for where, n in top[:3]) + (f", … {len(top) - 3} more" if len(top) > 3 else "")
        print(f"  {group['license']:<{width}} {group['files']:>6} files  {status:<8}  from {sources}")
    unknown = report["unknown"]
    if unknown["files"]:
        texts = unknown["license_files"]
        shown = ", ".join(texts[:20]) + (f", … {len(texts) - 20} more" if len(texts) > 20 else "")
        verdict = "excluded" if unknown["excluded"] else "allowed"
        files = f"{unknown['files']} file" + ("s" if unknown["files"] != 1 else "")
        print(f"unrecognised licence texts: {len(texts)} ({files}), {verdict}: {shown}")
        if unknown["excluded"]:
            print("  read them; `--allow unknown` (the `licenses.allow` setting) lets such files in")
    print(f"excluded from context and datasets: {report['excluded_files']} files")
    return 0


def run_export(path: Path, out: Path, fim: str, kinds: str, deny: list[str] | None, allow: list[str] | None,
               seed: int, as_json: bool) -> int:
    root = _folder(path, "dataset export")
    if root is None:
        return 2
    fmt = by_name(fim)
    if fmt is None:
        names = ", ".join(f.name for f in KNOWN_FORMATS)
        print(f"atelier dataset export: unknown FIM format {fim!r}: use one of {names}", file=sys.stderr)
        return 2
    chosen = ("fim", "instruct") if kinds == "all" else (kinds,)
    samples, funnel = export(root, policy_from(deny, allow), fmt, chosen, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for sample in samples:
            f.write(json.dumps(sample, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    if as_json:
        print(json.dumps({"out": str(out), "fim": fim, "funnel": msgspec.to_builtins(funnel)}, indent=2))
    else:
        print(f"atelier dataset export {root} → {out} ({fim} FIM tokens)")
        print("\n".join(funnel_lines(funnel)))
    return 0
