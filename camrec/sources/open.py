"""One spec, the right source (layer 2).

``open_source("0")`` -> camera 0; ``open_source("http://phone:8080/video")``
or ``"rtsp://..."`` -> network stream (reconnects on drops);
``open_source("clip.mp4")`` -> every frame of the file. Every source is an
iterable of :class:`~camrec.types.Frame` and a context manager, with
``spec``, ``fps``, ``frame_count`` (files only), ``is_stream`` and
``end_reason`` (why iteration ended, once it has).
"""

from __future__ import annotations

from pathlib import Path

from camrec.errors import CamrecError
from camrec.sources.camera import (CameraSource, CaptureFactory, CaptureHints, ReconnectPolicy, is_stream_url,
                                   open_camera, open_stream)
from camrec.sources.video import VideoSource

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
STREAM_SCHEMES = {"http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "udp", "tcp", "srt", "rtp", "mms"}


def open_source(spec: int | str | Path, *, width: int | None = None, height: int | None = None,
                fps: float | None = None, reconnect: ReconnectPolicy | None = None,
                capture_factory: CaptureFactory | None = None) -> CameraSource | VideoSource:
    """Open ``spec`` as a camera index, a stream URL or a video file.

    ``width/height/fps`` are capture hints for cameras; ``reconnect`` bounds the
    backoff for cameras and streams (default :class:`ReconnectPolicy`);
    ``capture_factory(target, hints)`` replaces ``cv2.VideoCapture`` (tests).
    Raises :class:`CamrecError` with a one-line reason when it cannot open.
    """
    hints = CaptureHints(width=width, height=height, fps=fps)
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return open_camera(int(spec), hints, factory=capture_factory, policy=reconnect)
    text = str(spec).strip()
    if is_stream_url(text):
        scheme = text.split("://", 1)[0].lower()
        if scheme == "file":
            return VideoSource(text.split("://", 1)[1])
        if scheme not in STREAM_SCHEMES:
            raise CamrecError(text, f"unsupported URL scheme {scheme!r} (use one of "
                              f"{', '.join(sorted(STREAM_SCHEMES))})")
        return open_stream(text, hints, factory=capture_factory, policy=reconnect)
    path = Path(text)
    if not path.exists():
        raise CamrecError(path, "no such file (a source is a camera index like 0, a stream URL like "
                          "http://host:8080/video or rtsp://..., or a video file)")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise CamrecError(path, "is an image, not a video: use camrec --image")
    return VideoSource(path)
