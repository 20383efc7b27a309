"""State kept per database engine: created on first use, dropped with the engine.

Keyed by the engine object itself, weakly. An id() key outlives its object, and a
handle allocated later at the same address would be served another database's state
(series ids, newest timestamps, write locks).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


class PerEngine(Generic[T]):
    """One value per SQLAlchemy engine, made by `factory` on first use (thread-safe)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        """Hold values made by `factory`, none yet."""
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[Engine, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, engine: Engine) -> T:
        """The value of this engine (made now if it has none)."""
        with self._lock:
            value = self._values.get(engine)
            if value is None:
                value = self._values[engine] = self._factory()
            return value
