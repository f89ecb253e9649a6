"""One error type the CLI turns into ``camrec: error: <what>: <reason>``."""

from __future__ import annotations

from pathlib import Path


class CamrecError(Exception):
    """A user-facing failure: a file or setting that is wrong, with the reason.

    ``subject`` is usually a path; the CLI prints ``<subject>: <reason>`` on one
    line and exits non-zero, never a traceback.
    """

    def __init__(self, subject: str | Path, reason: str) -> None:
        self.subject = str(subject)
        self.reason = reason
        super().__init__(f"{self.subject}: {reason}")


class MissingExtraError(CamrecError):
    """An optional package is not installed; the reason says how to install it."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            package,
            f"not installed; {purpose} needs it: pip install 'camrec[{extra}]' "
            f"(or pip install {package})",
        )
