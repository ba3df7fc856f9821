"""The documents an editor has open, bounded in number."""

from __future__ import annotations

import logging
from collections import OrderedDict

from atelier.context.document import Document

log = logging.getLogger(__name__)

# Editors keep hundreds of tabs open while the user types in a few: past this many, the
# least recently used document is dropped (a completion in it answers empty until reopened).
MAX_OPEN_DOCUMENTS = 256


class OpenDocuments(OrderedDict[str, Document]):
    """By URI, the least recently used first."""

    def __init__(self, max_documents: int = MAX_OPEN_DOCUMENTS) -> None:
        super().__init__()
        self.max_documents = max_documents

    def add(self, doc: Document) -> list[str]:
        """Keep `doc`; returns the URIs dropped to stay within the bound."""
        self[doc.uri] = doc
        self.move_to_end(doc.uri)
        dropped = []
        while len(self) > self.max_documents:
            uri, _ = self.popitem(last=False)
            dropped.append(uri)
            log.warning("more than %d documents open: %s dropped (reopen it for completions)", self.max_documents, uri)
        return dropped

    def touch(self, uri: str) -> None:
        if uri in self:
            self.move_to_end(uri)
