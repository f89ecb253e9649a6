"""Normalize: segmented regions -> MNIST-format 28x28 crops (layer 1).

Each region's own ink (its components only, so a neighbour reaching into the
box is not copied) is taken from the contrast map as a soft ink level, its
stroke width is brought toward MNIST's (about 0.11 of the digit height:
thin pen strokes on big digits are dilated, marker strokes eroded), and
:func:`camrec.normalize.to_mnist` does the rest (fit in 20 px, centre of mass
at the centre), exactly as in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camrec.config import PipelineConfig
from camrec.normalize import SIZE, to_mnist
from camrec.preprocess import Preprocessed
from camrec.segment import Segments

_K3 = np.ones((3, 3), np.uint8)


@dataclass
class Crops:
    images: np.ndarray  # (n,28,28) float32 white-on-black in [0,1]
    fill: np.ndarray  # (n,) ink pixels / box area
    stroke: np.ndarray  # (n,) stroke width / box height (before adjustment)
    frame: np.ndarray  # (n,) bool: ink along all four sides of a squarish box (a drawn box, a shape's rim)
    surround: np.ndarray  # (n,) mean ink contrast around the box (a ring one box-height wide) / threshold
    surround_own: np.ndarray  # (n,) the same ring contrast / the region's own mean ink contrast


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in px: 2 * area / perimeter (a thin line of width w has that ratio)."""
    area = float(mask.sum())
    if area == 0:
        return 0.0
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    edge = padded & (1 - cv2.erode(padded, _K3))
    return 2.0 * area / max(float(edge.sum()), 1.0)


class CropNormalizer:
    """``run(pre, segments) -> Crops``; also ``one(mask, ink)`` for split pieces."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def one(self, mask: np.ndarray, ink: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """A 0/1 mask (and optional soft ink of the same shape) -> (28x28 crop, relative stroke width)."""
        cfg = self.config
        mask = mask.astype(np.uint8)
        h = max(mask.shape[0], mask.shape[1] * 0.6)  # a wide piece: size by what a digit's height would be
        sw = stroke_width(mask)
        rel = sw / max(h, 1.0)
        soft = mask.astype(np.float32) if ink is None else ink
        target = cfg.mnist_stroke * h
        if rel < cfg.mnist_stroke / cfg.stroke_tolerance:
            r = int(round((target - sw) / 2))
            if r >= 1:
                pad = r + 1
                soft = cv2.copyMakeBorder(soft, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
                soft = cv2.dilate(soft, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
        elif rel > cfg.mnist_stroke * cfg.stroke_tolerance:
            r = int(min(round((sw - target) / 2), sw / 3))
            if r >= 1:
                eroded = cv2.erode(soft, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
                if eroded.max() > 0:
                    soft = eroded
        return to_mnist(soft), rel

    def run(self, pre: Preprocessed, segments: Segments) -> Crops:
        n = len(segments)
        images = np.zeros((n, SIZE, SIZE), np.float32)
        fill = np.zeros(n, np.float32)
        stroke = np.zeros(n, np.float32)
        frame = np.zeros(n, bool)
        surround = np.zeros(n, np.float32)
        surround_own = np.zeros(n, np.float32)
        H, W = pre.contrast.shape
        for i in range(n):
            mask, x0, y0 = segments.mask(i)
            h, w = mask.shape
            roi = pre.contrast[y0:y0 + h, x0:x0 + w]
            # soft ink: contrast saturating at the typical stroke level, only on this region's pixels
            vals = roi[mask.astype(bool)]
            sat = float(vals.mean()) if vals.size else 255.0
            near = cv2.dilate(mask, _K3)
            ink = np.minimum(roi.astype(np.float32) / max(sat, 1.0), 1.0) * near
            images[i], stroke[i] = self.one(mask, ink)
            fill[i] = float(mask.sum()) / max(h * w, 1)
            if w >= 0.8 * h and min(h, w) >= 6:
                b = max(1, min(h, w) // 12)
                sides = (mask[:b].any(0).mean(), mask[-b:].any(0).mean(),
                         mask[:, :b].any(1).mean(), mask[:, -b:].any(1).mean())
                frame[i] = min(sides) > 0.85
            # texture test: mean contrast in a ring one box-height wide around the box
            m = h
            win = pre.contrast[max(0, y0 - m):min(H, y0 + h + m), max(0, x0 - m):min(W, x0 + w + m)]
            ring_sum = float(cv2.sumElems(win)[0]) - float(cv2.sumElems(roi)[0])
            ring_n = max(win.size - roi.size, 1)
            surround[i] = ring_sum / ring_n / 255.0 / max(pre.threshold, 1e-3)
            surround_own[i] = ring_sum / ring_n / max(sat, 1.0)
        return Crops(images, fill, stroke, frame, surround, surround_own)
