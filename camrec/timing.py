"""Per-stage milliseconds, recorded by an injected timer (stages never read clocks)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator


class StageTimer:
    """Collects milliseconds per named stage for one frame.

    The pipeline calls ``with timer("segment"): ...``; the clock is injectable
    so tests can use a fake one.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self.ms: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = self._clock()
        try:
            yield
        finally:
            self.ms[stage] = self.ms.get(stage, 0.0) + (self._clock() - start) * 1000.0

    def reset(self) -> None:
        self.ms = {}


class NullTimer(StageTimer):
    """A timer that records nothing (for callers that do not want figures)."""

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        yield
