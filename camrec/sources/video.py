"""Video files as a frame source (layer 2): every frame, in order.

``VideoSource(path)`` is an iterable of :class:`~camrec.types.Frame` with
``fps`` and ``frame_count`` (as the container reports them; ``None`` when
unknown). ``Frame.timestamp`` is the media time ``index / fps`` (no clock is
read). Frames are decoded ahead on a reader thread (an I/O edge: OpenCV
releases the GIL while decoding, so it overlaps the caller's processing).
Real-time playback is the caller's choice: :class:`Pacer` is a small
helper the app layer calls once per frame to wait until that frame is due.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from camrec.errors import CamrecError
from camrec.sources.camera import quiet_opencv
from camrec.types import Frame


def _default_open(path: str) -> Any:
    with quiet_opencv():
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap = cv2.VideoCapture(path)
    return cap


class VideoSource:
    """Every frame of a video file, in order; a context manager that releases the file.

    Raises :class:`CamrecError` for a missing path, a folder, a file no backend
    opens, and (when iterated) a file from which no frame decodes.
    """

    def __init__(self, path: str | Path, *, open_capture: Callable[[str], Any] = _default_open,
                 prefetch: int = 4) -> None:
        self.path = Path(path)
        self.spec = str(path)
        if not self.path.exists():
            raise CamrecError(self.path, "no such file")
        if self.path.is_dir():
            raise CamrecError(self.path, "is a folder, not a video file")
        if self.path.stat().st_size == 0:
            raise CamrecError(self.path, "empty file (0 bytes)")
        self._cap = open_capture(str(self.path))
        if self._cap is None or not self._cap.isOpened():
            raise CamrecError(self.path, "cannot open as a video (not a video, an unsupported codec, or corrupt)")
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps: float | None = fps if np.isfinite(fps) and 0 < fps < 1000 else None
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count: int | None = count if count > 0 else None
        w, h = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.size: tuple[int, int] | None = (w, h) if w > 0 and h > 0 else None
        self.is_stream = False
        self.end_reason: str | None = None
        self.prefetch = prefetch
        self._reader: _Reader | None = None
        self._index = 0

    def __iter__(self) -> Iterator[Frame]:
        """Frames in order. They are decoded ahead on a reader thread (``prefetch`` frames at most):
        OpenCV releases the GIL while it decodes, so decoding overlaps the caller's processing."""
        if self._cap is None:
            return
        if self.prefetch < 1:
            yield from self._frames(self._read)
            return
        reader = _Reader(self._read, self.prefetch)
        self._reader = reader
        try:
            yield from self._frames(reader.get)
        finally:
            reader.stop()
            self._reader = None

    def _read(self) -> tuple[bool, np.ndarray | None]:
        return self._cap.read()

    def _frames(self, read: Callable[[], tuple[bool, np.ndarray | None]]) -> Iterator[Frame]:
        while self._cap is not None:
            ok, image = read()
            if not ok or image is None:
                if self._index == 0:
                    raise CamrecError(self.path, "no frame could be decoded (truncated or corrupt video)")
                self.end_reason = "end of file"
                return
            timestamp = self._index / self.fps if self.fps else None
            yield Frame(image=image, index=self._index, source=self.spec, timestamp=timestamp)
            self._index += 1

    def close(self) -> None:
        if self._reader is not None:  # the reader thread must be done with the capture first
            self._reader.stop()
            self._reader = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> "VideoSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Reader:
    """Calls ``read()`` on a daemon thread until it fails, keeping at most ``depth`` results queued
    (the I/O edge: only the capture is touched there, never the pipeline)."""

    def __init__(self, read: Callable[[], tuple[bool, Any]], depth: int) -> None:
        self._read = read
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camrec-video-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                item = self._read()
            except BaseException as exc:  # noqa: BLE001 (any error is handed to the consumer, raised there)
                item = exc
            while not self._stopping.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException) or not item[0] or item[1] is None:
                return

    def get(self) -> tuple[bool, Any]:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


class Pacer:
    """Waits until frame ``i`` is due at ``fps`` (for ``--realtime`` playback of files).

    The first ``wait`` sets the start; a frame that is already late is not waited
    for (frames are never skipped: files are read in order). ``clock`` and
    ``sleep`` are injectable for tests.
    """

    def __init__(self, fps: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not fps or fps <= 0:
            raise ValueError(f"Pacer needs fps > 0, got {fps!r}")
        self.fps = float(fps)
        self._clock = clock
        self._sleep = sleep
        self._start: float | None = None

    def wait(self, index: int) -> float:
        """Sleep until frame ``index`` is due; returns the seconds slept (0 when late)."""
        now = self._clock()
        if self._start is None:
            self._start = now - index / self.fps
        delay = self._start + index / self.fps - now
        if delay > 0:
            self._sleep(delay)
            return delay
        return 0.0

    def restart(self) -> None:
        """Forget the start (after a pause), so playback does not rush to catch up."""
        self._start = None
