"""Camera grabber (fake capture), real loopback HTTP MJPEG stream, video files, open_source, Pacer."""

from __future__ import annotations

import http.server
import socketserver
import threading
import time

import cv2
import numpy as np
import pytest

from camrec.errors import CamrecError
from camrec.sources.camera import (CameraSource, LatestFrameGrabber, ReconnectPolicy, apply_hints,
                                   open_camera)
from camrec.sources.open import open_source
from camrec.sources.video import Pacer, VideoSource


# ----------------------------------------------------------------- fake capture
def encode(n: int) -> np.ndarray:
    img = np.zeros((8, 8, 3), np.uint8)
    img[0, 0] = [n & 255, (n >> 8) & 255, (n >> 16) & 255]
    return img


def decode(img: np.ndarray) -> int:
    b, g, r = (int(v) for v in img[0, 0])
    return b | g << 8 | r << 16


class FakeCapture:
    """Produces numbered frames every ``period`` seconds; fails after ``limit`` frames."""

    def __init__(self, opened=True, period=0.001, limit=None):
        self.opened = opened
        self.period = period
        self.limit = limit
        self.produced = 0
        self.released = False
        self.props = {}

    def isOpened(self):
        return self.opened and not self.released

    def read(self):
        if self.released or not self.opened or (self.limit is not None and self.produced >= self.limit):
            time.sleep(0.001)
            return False, None
        time.sleep(self.period)
        img = encode(self.produced)
        self.produced += 1
        return True, img

    def release(self):
        self.released = True

    def set(self, prop, value):
        self.props[prop] = value
        return True

    def get(self, prop):
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 8, cv2.CAP_PROP_FRAME_HEIGHT: 8}.get(prop, 0.0)


def test_grabber_gives_the_newest_frame_not_a_backlog():
    cap = FakeCapture(period=0.001)
    with LatestFrameGrabber(cap, source="fake") as grabber:
        seen = []
        for _ in range(8):
            time.sleep(0.03)  # a slow consumer: ~30 frames produced meanwhile
            frame = grabber.read(timeout=1.0)
            assert frame is not None
            n = decode(frame.image)
            assert n >= cap.produced - 2, (n, cap.produced)  # the newest, give or take the one in flight
            assert frame.index == n
            seen.append(n)
        assert seen == sorted(seen) and len(set(seen)) == len(seen)
        assert min(np.diff(seen)) > 5  # stale frames were skipped, not queued
        assert grabber.dropped > 50
    assert cap.released and grabber.ended and grabber.end_reason == "stopped"


def test_grabber_read_times_out_then_ends_with_the_capture():
    cap = FakeCapture(period=0.001, limit=3)
    grabber = LatestFrameGrabber(cap, source="fake").start()
    frames = []
    deadline = time.monotonic() + 3
    while not grabber.finished and time.monotonic() < deadline:
        frame = grabber.read(timeout=0.2)
        if frame is not None:
            frames.append(decode(frame.image))
    assert grabber.finished and grabber.end_reason == "end of stream"
    assert frames and frames[-1] == 2
    t0 = time.monotonic()
    assert grabber.read(timeout=0.5) is None and time.monotonic() - t0 < 0.2  # finished: no wait
    grabber.close()


def test_camera_source_reconnects_after_a_drop():
    caps = [FakeCapture(limit=5), FakeCapture(opened=False), FakeCapture(limit=5)]
    opened = []

    def factory(target, hints):
        opened.append(target)
        return caps[len(opened) - 1] if len(opened) <= len(caps) else FakeCapture(opened=False)

    policy = ReconnectPolicy(initial_delay=0.01, factor=2, max_delay=0.05, total=0.4)
    t0 = time.monotonic()
    with open_camera(2, factory=factory, policy=policy) as source:
        grabbed = []
        for frame in source:
            grabbed.append(frame)
            time.sleep(0.002)
    elapsed = time.monotonic() - t0
    assert source.grabber.grabbed == 10  # 5 from the first capture, 5 after reconnecting
    assert source.grabber.reconnects >= 3  # a failed reopen, a good one, then failures until the bound
    assert "stream lost" in source.end_reason and "0.4 s" in source.end_reason
    assert elapsed < 2.0
    assert set(opened) == {2}


