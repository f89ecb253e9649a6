"""Bring any digit crop to MNIST format: the one input every classifier sees.

MNIST digits are white ink on black, fitted (keeping aspect) into a 20x20 box
and placed in a 28x28 frame so that their centre of mass is the centre. The
classifiers were trained on exactly this, so camera crops, font renders and
scikit-learn's digits all pass through :func:`to_mnist`.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 28
BOX = 20


def to_mnist(ink: np.ndarray, box: int = BOX) -> np.ndarray:
    """Return a (28, 28) float32 image in [0, 1] from an ink map.

    ``ink`` is a 2-D array where larger means more ink (a binary mask or a
    gray level, any dtype). It is cropped to its ink, resized so the longer
    side is ``box`` pixels, and shifted so its centre of mass is at (14, 14).
    An empty crop gives an all-zero image.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink map, got shape {ink.shape}")
    out = np.zeros((SIZE, SIZE), np.float32)
    if ink.size == 0:
        return out
    peak = float(ink.max())
    if peak <= 0:
        return out
    ink = ink / peak
    # bounding box of the ink above 5 % of the peak (one OpenCV call)
    x, y, w, h = cv2.boundingRect((ink > 0.05).view(np.uint8))
    if w == 0 or h == 0:
        return out
    ink = ink[y : y + h, x : x + w]
    scale = box / max(h, w)
    new_w = max(1, int(round(w * scale)))
    new_h = max(1, int(round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (new_w, new_h), interpolation=interp)
    y0 = (SIZE - new_h) // 2
    x0 = (SIZE - new_w) // 2
    out[y0 : y0 + new_h, x0 : x0 + new_w] = small
    # centre of mass from the image moments (same figure as scipy.ndimage.center_of_mass, far cheaper)
    # (of the 28x28 image: a crop one or two pixels wide would be read as a list of points)
    m = cv2.moments(out)
    if m["m00"] > 0:
        cx = m["m10"] / m["m00"]
        cy = m["m01"] / m["m00"]
        # MNIST puts the centre of mass at pixel index (14, 14), measured on its test set.
        shift = np.float32([[1, 0, SIZE / 2 - cx], [0, 1, SIZE / 2 - cy]])
        out = cv2.warpAffine(out, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    np.minimum(out, 1.0, out=out)
    return np.maximum(out, 0.0, out=out)


def batch_to_mnist(inks: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Stack :func:`to_mnist` over many crops: (n, 28, 28) float32, n may be 0."""
    if len(inks) == 0:
        return np.zeros((0, SIZE, SIZE), np.float32)
    return np.stack([to_mnist(ink) for ink in inks])
