"""The blob store: files kept under their SHA-256 in the data folder, written once, never changed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

_HEX = frozenset("0123456789abcdef")


class BlobError(RuntimeError):
    """A blob is missing, or its bytes no longer match its name."""


@dataclass(frozen=True, slots=True)
class BlobStore:
    root: Path

    def path_for(self, sha256: str) -> Path:
        """Where a blob lives; the name is checked so no caller can reach outside the store."""
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise BlobError(f"not a SHA-256 name: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store bytes and return their SHA-256; storing the same bytes again changes nothing."""
        sha256 = hashlib.sha256(content).hexdigest()
        target = self.path_for(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o444)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        """The bytes, verified against their name (a changed file is reported, never returned)."""
        path = self.path_for(sha256)
        if not path.exists():
            raise BlobError(f"blob {sha256} is missing from {self.root}")
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise BlobError(f"blob {sha256} was altered on disk: its content no longer matches its hash")
        return content