def test_reconnect_backoff_is_exponential_and_bounded():
    attempts = []

    def factory(target, hints):
        attempts.append(time.monotonic())
        return FakeCapture(limit=1) if len(attempts) == 1 else FakeCapture(opened=False)

    policy = ReconnectPolicy(initial_delay=0.02, factor=2.0, max_delay=0.16, total=0.8)
    t0 = time.monotonic()
    source = open_source("0", capture_factory=factory, reconnect=policy)
    assert list(source) and source.end_reason.startswith("stream lost")
    assert time.monotonic() - t0 < 1.5
    gaps = np.diff(attempts[1:])
    assert len(gaps) >= 4
    assert gaps[1] > gaps[0] * 1.4 and gaps[2] > gaps[1] * 1.4  # 0.04, 0.08, 0.16 ...
    assert max(gaps) < 0.16 + 0.1  # capped at max_delay
    source.close()


def test_nonexistent_camera_index_lists_indices_tried():
    def factory(target, hints):
        return FakeCapture(opened=(target == 1))

    with pytest.raises(CamrecError) as err:
        open_camera(5, factory=factory, probe=range(4))
    msg = str(err.value)
    assert err.value.subject == "camera 5"
    assert "indices tried: 0-3, 5" in msg and "cameras that did open: 1" in msg and "hint:" in msg
    assert "\n" not in msg


def test_nonexistent_camera_index_with_real_opencv(capfd):
    with pytest.raises(CamrecError) as err:
        open_source("7")  # no camera on a CI machine: every probe fails
    assert "indices tried: 0-9" in str(err.value) and "none opened" in str(err.value)
    assert "WARN" not in capfd.readouterr().err  # OpenCV's own warnings are silenced


def test_capture_hints_reach_the_camera():
    cap = FakeCapture()

    def factory(target, hints):
        apply_hints(cap, hints)  # what the real factory does for camera indices
        return cap

    source = open_source(0, width=1280, height=720, fps=30, capture_factory=factory)
    assert cap.props[cv2.CAP_PROP_FRAME_WIDTH] == 1280 and cap.props[cv2.CAP_PROP_FRAME_HEIGHT] == 720
    assert cap.props[cv2.CAP_PROP_FPS] == 30 and cap.props[cv2.CAP_PROP_BUFFERSIZE] == 1
    assert isinstance(source, CameraSource) and source.fps == 30.0 and not source.is_stream
    source.close()


# ------------------------------------------------------ real loopback MJPEG stream
def jpeg(level: int, text: str) -> bytes:
    img = np.full((120, 160, 3), level, np.uint8)
    cv2.putText(img, text, (10, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (255 - level,) * 3, 5)
    return cv2.imencode(".jpg", img)[1].tobytes()


class MJPEGServer:
    """multipart/x-mixed-replace JPEG frames on 127.0.0.1:<ephemeral>; each connection gets ``per_conn``
    frames (then the connection closes); frames of connection k have gray level ``levels[k]``."""

    def __init__(self, per_conn=None, levels=(40, 200), period=0.01):
        self.connections = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                k = server.connections
                server.connections += 1
                level = levels[min(k, len(levels) - 1)]
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                i = 0
                try:
                    while (per_conn is None or i < per_conn) and not server.stopping:
                        data = jpeg(level, str(i % 10))
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                                         % len(data) + data + b"\r\n")
                        i += 1
                        time.sleep(period)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.stopping = False
        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/video"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()


def test_loopback_mjpeg_stream_frames_arrive_and_decode():
    server = MJPEGServer(per_conn=None)
    try:
        with open_source(server.url) as source:
            assert source.is_stream
            frames = []
            for frame in source:
                frames.append(frame)
                if len(frames) == 10:
                    break
        assert all(f.image.shape == (120, 160, 3) and f.image.dtype == np.uint8 for f in frames)
        # the background is the served gray level (JPEG is lossy: a tolerance), the digit is light
        assert all(abs(int(np.median(f.image)) - 40) <= 6 for f in frames)
        assert all(f.image.max() > 180 for f in frames)
        assert [f.index for f in frames] == sorted(f.index for f in frames)
    finally:
        server.stop()


