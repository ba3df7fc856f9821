"""The one gate for text on its way to a model.

Every text that reaches a backend passes here first: the document being completed, the code
from other files and recent edits, chat attachments and workspace search results, the inputs
of code actions, the tests file of generate-to-pass. A file is judged on its real path
(symlinks resolved: `local_settings.py -> .env` is the `.env`), wherever it lies: inside the
workspace its licence comes from the index, outside it from its own header and its own
folders. A secret file never passes; a file whose licence the policy denies never passes as
context; what passes is redacted.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from atelier.context.index import WorkspaceIndex
from atelier.context.licenses import HEADER_BYTES, LicensePolicy, LicenseResolver
from atelier.context.secrets import is_secret_file, redact


def uri_path(uri: str) -> Path | None:
    """The file a `file:` URI names; None for other schemes (untitled buffers)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(HEADER_BYTES).decode(errors="replace")
    except OSError:
        return ""


class PromptGate:
    def __init__(self, policy: LicensePolicy | None = None) -> None:
        self.policy = policy or LicensePolicy()
        self.index: WorkspaceIndex | None = None
        self._outside = LicenseResolver(Path("/"))  # folders outside the workspace, cached

    def secret(self, path: Path) -> bool:
        """Whether `path` or the file it links to holds secrets, judged on every tail of its
        path (`/home/u/.docker/config.json` is `.docker/config.json` wherever it lies)."""
        for candidate in {path, _resolved(path)}:
            parts = PurePosixPath(candidate.as_posix()).parts
            if any(is_secret_file("/".join(parts[i:]).lstrip("/")) for i in range(len(parts))):
                return True
        return False

    def license_of(self, path: Path, head: str | None = None) -> str | None:
        real = _resolved(path)
        if head is None:
            head = _head(real)
        index = self.index
        if index is not None:
            try:
                return index.license_of(real.relative_to(index.root).as_posix(), head)
            except ValueError:
                pass  # outside the workspace: its own folders say
        return self._outside.license_of(real.as_posix().lstrip("/"), head)[0]

    def refusal(self, path: Path | None, head: str | None = None, *, context: bool = True) -> str | None:
        """Why the text of the file at `path` may not reach a model; None when it may.
        `context`: the text would go into another file's prompt (the licence policy applies);
        False for the document the user is working in (only secrets keep it out). `head`: the
        file's first bytes as the editor holds them, if at hand."""
        if path is None:  # an untitled buffer: nothing on disk to judge, nothing of anyone else's
            return None
        if self.secret(path):
            return f"{path.name} holds secrets: Atelier does not show it to the model"
        if context:
            licence = self.license_of(path, head)
            if not self.policy.allows(licence):
                return f"{path.name} is under {licence or 'no licence'}, which the licence policy keeps from the model"
        return None

    def admit(self, path: Path | None, text: str, *, context: bool = True) -> str | None:
        """`text`, redacted, when the file at `path` may reach a model; None when it may not."""
        if self.refusal(path, text[:HEADER_BYTES], context=context) is not None:
            return None
        return redact(text)


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return path
