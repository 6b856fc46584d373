"""Persisted queries: a client sends the SHA-256 of a document instead of the document.

This is Apollo's automatic persisted queries protocol (APQ), which Strawberry does not
implement (its issue 1707 is open, and the pull request that offered it was closed). It
lives here, at the endpoint, rather than in a schema extension, because it decides *which
text* the schema executes before Strawberry sees the request, and the preloaded set and the
production restriction come from the app's settings:

- ``extensions: {persistedQuery: {version: 1, sha256Hash}}`` without ``query``: the stored
  document runs if the hash is known; otherwise the answer is the protocol's
  ``PersistedQueryNotFound`` and the client retries with the query and the hash;
- with both: the hash must be the SHA-256 of the query's UTF-8 text (``provided sha does not
  match query`` otherwise); once the document has parsed and validated, it is stored.

The store is the documents under ``graphql/operations/`` (read at start-up; their hash is
``sha256sum`` of the file) plus, per process, the last ``cache_size`` documents clients
registered (an LRU: a client whose document was evicted, or that reaches another process,
just gets ``PersistedQueryNotFound`` and registers it again). With ``only_preloaded`` (the
``persisted_queries_only`` setting) nothing is registered and only the preloaded documents
run, whether sent in full or by hash; anything else is ``PERSISTED_QUERY_REQUIRED``.

A persisted document is the same ``str`` object on every request, so Strawberry's parser
and validation caches (keyed by the text) answer it without parsing or validating again;
the limits (api/graphql/limits.py), authentication and rate limits apply as to any document,
since the document still goes through the schema and the request through the middleware.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
REQUIRED = "PERSISTED_QUERY_REQUIRED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
BAD_REQUEST = "BAD_PERSISTED_QUERY"

_SHA256 = re.compile(r"[0-9a-f]{64}")


def shipped_operations() -> Path:
    """The operations shipped in the package (an installed wheel), else the checkout's."""
    packaged = Path(__file__).resolve().parents[2] / "operations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "graphql" / "operations"


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@functools.cache
def _read(directory: Path) -> Mapping[str, str]:
    # Once per directory and process: a test suite builds hundreds of apps.
    documents = (p.read_bytes().decode() for p in sorted(directory.glob("**/*.graphql")))
    return MappingProxyType({sha256_of(text): text for text in documents})


class PersistedQueryRefused(Exception):
    """The request names a document this endpoint will not run; ``code`` says why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PersistedQueries:
    """The documents clients may name by hash: a fixed preloaded set and a bounded LRU."""

    def __init__(
        self, preloaded: Mapping[str, str], *, cache_size: int, only_preloaded: bool = False
    ) -> None:
        self.preloaded = dict(preloaded)
        self.cache_size = cache_size
        self.only_preloaded = only_preloaded
        self._registered: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def from_directory(
        cls, directory: Path, *, cache_size: int, only_preloaded: bool = False
    ) -> PersistedQueries:
        """The ``*.graphql`` files under ``directory``, keyed by the SHA-256 of their bytes."""
        return cls(_read(directory), cache_size=cache_size, only_preloaded=only_preloaded)

    def document(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The text to execute for a request sending ``query`` and ``extensions``; raises
        :class:`PersistedQueryRefused` when there is none to run."""
        requested = (extensions or {}).get("persistedQuery")
        if requested is None:
            if self.only_preloaded and query is not None:
                return self._preloaded(sha256_of(query))
            return query
        wanted = self._hash(requested)
        if query is None:
            return self._stored(wanted)
        if sha256_of(query) != wanted:
            raise PersistedQueryRefused("provided sha does not match query", HASH_MISMATCH)
        if self.only_preloaded:
            return self._preloaded(wanted)
        # The stored object when there is one: the parser cache then finds it by identity.
        return self.preloaded.get(wanted) or self._registered.get(wanted) or query

    def register(self, query: str | None, extensions: Mapping[str, Any] | None) -> None:
        """Keeps a document the client sent in full with its hash (called once it ran)."""
        requested = (extensions or {}).get("persistedQuery")
        if query is None or requested is None or self.only_preloaded:
            return
        digest = sha256_of(query)
        if digest in self.preloaded:
            return
        self._registered[digest] = query
        self._registered.move_to_end(digest)
        while len(self._registered) > self.cache_size:
            self._registered.popitem(last=False)

    def _hash(self, requested: object) -> str:
        if not isinstance(requested, Mapping) or requested.get("version") != 1:
            raise PersistedQueryRefused("Unsupported persisted query version", BAD_REQUEST)
        digest = requested.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            raise PersistedQueryRefused("sha256Hash must be 64 hexadecimal digits", BAD_REQUEST)
        return digest.lower()

    def _stored(self, digest: str) -> str:
        if self.only_preloaded:
            return self._preloaded(digest)
        found = self.preloaded.get(digest)
        if found is not None:
            return found
        registered = self._registered.get(digest)
        if registered is None:
            raise PersistedQueryRefused("PersistedQueryNotFound", NOT_FOUND)
        self._registered.move_to_end(digest)
        return registered

    def _preloaded(self, digest: str) -> str:
        found = self.preloaded.get(digest)
        if found is None:
            raise PersistedQueryRefused(
                "Only the persisted operations run here; this document is not one of them.",
                REQUIRED,
            )
        return found
