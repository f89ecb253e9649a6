"""Big glyphs: one digit held up to the camera, filling much of the frame (layer 1).

The pipeline's size limits are relative to the frame (a digit at most
``max_digit_frac`` of its shorter side, strokes at most ``max_stroke_frac``),
which is right for pages and plates but loses the digit a person holds close
to a webcam: it is too tall for a candidate, and its marker strokes are wider
than the background estimate, which then takes their middle for paper.

:class:`BigGlyphs` looks for such glyphs alone, on a copy of the gray frame
about ``big_glyph_side`` px on its shorter side (a few thousand pixels: the
look costs about 0.1 ms when there is nothing to find): background by a
closing as wide as half that side, relative ink contrast, Otsu's threshold (at
least ``min_contrast``), and the connected pieces that could be one dark
glyph: at least 0.3 of the shorter side and at most 0.95 of the height tall,
inside the frame (a sheet's edge or a shadow touches its border), of a digit's
proportions, strokes rather than a filled shape, on clean paper (no other ink
around it, the same background on both sides). Dark on light only: light on
dark, a sheet on a dark desk would be a big glyph too. Their MNIST crops are
returned for the classifier; the pipeline keeps those it reads surely
(``big_glyph_confidence``) as digits and that no digit of the frame's own
pass overlaps.

Pure computation: no windows, files or clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camrec.config import PipelineConfig
from camrec.normalize import SIZE, to_mnist
from camrec.preprocess import ink_contrast


@dataclass
class BigCandidates:
    xyxy: np.ndarray  # (k,4) float32, frame coordinates of the gray image given
    crops: np.ndarray  # (k,28,28) float32 MNIST crops


def _none() -> BigCandidates:
    return BigCandidates(np.zeros((0, 4), np.float32), np.zeros((0, SIZE, SIZE), np.float32))


class BigGlyphs:
    """``find(gray) -> BigCandidates``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def find(self, gray: np.ndarray) -> BigCandidates:
        cfg = self.config
        h, w = gray.shape[:2]
        step = min(h, w) // max(cfg.big_glyph_side, 1)
        if step < 2:  # (a small frame: its own pass sees every size)
            return _none()
        # (a point sample of 2x2 pixels per cell: an area average costs 0.2-0.8 ms here, and strokes this
        # wide need none)
        small = cv2.resize(gray, (w // step, h // step), interpolation=cv2.INTER_LINEAR)
        # dark ink only, as on paper, whatever the frame's polarity test said (it looks at thin strokes,
        # and a glyph this big has none)
        return self._find(small, step)

    def _find(self, small: np.ndarray, step: int) -> BigCandidates:
        """Big dark glyphs on ``small`` (the downscaled gray frame, ``step`` px per pixel)."""
        cfg = self.config
        none = _none()
        sh, sw = small.shape
        side = min(sh, sw)
        k = int(side // 2) | 1
        # background: a closing wider than any stroke of a glyph up to the frame's height
        background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)),
                                      borderType=cv2.BORDER_REPLICATE)
        _, contrast = ink_contrast(background, small)
        t, _ = cv2.threshold(contrast, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        t = max(t, cfg.min_contrast * 255.0)
        binary = cv2.threshold(contrast, t, 1, cv2.THRESH_BINARY)[1]
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        if n < 2:
            return none
        x, y, bw, bh, area = (stats[1:, i] for i in range(5))
        ok = ((bh >= 0.3 * side) & (bh <= 0.95 * sh) & (x > 0) & (y > 0) & (x + bw < sw) & (y + bh < sh)
              & (bw >= 0.08 * bh) & (bw <= 1.2 * bh) & (area <= 0.7 * bw * bh))
        ids = np.flatnonzero(ok) + 1
        if not len(ids):
            return none
        # a glyph held up stands on clean paper: around it (half its height each way) there is no ink but
        # its own and its fellow glyphs' (a margin rule or a sheet's edge runs through text or desk)
        other = cv2.subtract(binary, np.isin(labels, ids).view(np.uint8))
        xyxy, crops = [], []
        for i in ids.tolist():
            x0, y0, ww, hh = (int(v) for v in stats[i, :4])
            m = hh // 2
            ring = other[max(0, y0 - m):y0 + hh + m, max(0, x0 - m):x0 + ww + m]
            if cv2.countNonZero(ring) > cfg.big_glyph_clutter * ring.size:
                continue
            # and paper on both sides: left and right of it the same background (an edge has two)
            s = max(2, ww // 2)
            left = background[y0:y0 + hh, max(0, x0 - s):x0]
            right = background[y0:y0 + hh, x0 + ww:x0 + ww + s]
            if not (left.size and right.size):
                continue
            lm, rm = float(left.mean()), float(right.mean())
            if abs(lm - rm) > 0.3 * max(lm, rm, 1.0):
                continue
            mask = labels[y0:y0 + hh, x0:x0 + ww] == i
            crops.append(to_mnist(np.where(mask, contrast[y0:y0 + hh, x0:x0 + ww], 0).astype(np.float32)))
            xyxy.append([x0 * step, y0 * step, (x0 + ww) * step, (y0 + hh) * step])
        if not xyxy:
            return none
        return BigCandidates(np.float32(xyxy), np.stack(crops))
