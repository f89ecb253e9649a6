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
