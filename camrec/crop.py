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
_MORPH_SIDE = 64  # (see _shrunk)
_DISKS: dict[int, np.ndarray] = {}


def _disk(r: int) -> np.ndarray:
    """The (2r+1)x(2r+1) elliptic structuring element, cached."""
    k = _DISKS.get(r)
    if k is None:
        k = _DISKS[r] = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return k


@dataclass
class Crops:
    images: np.ndarray  # (n,28,28) float32 white-on-black in [0,1]
    fill: np.ndarray  # (n,) ink pixels / box area
    stroke: np.ndarray  # (n,) stroke width / box height (before adjustment)
    frame: np.ndarray  # (n,) bool: ink along all four sides of a squarish box (a drawn box, a shape's rim)
    surround: np.ndarray  # (n,) mean ink contrast above or below the box (the cleaner band) / threshold
    surround_own: np.ndarray  # (n,) the same band contrast / the region's own mean ink contrast
    needed: np.ndarray | None = None  # (n,) bool: the crop can matter; False: a drawn frame or a box in
    # texture (rejected whatever the classifier says) that is not thin enough to count as a '1' of a
    # broken line: its image is left blank and it need not be classified


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in px: 2 * area / perimeter (a thin line of width w has that ratio)."""
    mask = np.asarray(mask, np.uint8)
    area = float(cv2.countNonZero(mask))
    if area == 0:
        return 0.0
    # edge pixels: ink whose 3x3 neighbourhood (zero outside the mask) is not all ink; the erosion
    # (zero border) lies inside the mask, so their count is area minus what survives it
    inner = cv2.countNonZero(cv2.erode(mask, _K3, borderType=cv2.BORDER_CONSTANT, borderValue=0))
    return 2.0 * area / max(area - inner, 1.0)


def _shrunk(soft: np.ndarray, r: int, side: int = _MORPH_SIDE) -> tuple[np.ndarray, int]:
    """A big crop and its stroke-adjusting radius, scaled together so its longer side is about
    ``side`` px: the crop ends up 20 px tall anyway, and a disk of radius r costs O(r^2) per pixel, so
    adjusting a 200 px digit at full size cost milliseconds. The scale keeps the radius a whole number."""
    h, w = soft.shape
    if max(h, w) <= side or r < 2:
        return soft, r
    r_small = max(1, int(round(r * side / max(h, w))))
    f = r_small / r
    if f >= 0.8:
        return soft, r
    size = (max(1, int(round(w * f))), max(1, int(round(h * f))))
    return cv2.resize(soft, size, interpolation=cv2.INTER_AREA), r_small


def _inside(mask: np.ndarray, x: int, y: int, margin: int) -> bool:
    """Is the square ``margin`` px around (x, y) inside ``mask``? For a convex mask (a sheet's hull) its
    four corners tell. (The sheet mask reaches a little beyond the sheet: twice that is well inside.)"""
    H, W = mask.shape
    xs = (max(0, x - margin), min(W - 1, x + margin))
    ys = (max(0, y - margin), min(H - 1, y + margin))
    return all(mask[yy, xx] for yy in ys for xx in xs)


def _sides_covered(mask: np.ndarray, b: int, frac: float) -> bool:
    """Does ink within ``b`` px of each of the four sides cover more than ``frac`` of that side?"""
    h, w = mask.shape
    for strip, axis, n in ((mask[:b], 0, w), (mask[-b:], 0, w), (mask[:, :b], 1, h), (mask[:, -b:], 1, h)):
        if not np.count_nonzero(strip.any(axis)) / n > frac:
            return False
    return True


def _stroke_level(roi: np.ndarray, mask: np.ndarray, count: int) -> float:
    """The region's mean ink contrast (its stroke level; 255 for an empty mask of ``count`` 0)."""
    return float(cv2.mean(roi, mask)[0]) if count else 255.0


def _soft_ink(roi: np.ndarray, mask: np.ndarray, sat: float) -> np.ndarray:
    """The region's soft ink: contrast saturating at its stroke level ``sat``, on the region's pixels and
    the one-pixel ring around them."""
    ink = roi.astype(np.float32)
    ink /= max(sat, 1.0)
    np.minimum(ink, 1.0, out=ink)
    ink *= cv2.dilate(mask, _K3)
    return ink


class CropNormalizer:
    """``run(pre, segments) -> Crops``; also ``one(mask, ink)`` for split pieces."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def one(self, mask: np.ndarray, ink: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """A 0/1 mask (and optional soft ink of the same shape) -> (28x28 crop, relative stroke width)."""
        cfg = self.config
        mask = np.asarray(mask, np.uint8)
        h = max(mask.shape[0], mask.shape[1] * 0.6)  # a wide piece: size by what a digit's height would be
        sw = stroke_width(mask)
        rel = sw / max(h, 1.0)
        soft = mask.astype(np.float32) if ink is None else ink
        target = cfg.mnist_stroke * h
        if rel < cfg.mnist_stroke / cfg.stroke_tolerance:
            r = int(round((target - sw) / 2))
            if r >= 1:
                soft, r = _shrunk(soft, r)
                pad = r + 1
                soft = cv2.copyMakeBorder(soft, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
                soft = cv2.dilate(soft, _disk(r))
        elif rel > cfg.mnist_stroke * cfg.stroke_tolerance:
            r = int(min(round((sw - target) / 2), sw / 3))
            if r >= 1:
                small, r = _shrunk(soft, r)
                eroded = cv2.erode(small, _disk(r))
                if eroded.max() > 0:
                    soft = eroded
        return to_mnist(soft), rel

    def piece(self, pre: Preprocessed, mask: np.ndarray, x0: int, y0: int) -> np.ndarray:
        """The 28x28 crop of a piece of a region (a split's piece: its 0/1 mask, top-left corner at
        (x0, y0) of the working image), from its soft ink as :meth:`run` takes it: a blurred print's
        pieces read as sure as whole digits do, where their binary masks did not."""
        mask = np.asarray(mask, np.uint8)
        roi = pre.contrast[y0:y0 + mask.shape[0], x0:x0 + mask.shape[1]]
        count = cv2.countNonZero(mask)
        ink = _soft_ink(roi, mask, _stroke_level(roi, mask, count)) if count else None
        return self.one(mask, ink)[0]

    def run(self, pre: Preprocessed, segments: Segments) -> Crops:
        n = len(segments)
        images = np.zeros((n, SIZE, SIZE), np.float32)
        fill = np.zeros(n, np.float32)
        stroke = np.zeros(n, np.float32)
        frame = np.zeros(n, bool)
        surround = np.zeros(n, np.float32)
        surround_own = np.zeros(n, np.float32)
        needed = np.ones(n, bool)
        cfg = self.config
        H, W = pre.contrast.shape
        page = pre.page
        for i in range(n):
            mask, x0, y0 = segments.mask(i)
            h, w = mask.shape
            roi = pre.contrast[y0:y0 + h, x0:x0 + w]
            count = cv2.countNonZero(mask)
            sat = _stroke_level(roi, mask, count)
            fill[i] = float(count) / max(h * w, 1)
            if w >= 0.8 * h and min(h, w) >= 6:
                b = max(1, min(h, w) // 12)
                frame[i] = _sides_covered(mask, b, 0.85)
            # texture test: mean contrast in the bands one box-height tall above and below the box, the
            # cleaner of the two: texture (wood grain, a security pattern) is inky on both sides, while a
            # paper edge, a line of text or a rule is on one side only (and neighbours left and right are
            # not looked at: they are the other digits of a number)
            m = h
            xa, xb = max(0, x0 - m), min(W, x0 + w + m)
            ya, yb = max(0, y0 - m), min(H, y0 + h + m)
            above = pre.contrast[ya:y0, xa:xb]
            below = pre.contrast[y0 + h:yb, xa:xb]
            if page is None or not _inside(page, x0 + w // 2, y0 + h // 2, 20):
                means = [float(cv2.mean(b)[0]) for b in (above, below) if b.size >= 0.25 * m * (xb - xa)]
            else:  # well inside a sheet on a busy desk, the desk is not the digit's surroundings: only the
                # sheet's part of the bands counts (a stroke at the sheet's edge is judged on both)
                means = []
                for b, pm in ((above, page[ya:y0, xa:xb]), (below, page[y0 + h:yb, xa:xb])):
                    if b.size and cv2.countNonZero(pm) >= 0.25 * m * (xb - xa):
                        means.append(float(cv2.mean(b, pm)[0]))
            ring = min(means) if means else 0.0
            surround[i] = ring / 255.0 / max(pre.threshold, 1e-3)
            surround_own[i] = ring / max(sat, 1.0)
            texture = max(surround[i] / cfg.max_surround, surround_own[i] / cfg.max_surround_own)
            if (frame[i] or texture > 1.0) and np.float32(w) > np.float32(0.4) * np.float32(h):  # as Rejecter
                needed[i] = False
                continue
            # soft ink: contrast saturating at the typical stroke level, only on this region's pixels
            images[i], stroke[i] = self.one(mask, _soft_ink(roi, mask, sat))
        return Crops(images, fill, stroke, frame, surround, surround_own, needed)


def _thin_boxes(xyxy: np.ndarray, thin: float, clip_to: tuple[int, int] | None = None) -> list:
    """[(index, (x0, y0, x1, y1)), ...] of the 1-like boxes: rounded to whole pixels (first clipped to
    an (H, W) frame when ``clip_to`` is given), at least 6 px tall and at most ``thin`` x as wide as
    tall. Chosen at once: most boxes of a frame are not thin, and are not looked at one by one."""
    b = np.rint(xyxy).astype(np.int64)
    if clip_to is not None:
        H, W = clip_to
        b[:, :2] = np.maximum(b[:, :2], 0)
        b[:, 2] = np.minimum(b[:, 2], W)
        b[:, 3] = np.minimum(b[:, 3], H)
    h, w = b[:, 3] - b[:, 1], b[:, 2] - b[:, 0]
    keep = np.flatnonzero((h >= 6) & (w > 0) & (w <= thin * h))
    return list(zip(keep.tolist(), b[keep].tolist()))


def line_continuation(pre: Preprocessed, xyxy: np.ndarray, reach: float = 0.6, thin: float = 0.4) -> np.ndarray:
    """How far a thin, 1-like box's stroke runs on beyond both of its ends: per box, the smaller over
    its two ends of the share of points along the stroke's own slant, out to ``reach`` x its height,
    where the contrast map still shows ink (half the ink threshold). A written 1 ends on paper (near 0);
    a piece of a long faint line, a paper edge or a margin rule that thresholding broke up runs on
    (near 1). Boxes wider than ``thin`` x their height, and ends beyond the frame, give 0."""
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    out = np.zeros(len(xyxy), np.float32)
    H, W = pre.binary.shape
    level = 0.5 * pre.threshold * 255.0
    for i, (x0, y0, x1, y1) in _thin_boxes(xyxy, thin, (H, W)):
        h = y1 - y0
        roi = pre.binary[y0:y1, x0:x1]
        k = max(1, h // 6)
        cols = np.arange(x0, x1, dtype=np.float32)
        ends = []
        for part in (roi[:k], roi[-k:]):
            weight = part.sum(0, dtype=np.float32)
            ends.append(float((cols * weight).sum() / weight.sum()) if weight.sum() else (x0 + x1 - 1) / 2)
        slope = (ends[1] - ends[0]) / max(h - k, 1)  # x change per row down the stroke
        steps = np.arange(1, int(reach * h) + 1, dtype=np.float32)
        shares = []
        for y_start, x_start, sign in ((y0 - 1, ends[0], -1), (y1, ends[1], 1)):
            ys = (y_start + sign * (steps - 1)).astype(np.int64)
            xs = np.rint(x_start + sign * slope * steps).astype(np.int64)
            if ys.min() < 0 or ys.max() >= H or xs.min() < 1 or xs.max() >= W - 1:
                shares.append(0.0)  # runs off the frame: cannot tell
                continue
            near = np.maximum(np.maximum(pre.contrast[ys, xs - 1], pre.contrast[ys, xs]), pre.contrast[ys, xs + 1])
            shares.append(float((near >= level).mean()))
        out[i] = min(shares)
    return out


def _quantile(a: np.ndarray, q: float) -> float:
    """The ``q`` % order statistic of a small array (np.percentile costs ~20 us a call)."""
    flat = a.ravel()
    k = min(len(flat) - 1, int(len(flat) * q / 100))
    return float(np.partition(flat, k)[k])


def side_step(pre: Preprocessed, xyxy: np.ndarray, thin: float = 0.4) -> np.ndarray:
    """For thin, 1-like boxes: how different the two sides are, |left - right| / brighter (the paper's
    gray level, an upper quartile, in a strip a quarter of the box height wide on each side). A stroke has the same paper on both sides
    (near 0); the edge of a sheet against the desk, or of a shadow, has paper on one side only. Other
    boxes, and boxes with under 2 px of frame on a side, give 0 (near the frame's border a strip is
    as wide as the frame allows: a sheet's corner often lies there)."""
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    out = np.zeros(len(xyxy), np.float32)
    H, W = pre.gray.shape
    q = 75 if pre.dark_ink else 25  # the paper's level: a neighbouring digit's ink in a strip does not count
    for i, (x0, y0, x1, y1) in _thin_boxes(xyxy, thin):
        d = max(2, (y1 - y0) // 4)
        xa, xb = max(0, x0 - d - 1), min(W, x1 + d + 1)
        if x0 - 1 - xa < 2 or xb - x1 - 1 < 2 or y0 < 0 or y1 > H:
            continue
        left = _quantile(pre.gray[y0:y1, xa:x0 - 1], q)
        right = _quantile(pre.gray[y0:y1, x1 + 1:xb], q)
        out[i] = abs(left - right) / max(left, right, 1.0)
    return out


def sheet_edge(pre: Preprocessed, xyxy: np.ndarray, reach: float = 0.5, thin: float = 0.4) -> np.ndarray:
    """For thin, 1-like boxes on a sheet that stands out from the desk: 1.0 where the box lies on the
    sheet's outline (the sheet mask ends within ``reach`` x its height of the box, left, right, above or
    below), else 0. A piece of the sheet's edge against the desk is no 1; a digit sits inside the sheet,
    clear of its edge (the mask reaches a little beyond the paper). Points beyond the frame do not count."""
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    out = np.zeros(len(xyxy), np.float32)
    if pre.sheet is None:
        return out
    H, W = pre.sheet.shape
    for i, (x0, y0, x1, y1) in _thin_boxes(xyxy, thin, clip_to=(H, W)):
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        if not pre.sheet[min(cy, H - 1), min(cx, W - 1)]:
            continue
        r = int(round(reach * (y1 - y0)))
        points = ((x0 - r, cy), (x1 + r, cy), (cx, y0 - r), (cx, y1 + r))
        if any(0 <= x < W and 0 <= y < H and not pre.sheet[y, x] for x, y in points):
            out[i] = 1.0
    return out

