"""Cameras and network streams as a frame source (layer 2).

A :class:`LatestFrameGrabber` thread reads a ``cv2.VideoCapture``-like object
as fast as it delivers and keeps only the newest frame: a slow consumer gets
the latest picture, never a backlog (``dropped`` counts the frames it skipped).

:class:`CameraSource` is the iterable of :class:`~camrec.types.Frame` the app
layer uses; open it with :func:`open_camera` (an index such as ``0``) or
:func:`open_stream` (``http://``, ``rtsp://`` ... URLs). A stream that drops
mid-run is reopened with exponential backoff; when no frame arrives for
``ReconnectPolicy.total`` seconds the source ends cleanly and ``end_reason``
says why (also logged as a warning). A camera index that does not open raises
:class:`~camrec.errors.CamrecError` naming the indices tried.

Captures are made by an injectable ``factory(target, hints) -> capture`` so
tests run without a camera (a fake object with ``read/isOpened/release/set/get``).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol, Sequence

import cv2
import numpy as np

from camrec.errors import CamrecError
from camrec.types import Frame

log = logging.getLogger("camrec.sources.camera")

# FFmpeg prints a line per failed connect/short read of a stream straight to stderr; the grabber
# logs one clear reason instead. Set OPENCV_FFMPEG_LOGLEVEL=32 (or 48) to see FFmpeg's lines again.
# Read by OpenCV when FFmpeg is first used, so this must run before any capture opens.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class Capture(Protocol):
    """What the grabber needs of a capture (cv2.VideoCapture has all of it)."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def isOpened(self) -> bool: ...
    def release(self) -> None: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...


@dataclass(frozen=True)
class CaptureHints:
    """Requested capture size and rate; cameras may ignore them (streams always do)."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    open_timeout_ms: int = 5000
    """Streams: give up connecting after this long (FFMPEG backend)."""
    read_timeout_ms: int = 3000
    """Streams: a read that waits longer than this fails (and triggers a reconnect)."""


@dataclass(frozen=True)
class ReconnectPolicy:
    """Exponential backoff for a capture that stops delivering frames."""

    initial_delay: float = 0.25
    """Seconds before the first reopen attempt."""
    factor: float = 2.0
    """Each further delay is this many times the previous one ..."""
    max_delay: float = 2.0
    """... up to this many seconds."""
    total: float = 15.0
    """Give up (end the source) when no frame has arrived for this many seconds."""

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < 0 or self.total < 0:
            raise ValueError("ReconnectPolicy delays and total must be >= 0")
        if self.factor < 1:
            raise ValueError(f"ReconnectPolicy.factor must be >= 1, got {self.factor!r}")


CaptureFactory = Callable[[Any, CaptureHints], Capture]


def is_stream_url(spec: Any) -> bool:
    return isinstance(spec, str) and bool(URL_RE.match(spec.strip()))


@contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings (failed probes print several lines) for a block."""
    try:
        logging_mod = cv2.utils.logging
        old = logging_mod.getLogLevel()
        logging_mod.setLogLevel(logging_mod.LOG_LEVEL_SILENT)
    except AttributeError:  # pragma: no cover - builds without cv2.utils.logging
        yield
        return
    try:
        yield
    finally:
        logging_mod.setLogLevel(old)


def default_capture_factory(target: int | str, hints: CaptureHints) -> Capture:
    """A real ``cv2.VideoCapture``: FFMPEG with timeouts for URLs, the default backend for indices."""
    with quiet_opencv():
        if isinstance(target, str):
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(hints.open_timeout_ms),
                      cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(hints.read_timeout_ms)]
            return cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
        cap = cv2.VideoCapture(int(target))
    if cap.isOpened():
        apply_hints(cap, hints)
    return cap


def apply_hints(cap: Capture, hints: CaptureHints) -> None:
    """Ask a camera for a size/rate and a 1-frame driver buffer (less latency); failures are ignored."""
    for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, hints.width), (cv2.CAP_PROP_FRAME_HEIGHT, hints.height),
                        (cv2.CAP_PROP_FPS, hints.fps), (cv2.CAP_PROP_BUFFERSIZE, 1)):
        if value:
            try:
                cap.set(prop, float(value))
            except Exception:  # noqa: BLE001 - a hint, never fatal
                pass


