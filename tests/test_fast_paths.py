"""Fast paths must give exactly what the plain OpenCV/numpy code they replace gives."""

from __future__ import annotations

import cv2
import numpy as np

from camrec.segment import _open_line


def test_open_line_is_opencv_opening():
    rng = np.random.default_rng(7)
    for trial in range(400):
        h, w = (int(v) for v in rng.integers(1, 140 if trial % 3 else 260, 2))
        n = int(rng.integers(1, 90))
        img = (rng.random((h, w)) < rng.random()).astype(np.uint8)
        if trial % 2:
            img = cv2.dilate(img, np.ones((1, 9) if trial % 4 == 1 else (9, 1), np.uint8))
        for axis, kernel in ((1, np.ones((1, n), np.uint8)), (0, np.ones((n, 1), np.uint8))):
            want = cv2.morphologyEx(img, cv2.MORPH_OPEN, kernel)
            assert np.array_equal(_open_line(img, n, axis), want), (h, w, n, axis)


class _FakeCapture:
    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.i, self.fail_at, self.released = n, 0, fail_at, False

    def isOpened(self) -> bool:
        return True

    def get(self, prop) -> float:
        return {cv2.CAP_PROP_FPS: 10.0, cv2.CAP_PROP_FRAME_COUNT: float(self.n)}.get(prop, 8.0)

    def read(self):
        assert not self.released
        if self.fail_at is not None and self.i == self.fail_at:
            raise RuntimeError("decoder broke")
        if self.i >= self.n:
            return False, None
        self.i += 1
        return True, np.full((8, 8, 3), self.i - 1, np.uint8)

    def release(self) -> None:
        self.released = True


def test_video_decode_ahead_gives_the_same_frames(tmp_path):
    from camrec.sources.video import VideoSource

    path = tmp_path / "x.mp4"
    path.write_bytes(b"not read: the capture is a fake")
    for prefetch in (0, 1, 4):
        cap = _FakeCapture(30)
        with VideoSource(path, open_capture=lambda p, c=cap: c, prefetch=prefetch) as source:
            frames = list(source)
        assert [f.index for f in frames] == list(range(30)) and cap.released
        assert [int(f.image[0, 0, 0]) for f in frames] == list(range(30))
        assert source.end_reason == "end of file"
    # stopping early (the user quits) and closing while the reader is ahead
    cap = _FakeCapture(1000)
    source = VideoSource(path, open_capture=lambda p: cap)
    for frame in source:
        if frame.index == 3:
            break
    source.close()
    assert cap.released
    # a decoder error reaches the consumer
    cap = _FakeCapture(10, fail_at=5)
    with VideoSource(path, open_capture=lambda p: cap) as source:
        got = []
        try:
            for frame in source:
                got.append(frame.index)
        except RuntimeError as exc:
            assert "decoder broke" in str(exc)
        assert got == [0, 1, 2, 3, 4]


def test_16_bit_labels_are_the_32_bit_ones():
    from camrec.segment import _ltype

    rng = np.random.default_rng(11)
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 300, 2))
        img = (rng.random((h, w)) < rng.random()).astype(np.uint8)
        assert _ltype(img.shape) == cv2.CV_16U
        a = cv2.connectedComponentsWithStats(img, connectivity=8, ltype=cv2.CV_32S)
        b = cv2.connectedComponentsWithStats(img, connectivity=8, ltype=cv2.CV_16U)
        assert a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    # 8-connected, every component needs a 2x2 block of its own: at most 62500 labels in 500x500
    assert _ltype((600, 900)) == cv2.CV_32S and _ltype((500, 500)) == cv2.CV_16U


def test_strips_covered_many_is_strips_covered_box_by_box():
    from camrec.segment import _strips_covered, _strips_covered_many

    rng = np.random.default_rng(3)
    for _ in range(20):
        img = (rng.random((120, 160)) < rng.uniform(0.3, 0.9)).astype(np.uint8)
        img = cv2.morphologyEx(img, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        _, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8, ltype=cv2.CV_16U)
        ids = np.flatnonzero(np.minimum(stats[1:, 2], stats[1:, 3]) >= 2) + 1
        for frac in (0.3, 0.6, 0.85):
            want = [_strips_covered(labels[y:y + h, x:x + w], i, frac)
                    for i, (x, y, w, h) in zip(ids, stats[ids, :4].tolist())]
            assert _strips_covered_many(labels, stats, ids, frac).tolist() == want
