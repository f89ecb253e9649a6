"""Recognize a file's frames on worker processes, results in frame order (layer 3).

The pipeline keeps no state from one frame to the next (tracking does, and it
stays on the main thread), so the frames of a video file can be recognized
side by side: on the 2-core development machine two worker processes read the
720p sample clips about 1.4 times as fast as one process. Only for files read
as fast as possible, with or without a window: a camera wants the newest frame
soonest (latency), not the most frames per second, and --realtime paces.

Frames go to the workers pickled, in gray (the pipeline's first step; a
third of the bytes); at most ``ahead`` frames are in flight, so a long
video is never read into memory. Workers ignore SIGINT (Ctrl-C reaches the
whole process group; the main process decides what happens) and are
terminated when the pool closes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections import deque
from typing import Callable, Iterable, Iterator

from camrec.config import PipelineConfig
from camrec.errors import CamrecError
from camrec.pipeline import Recognizer
from camrec.preprocess import to_gray
from camrec.types import Frame, FrameResult

_STUCK_S = 120  # seconds without a frame's result: a worker is gone
_recognizers: dict[str, Recognizer] = {}  # (in a worker process) model -> its recognizer
_backends: dict[str, str | None] = {}
_models_dir = None
_config: PipelineConfig | None = None


def default_workers() -> int:
    """One worker process per core, at most 4 (the main process decodes, tracks and writes meanwhile)."""
    return max(1, min(4, os.cpu_count() or 1))


def _init_worker(backends: dict[str, str | None], models_dir, config: PipelineConfig | None) -> None:
    global _backends, _models_dir, _config
    import cv2

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if cv2.getNumThreads() != 1:  # (a spawned worker; a forked one has the parent's setting, see FramePool)
        cv2.setNumThreads(1)  # (the other workers have the other cores)
    _backends, _models_dir, _config = backends, models_dir, config


def _recognize(frame: Frame, model: str) -> FrameResult:
    """One frame with ``model`` (each worker opens a model on first use: the m key may switch)."""
    if model not in _recognizers:
        from camrec.classify import open_classifier

        _recognizers[model] = Recognizer(open_classifier(model, _backends.get(model), _models_dir, threads=1), _config)
    return _recognizers[model].process(frame)


class FramePool:
    """``results(frames, model_of) -> (frame, result), ...`` in the frames' order; ``close()`` ends the workers.

    ``backends``: model -> backend (missing: the model's default). Each worker opens a model on first
    use, on one thread. Use as a context manager."""

    def __init__(self, backends: dict[str, str | None] | None = None, models_dir=None,
                 config: PipelineConfig | None = None, workers: int | None = None, ahead: int | None = None) -> None:
        self.workers = workers or default_workers()
        self.ahead = ahead or 2 * self.workers
        # fork: the workers start at once with the modules already imported (spawn elsewhere)
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        import cv2

        # one OpenCV thread per worker, set here, before the fork: a forked child that resizes OpenCV's
        # thread pool waits forever for the parent's pool threads, which it does not have
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            self._pool = mp.get_context(method).Pool(self.workers, initializer=_init_worker,
                                                     initargs=(dict(backends or {}), models_dir, config))
        finally:
            cv2.setNumThreads(threads)

    def results(self, frames: Iterable[Frame], model_of: Callable[[], str] = lambda: "cnn",
                ) -> Iterator[tuple[Frame, FrameResult]]:
        """``model_of()`` names the model for each frame as it is sent (the m key switches models)."""
        pending: deque = deque()
        for frame in frames:
            # the pipeline starts by going to gray: a third of the bytes to send, the same result
            gray = Frame(to_gray(frame.image), frame.index, frame.source, frame.timestamp)
            pending.append((frame, self._pool.apply_async(_recognize, (gray, model_of()))))
            if len(pending) >= self.ahead:
                yield self._next(pending)
        while pending:
            yield self._next(pending)

    @staticmethod
    def _next(pending: deque) -> tuple[Frame, FrameResult]:
        frame, result = pending.popleft()
        try:
            return frame, result.get(timeout=_STUCK_S)
        except mp.TimeoutError:  # a worker killed (out of memory?) loses its frame: do not wait forever
            raise CamrecError(frame.source or "video", f"frame {frame.index}: no result from the worker "
                              f"processes in {_STUCK_S} s (try --workers 1)") from None

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "FramePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
