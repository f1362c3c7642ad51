"""Named errors of the portal adapter."""

from __future__ import annotations


class PortalResponseError(ValueError):
    """A file is not a readable response of one of the six DVCQG scoring endpoints."""
