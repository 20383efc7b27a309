"""Errors of the forecasting package: too little history, unusable input."""

from __future__ import annotations


class ForecastInputError(ValueError):
    """The series or the request cannot be forecast as given (the message says why)."""


class InsufficientHistory(ForecastInputError):
    """Too few usable points to forecast honestly: Vigil refuses rather than guesses."""

    def __init__(self, need: int, have: int) -> None:
        super().__init__(f"insufficient history (need ≥ {need} points, have {have})")
        self.need = need
        self.have = have
