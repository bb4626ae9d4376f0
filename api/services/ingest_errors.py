"""The error of an input file that cannot be used as a whole (as opposed to one bad row in it)."""

from __future__ import annotations


class IngestError(ValueError):
    """The file as a whole cannot be read or mapped (not a single bad row); the message says why."""
