"""Who may push which dossiers: per-unit bearer tokens, stored only as SHA-256 hashes.

Configuration maps the SHA-256 (hex) of each token to a unit code, from a YAML/JSON file::

    tokens:
      3f1c...e9: H48          # the province: its own dossiers and every descendant's
      9a0b...41: H48.40.01    # a ward: only its own

or from an environment variable holding the same mapping as JSON (``{"<sha256>": "H48"}``) or as
``<sha256>=H48,<sha256>=H48.40.01``. Clear tokens never appear in configuration; ``hash_token`` makes the
hash (``python -c "import hashlib; print(hashlib.sha256(b'TOKEN').hexdigest())"`` does too).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class UnitDirectory(Protocol):
    """What the feed needs of the unit registry."""

    def __contains__(self, code: object) -> bool: ...

    def is_within(self, code: str, ancestor: str) -> bool: ...


@dataclass(frozen=True)
class Caller:
    """Who pushes records: a unit (by token), or the trusted internal channel (Kafka) with no unit."""

    unit_code: str | None

    @classmethod
    def trusted(cls) -> Caller:
        """The trusted channel: records speak for their own unit."""
        return cls(unit_code=None)

    def may_push(self, unit_code: str, units: UnitDirectory) -> bool:
        """True when this caller may push dossiers of ``unit_code`` (its own unit or one below it)."""
        if self.unit_code is None:
            return True
        return unit_code in units and units.is_within(unit_code, self.unit_code)


class FeedAuthConfigError(ValueError):
    """The token configuration is unreadable or holds something other than SHA-256 hashes of tokens."""


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token, as stored in configuration."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuth:
    """Resolves bearer tokens to callers through configured token hashes."""

    def __init__(self, token_units: Mapping[str, str], units: UnitDirectory) -> None:
        for digest, unit in token_units.items():
            if not _SHA256_HEX.match(digest):
                raise FeedAuthConfigError(
                    f"not a SHA-256 hex digest: {digest[:12]}... (store hashes, not tokens)"
                )
            if unit not in units:
                raise FeedAuthConfigError(f"token {digest[:12]}... names unknown unit {unit!r}")
        self._token_units = dict(token_units)

    def authenticate(self, token: str | None) -> Caller | None:
        """The caller a token stands for; None for a missing or unknown token."""
        if not token:
            return None
        digest = hash_token(token)
        for known, unit in self._token_units.items():
            if hmac.compare_digest(known, digest):
                return Caller(unit_code=unit)
        return None


def load_token_file(path: Path) -> dict[str, str]:
    """Reads ``{tokens: {<sha256>: <unit>}}`` (or the bare mapping) from a YAML or JSON file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FeedAuthConfigError(f"{path}: {error}") from error
    return _mapping(document.get("tokens", document) if isinstance(document, dict) else document, str(path))


def parse_token_mapping(text: str) -> dict[str, str]:
    """Reads an environment value: a JSON object, or ``<sha256>=<unit>`` pairs separated by commas."""
    text = text.strip()
    if text.startswith("{"):
        try:
            return _mapping(json.loads(text), "token mapping")
        except json.JSONDecodeError as error:
            raise FeedAuthConfigError(f"token mapping is not valid JSON: {error}") from error
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise FeedAuthConfigError("token mapping must be JSON or '<sha256>=<unit>' pairs separated by commas")
    return {digest.strip().lower(): unit.strip() for digest, unit in pairs}


def _mapping(document: object, source: str) -> dict[str, str]:
    if not isinstance(document, dict):
        raise FeedAuthConfigError(f"{source}: expected a mapping of token SHA-256 to unit code")
    return {str(digest).strip().lower(): str(unit).strip() for digest, unit in document.items()}
