"""Errors a user can act on.  The CLI prints them and exits non-zero."""

from __future__ import annotations


class MigkgError(Exception):
    """Base class: the message is shown to the user as is."""


class InputError(MigkgError):
    """A source document cannot be used (missing, empty, binary, badly encoded, not a report)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ValidationFailed(MigkgError):
    """The built graph violates the SHACL shapes; the previous graph stays published."""