def _release(cap: Capture | None) -> None:
    if cap is not None:
        try:
            cap.release()
        except Exception:  # noqa: BLE001
            pass


class LatestFrameGrabber:
    """A thread that keeps only the newest frame of a capture.

    ``cap`` is already open; ``reopen()`` (optional) makes a new one after a
    failure, retried with ``policy``'s backoff. Without ``reopen`` the first
    failed read ends the grabber (a file-like end of stream).

    ``read(timeout)`` returns the newest frame not yet returned, waiting up to
    ``timeout`` seconds for one; ``None`` when none came in time or the grabber
    has finished (check ``finished`` / ``end_reason``).
    """

    def __init__(self, cap: Capture, *, source: str = "", reopen: Callable[[], Capture] | None = None,
                 policy: ReconnectPolicy | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self._cap: Capture | None = cap
        self._reopen = reopen
        self._policy = policy or ReconnectPolicy()
        self._clock = clock
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._latest: Frame | None = None
        self._returned = -1
        self._finished = False
        self.end_reason: str | None = None
        self.grabbed = 0
        self.dropped = 0
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name=f"grab:{source}", daemon=True)

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "LatestFrameGrabber":
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (it releases the capture); idempotent."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        with self._cond:
            self._cond.notify_all()

    def __enter__(self) -> "LatestFrameGrabber":
        return self if self._thread.ident is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def ended(self) -> bool:
        """True once the thread has ended (frames may still be unread)."""
        return self._finished

    @property
    def finished(self) -> bool:
        """True once the thread has ended and the last frame has been read."""
        with self._cond:
            return self._finished and (self._latest is None or self._latest.index <= self._returned)

    # -------------------------------------------------------------- consumer
    def read(self, timeout: float | None = 1.0) -> Frame | None:
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while self._latest is None or self._latest.index <= self._returned:
                if self._finished:
                    return None
                remaining = None if deadline is None else deadline - self._clock()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining if remaining is None else min(remaining, 0.5))
            frame = self._latest
            self._returned = frame.index
            return frame

    # -------------------------------------------------------------- producer
    def _publish(self, image: np.ndarray) -> None:
        with self._cond:
            if self._latest is not None and self._latest.index > self._returned:
                self.dropped += 1
            self._latest = Frame(image=image, index=self.grabbed, source=self.source, timestamp=self._clock())
            self.grabbed += 1
            self._cond.notify_all()

    def _run(self) -> None:
        try:
            last_frame_at = self._clock()
            while not self._stop.is_set():
                cap = self._cap
                ok, image = cap.read() if cap is not None else (False, None)
                if ok and image is not None:
                    self._publish(image)
                    last_frame_at = self._clock()
                    continue
                if self._stop.is_set():
                    break
                if self._reopen is None:
                    self.end_reason = "end of stream"
                    break
                _release(cap)
                self._cap = None
                if not self._reconnect(last_frame_at):
                    break
        except Exception as exc:  # noqa: BLE001 - the consumer learns why through end_reason
            self.end_reason = f"capture failed: {exc}"
            log.warning("%s: %s", self.source, self.end_reason)
        finally:
            _release(self._cap)
            self._cap = None
            with self._cond:
                self._finished = True
                if self.end_reason is None:
                    self.end_reason = "stopped"
                self._cond.notify_all()

    def _reconnect(self, lost_since: float) -> bool:
        policy = self._policy
        deadline = lost_since + policy.total
        delay = policy.initial_delay
        attempts = 0
        log.warning("%s: no frame; reconnecting (for up to %.0f s)", self.source, policy.total)
        while not self._stop.is_set():
            wait = min(delay, max(deadline - self._clock(), 0.0))
            if self._stop.wait(wait):
                return False
            if self._clock() >= deadline and attempts:
                break
            attempts += 1
            self.reconnects += 1
            try:
                cap = self._reopen()
            except Exception as exc:  # noqa: BLE001
                log.debug("%s: reopen failed: %s", self.source, exc)
                cap = None
            if cap is not None and cap.isOpened():
                log.info("%s: reconnected (attempt %d)", self.source, attempts)
                self._cap = cap
                return True
            _release(cap)
            if self._clock() >= deadline:
                break
            delay = min(delay * policy.factor, policy.max_delay)
        if self._stop.is_set():
            return False
        self.end_reason = (f"stream lost: no frame for {policy.total:g} s, {attempts} reconnect "
                           f"attempt{'s' if attempts != 1 else ''} failed")
        log.warning("%s: %s", self.source, self.end_reason)
        return False


