"""A session-wide build of both seed reports into a temporary store (about 10 s, once per
test process).  Loaded as a pytest plugin (see pyproject.toml), so every test module can use it."""

from __future__ import annotations

import pytest

from graph import pipeline
from graph.config import SEEDS_DIR

TEST_BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> tuple[str, str]:
    location = tmp_path_factory.mktemp("kg") / "store"
    pipeline.build([SEEDS_DIR], location=location, base=TEST_BASE, progress=pipeline.quiet)
    return str(location), TEST_BASE
