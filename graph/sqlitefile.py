"""The per-build SQLite index files: written whole then renamed, read shared and read-only."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Self

_FAST_WRITES = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"  # the file is new and private


@contextlib.contextmanager
def written_atomically(target: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection to a fresh temporary file beside ``target`` with ``schema``; committed
    and renamed to ``target`` when the block ends, removed if it raises (readers never see
    a half-written index)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as conn:
            conn.executescript(_FAST_WRITES + schema)
            yield conn
            conn.commit()
        tmp.chmod(0o644)  # like the rest of the build (mkstemp creates it private)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class ReadOnlyIndex:
    """One read-only connection to an index file, shared by the server's threads (its
    queries are serialised by ``lock``).  Subclasses name their file in ``file_name``."""

    file_name: ClassVar[str]

    @classmethod
    def open(cls, build_dir: str | Path) -> Self | None:
        """The build's index, or None for a build written before it existed."""
        path = Path(build_dir) / cls.file_name
        return cls(path) if path.is_file() else None

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self.lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()