class CameraSource:
    """Iterable of the newest frames of a camera or stream; ends when the grabber ends.

    Use as a context manager (or call ``close()``) so the thread and the device are released.
    Frame ``index`` counts grabbed frames (gaps = frames skipped because the consumer was
    slower); ``timestamp`` is ``time.monotonic()`` at grab time (for latency figures).
    """

    def __init__(self, grabber: LatestFrameGrabber, *, spec: str, is_stream: bool, fps: float | None,
                 size: tuple[int, int] | None) -> None:
        self.grabber = grabber
        self.spec = spec
        self.is_stream = is_stream
        self.fps = fps
        self.size = size  # (width, height) the capture reported, if any
        self.frame_count: int | None = None

    def read(self, timeout: float | None = 1.0) -> Frame | None:
        return self.grabber.read(timeout)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self.grabber.read(0.5)
            if frame is not None:
                yield frame
            elif self.grabber.finished:
                return

    @property
    def end_reason(self) -> str | None:
        return self.grabber.end_reason

    @property
    def dropped(self) -> int:
        return self.grabber.dropped

    def close(self) -> None:
        self.grabber.close()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _describe(cap: Capture) -> tuple[float | None, tuple[int, int] | None]:
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    except Exception:  # noqa: BLE001
        return None, None
    fps = fps if np.isfinite(fps) and 0 < fps < 1000 else None
    return fps, ((w, h) if w > 0 and h > 0 else None)


def _ranges(indices: Sequence[int]) -> str:
    """[0,1,2,3,7] -> '0-3, 7'."""
    out, run = [], []
    for i in sorted(set(indices)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)


def open_camera(index: int, hints: CaptureHints | None = None, *, factory: CaptureFactory | None = None,
                probe: Sequence[int] = range(10), policy: ReconnectPolicy | None = None) -> CameraSource:
    """Open camera ``index`` and start its grabber.

    When it does not open, the indices in ``probe`` are tried too, and the
    :class:`CamrecError` lists every index tried and which (if any) opened.
    A camera that stops delivering mid-run is reopened with ``policy``.
    """
    hints = hints or CaptureHints()
    factory = factory or default_capture_factory
    cap = factory(index, hints)
    if not cap.isOpened():
        _release(cap)
        tried, found = [index], []
        for other in probe:
            if other == index:
                continue
            tried.append(other)
            probe_cap = factory(other, hints)
            if probe_cap.isOpened():
                found.append(other)
            _release(probe_cap)
        found_txt = (f"cameras that did open: {_ranges(found)}" if found else "none opened")
        raise CamrecError(f"camera {index}", f"cannot open (indices tried: {_ranges(tried)}; {found_txt}); "
                          "hint: check the camera is connected and not in use by another program "
                          "(and that you may read /dev/video*), or pass a stream URL such as "
                          "http://PHONE:8080/video")
    fps, size = _describe(cap)
    grabber = LatestFrameGrabber(cap, source=f"camera {index}", reopen=lambda: factory(index, hints),
                                 policy=policy).start()
    return CameraSource(grabber, spec=str(index), is_stream=False, fps=fps, size=size)


def open_stream(url: str, hints: CaptureHints | None = None, *, factory: CaptureFactory | None = None,
                policy: ReconnectPolicy | None = None) -> CameraSource:
    """Open a network stream (http MJPEG, rtsp ...) and start its grabber; reconnects on drops."""
    hints = hints or CaptureHints()
    factory = factory or default_capture_factory
    url = url.strip()
    cap = factory(url, hints)
    if not cap.isOpened():
        _release(cap)
        raise CamrecError(url, "cannot open stream (no answer, not a video stream, or refused); hint: check "
                          "the address and port, that the phone/camera app is serving, and that this machine "
                          "can reach it")
    fps, size = _describe(cap)
    grabber = LatestFrameGrabber(cap, source=url, reopen=lambda: factory(url, hints), policy=policy).start()
    return CameraSource(grabber, spec=url, is_stream=True, fps=fps, size=size)