def test_loopback_stream_drop_is_reconnected():
    server = MJPEGServer(per_conn=8, levels=(40, 200, 200, 200))
    policy = ReconnectPolicy(initial_delay=0.05, max_delay=0.2, total=3.0)
    try:
        with open_source(server.url, reconnect=policy) as source:
            levels = []
            for frame in source:
                levels.append(int(np.median(frame.image)))
                if levels[-1] > 150:  # a frame from the second connection
                    break
                assert len(levels) < 200
        assert server.connections >= 2 and source.grabber.reconnects >= 1
        assert abs(levels[0] - 40) <= 6 and abs(levels[-1] - 200) <= 6
    finally:
        server.stop()


def test_loopback_stream_gone_ends_cleanly_within_the_bound():
    server = MJPEGServer(per_conn=5)
    policy = ReconnectPolicy(initial_delay=0.05, factor=2.0, max_delay=0.2, total=1.0)
    source = open_source(server.url, reconnect=policy)
    try:
        first = source.read(timeout=3.0)
        assert first is not None
        server.stop()  # the camera app quits: the connection closes and new ones are refused
        t0 = time.monotonic()
        rest = list(source)  # ends by itself, no exception
        elapsed = time.monotonic() - t0
        assert len(rest) <= 5
        assert source.end_reason.startswith("stream lost: no frame for 1 s")
        assert source.grabber.reconnects >= 3
        assert elapsed < 4.0
    finally:
        source.close()


def test_unreachable_stream_fails_with_a_hint():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CamrecError, match="cannot open stream.*hint"):
        open_source(f"http://127.0.0.1:{port}/video")


# ------------------------------------------------------------------ video files
@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    assert writer.isOpened()
    for i in range(20):
        writer.write(np.full((48, 64, 3), 10 * i, np.uint8))
    writer.release()
    return path


def test_video_source_reads_every_frame_in_order(clip):
    with open_source(str(clip)) as source:
        assert isinstance(source, VideoSource)
        assert source.fps == 10.0 and source.frame_count == 20 and source.size == (64, 48)
        frames = list(source)
    assert [f.index for f in frames] == list(range(20))
    levels = [float(f.image.mean()) for f in frames]
    assert all(abs(lv - 10 * i) < 4 for i, lv in enumerate(levels)), levels
    assert frames[5].timestamp == pytest.approx(0.5) and source.end_reason == "end of file"


@pytest.mark.parametrize("kind", ["missing", "folder", "empty", "text", "image"])
def test_video_source_bad_files(tmp_path, kind):
    path = tmp_path / ("x.png" if kind == "image" else "x.mp4")
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not a video\n" * 50)
    elif kind == "image":
        cv2.imwrite(str(path), np.zeros((8, 8), np.uint8))
    with pytest.raises(CamrecError) as err:
        list(open_source(str(path)))
    assert err.value.subject == str(path) and err.value.reason
    assert {"missing": "no such file", "folder": "folder", "empty": "empty", "text": "cannot open",
            "image": "--image"}[kind] in err.value.reason


def test_truncated_video_fails_or_reads_a_prefix(clip, tmp_path):
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        frames = list(VideoSource(cut))
    except CamrecError as err:
        assert err.reason
    else:
        assert len(frames) < 20


def test_unsupported_url_scheme():
    with pytest.raises(CamrecError, match="unsupported URL scheme"):
        open_source("ftp://example.com/x.mp4")


def test_pacer_waits_until_each_frame_is_due():
    now = [100.0]
    slept = []

    def sleep(s):
        slept.append(round(s, 6))
        now[0] += s

    pacer = Pacer(25.0, clock=lambda: now[0], sleep=sleep)
    assert pacer.wait(0) == 0.0
    now[0] += 0.01  # processing took 10 ms
    assert pacer.wait(1) == pytest.approx(0.03)
    now[0] += 0.2  # a slow frame: later ones are not waited for until caught up
    assert pacer.wait(2) == 0.0 and pacer.wait(3) == 0.0
    assert pacer.wait(10) == pytest.approx(0.16)  # due at start + 10/25 s
    pacer.restart()
    assert pacer.wait(11) == 0.0
    with pytest.raises(ValueError):
        Pacer(0)
