"""Outputs (layer 2): JSON lines and annotated video files.

``JsonLinesWriter(sys.stdout).write(result)`` writes one JSON object per frame
(the DESIGN.md contract, ``FrameResult.to_json()``) and flushes every line, so
a killed process loses nothing already reported.

``VideoWriter(path, fps)`` creates the file on the first frame (with that
frame's size), tries codecs in order until one opens (``mp4v`` then ``avc1``
for .mp4), and ``close()`` finalises it; use it as a context manager so a
``KeyboardInterrupt`` (SIGINT, or SIGTERM via :func:`signals_as_interrupt`)
still leaves a playable file.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Sequence

import cv2
import numpy as np

from camrec.errors import CamrecError
from camrec.types import FrameResult

log = logging.getLogger("camrec.output")

CODECS = {".mp4": ("mp4v", "avc1"), ".m4v": ("mp4v", "avc1"), ".mov": ("mp4v", "avc1"),
          ".avi": ("MJPG", "XVID"), ".mkv": ("mp4v", "XVID", "MJPG")}


class JsonLinesWriter:
    """One compact JSON object per line on a text stream, flushed per line.

    ``target`` is an open text stream (e.g. ``sys.stdout``; not closed by this
    writer) or a path (opened for writing and closed by ``close()``).
    """

    def __init__(self, target: IO[str] | str | Path) -> None:
        if isinstance(target, (str, Path)):
            try:
                self._stream: IO[str] = open(target, "w", encoding="utf-8")
            except OSError as exc:
                raise CamrecError(target, f"cannot write: {exc.strerror or exc}") from exc
            self._owned = True
        else:
            self._stream = target
            self._owned = False
        self.lines = 0

    def write(self, record: FrameResult | dict) -> None:
        obj = record.to_json() if isinstance(record, FrameResult) else record
        self._stream.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n")
        self._stream.flush()
        self.lines += 1

    def close(self) -> None:
        if self._owned and not self._stream.closed:
            self._stream.close()

    def __enter__(self) -> "JsonLinesWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoWriter:
    """An annotated-video file, created on the first frame with that frame's size.

    Frames of another size are resized to the first one; gray frames become BGR.
    ``codecs`` (FourCC strings) are tried in order; default by suffix (``CODECS``).
    """

    def __init__(self, path: str | Path, fps: float = 30.0, codecs: Sequence[str] | None = None) -> None:
        self.path = Path(path)
        if not fps or fps <= 0 or not np.isfinite(fps):
            fps = 30.0
        self.fps = float(fps)
        self.codecs = tuple(codecs) if codecs else CODECS.get(self.path.suffix.lower(), ("mp4v", "avc1", "MJPG"))
        if not self.path.parent.is_dir():
            raise CamrecError(self.path, f"cannot write: folder {self.path.parent} does not exist")
        self._writer = None
        self.codec: str | None = None
        self.size: tuple[int, int] | None = None
        self.frames = 0
        self._closed = False
        self._lock = threading.Lock()

    def _open(self, width: int, height: int) -> None:
        from camrec.sources.camera import quiet_opencv  # same layer; OpenCV prints a line per failed codec

        for codec in self.codecs:
            with quiet_opencv():
                writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*codec), self.fps, (width, height))
            if writer.isOpened():
                self._writer, self.codec, self.size = writer, codec, (width, height)
                log.debug("%s: writing %dx%d at %.3g fps with %s", self.path, width, height, self.fps, codec)
                return
            writer.release()
        raise CamrecError(self.path, f"cannot create a video (codecs tried: {', '.join(self.codecs)})")

    def write(self, image: np.ndarray) -> None:
        with self._lock:
            if self._closed:
                raise CamrecError(self.path, "video already closed")
            if image.ndim == 2:
                image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            elif image.shape[2] == 4:
                image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
            if image.dtype != np.uint8:
                image = np.clip(image, 0, 255).astype(np.uint8)
            h, w = image.shape[:2]
            if self._writer is None:
                self._open(w, h)
            elif (w, h) != self.size:
                image = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
            self._writer.write(np.ascontiguousarray(image))
            self.frames += 1

    def close(self) -> None:
        """Finalise the file (idempotent). With no frame written, no file is created."""
        with self._lock:
            if self._writer is not None:
                self._writer.release()
                self._writer = None
            self._closed = True

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Deferral:
    depth = 0  # > 0 inside deferred_interrupts() (signal handlers run on the main thread only)
    pending: int | None = None  # a signal that came meanwhile


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Within the block, a signal handled by :func:`signals_as_interrupt` waits: its KeyboardInterrupt
    is raised when the block ends. So one frame's outputs (JSON line, video frame) are written
    together or not at all. Keep the block short; no effect on other handlers."""
    _Deferral.depth += 1
    try:
        yield
    finally:
        _Deferral.depth -= 1
        if _Deferral.depth == 0 and _Deferral.pending is not None:
            signum, _Deferral.pending = _Deferral.pending, None
            raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def signals_as_interrupt(signals: Sequence[int] = (signal.SIGTERM,)) -> Iterator[None]:
    """Within the block, SIGTERM (and any other ``signals``) raise KeyboardInterrupt like Ctrl-C does
    (inside :func:`deferred_interrupts`: at its end).

    So one ``except KeyboardInterrupt`` / ``with VideoWriter(...)`` path finalises outputs for
    both. Main thread only; previous handlers are restored on exit.
    """
    def handler(signum, _frame):
        if _Deferral.depth:
            _Deferral.pending = signum
            return
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
