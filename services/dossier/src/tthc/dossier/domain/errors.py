"""Named errors of the dossier domain. Each message says which dossier, which state, and why."""

from __future__ import annotations


class DossierError(Exception):
    """Base of every dossier-domain error."""


class DossierNotFoundError(DossierError):
    """No dossier with this code exists."""

    def __init__(self, code: str) -> None:
        super().__init__(f"dossier {code!r} not found")
        self.code = code


class DossierAlreadyExistsError(DossierError):
    """A dossier with this code already exists and the command would open it again."""

    def __init__(self, code: str) -> None:
        super().__init__(f"dossier {code!r} already exists")
        self.code = code


class IllegalTransitionError(DossierError):
    """The command is not allowed in the dossier's current state."""

    def __init__(self, code: str, command: str, status: str, reason: str) -> None:
        super().__init__(f"dossier {code!r}: cannot {command} while {status}: {reason}")
        self.code = code
        self.command = command
        self.status = status
        self.reason = reason


class InconsistentDossierError(DossierError):
    """The command contradicts facts already recorded (e.g. a different reception date or procedure)."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(f"dossier {code!r}: {field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason


class ProcedureNotFoundError(DossierError):
    """The procedure code is not in the catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(f"procedure {code!r} is not in the catalogue")
        self.code = code


class UnitNotFoundError(DossierError):
    """The unit code is not in the unit registry."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unit {code!r} is not in the unit registry")
        self.code = code
