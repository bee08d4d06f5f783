"""Locations and settings, from environment variables with sensible defaults.

| variable              | default                      | meaning                                   |
|-----------------------|------------------------------|-------------------------------------------|
| MIGKG_BASE_IRI        | http://127.0.0.1:8000/       | base of every IRI the build mints         |
| MIGKG_STORE           | ./data/store                 | embedded store directory, or http(s) URL  |
| MIGKG_QUERY_TIMEOUT   | 10                           | seconds per SPARQL query                  |
| MIGKG_RESULT_LIMIT    | 100000                       | max rows/triples per SPARQL result        |
| MIGKG_RESULT_BYTES    | 67108864 (64 MiB)            | max size of a serialised SPARQL result    |
| MIGKG_RESULT_CACHE_BYTES | 67108864 (64 MiB)         | result cache per serving process; 0: off  |
| MIGKG_JOIN_ORDER      | 1                            | join-order hints for the embedded engine; 0: off |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from graph.namespaces import DEFAULT_BASE, normalise_base

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SEEDS_DIR = PROJECT_ROOT / "seeds"
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_STORE = PROJECT_ROOT / "data" / "store"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass
class Settings:
    base_iri: str = field(
        default_factory=lambda: normalise_base(os.environ.get("MIGKG_BASE_IRI", DEFAULT_BASE))
    )
    store: str = field(default_factory=lambda: os.environ.get("MIGKG_STORE", str(DEFAULT_STORE)))
    query_timeout: float = field(default_factory=lambda: _env_float("MIGKG_QUERY_TIMEOUT", 10.0))
    result_limit: int = field(default_factory=lambda: _env_int("MIGKG_RESULT_LIMIT", 100_000))
    result_byte_limit: int = field(
        default_factory=lambda: _env_int("MIGKG_RESULT_BYTES", 64 * 1024 * 1024)
    )
    result_cache_bytes: int = field(
        default_factory=lambda: _env_int("MIGKG_RESULT_CACHE_BYTES", 64 * 1024 * 1024)
    )
    join_order_hints: bool = field(default_factory=lambda: _env_int("MIGKG_JOIN_ORDER", 1) != 0)

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))
