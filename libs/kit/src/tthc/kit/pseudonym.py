"""Keyed pseudonyms for personal data (HMAC-SHA256 with a configured secret).

The same person gets the same pseudonym wherever the same secret is used, so consumers can relate records,
while the clear value never leaves the owning service.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata


class Pseudonymizer:
    """Derives stable, keyed pseudonyms: ``ref("applicant", "001203004567") -> "ps1:9f2c..."``."""

    PREFIX = "ps1:"

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("pseudonym secret must be at least 16 bytes")
        self._secret = secret

    def ref(self, kind: str, value: str) -> str:
        """The pseudonym of ``value`` in namespace ``kind``; empty input gives an empty pseudonym."""
        normalised = _normalise(value)
        if not normalised:
            return ""
        digest = hmac.new(self._secret, f"{kind}\x1f{normalised}".encode(), hashlib.sha256).hexdigest()
        return self.PREFIX + digest[:32]


def _normalise(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()
