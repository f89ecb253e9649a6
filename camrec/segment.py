"""Segment: binary ink -> digit-sized regions (layer 1).

* connected components of the binary ink (8-connectivity), noise dropped;
* **ruled lines / grids**: straight runs longer than ``line_factor`` x the
  median digit height are erased (only inside components that large, so a
  1 or a 7 is never touched by a short kernel);
* **containers** (cheque boxes, form cells): a component whose four bbox
  edges are all ink is a frame; its edge rows/columns are stripped and what is
  inside is looked at as new components;
* **merge** broken strokes: a piece clearly smaller than its neighbour (height
  below ``fragment_height`` of it) joins it when the gap is small and the
  union still has a digit's proportions (height capped relative to the median
  digit, width/height <= ``merge_max_aspect``). Two full-size digits never
  merge, so a column of digits is never chained;
* what is too small to be a digit is kept as a *mark* (candidate separator
  ``- . , /`` for the group stage).

:class:`Splitter` cuts boxes much wider than a digit at column-projection
minima and keeps the cut the classifier is most sure of; it takes the
scoring function as an argument so the stage stays pure.

All sizes are relative to the median digit height except the absolute floor
``min_digit_height``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from camrec.config import PipelineConfig
from camrec.preprocess import Preprocessed

MAX_COMPONENTS = 4000


@dataclass
class Segments:
    """Candidate digit regions at the working resolution."""

    xyxy: np.ndarray  # (n,4) float32, x1/y1 exclusive
    members: list[np.ndarray]  # per region: the component labels it is made of
    labels: np.ndarray  # int32 component label image
    marks: np.ndarray  # (m,4) float32 boxes of small non-digit pieces (separator candidates)
    median_height: float
    # Optional explicit pixel masks (set for split pieces): region index -> (mask, x0, y0)
    masks: dict[int, tuple[np.ndarray, int, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.xyxy)

    def mask(self, i: int) -> tuple[np.ndarray, int, int]:
        """(uint8 0/1 mask of region i's ink inside its box, x0, y0)."""
        if i in self.masks:
            return self.masks[i]
        x0, y0, x1, y1 = (int(v) for v in self.xyxy[i])
        roi = self.labels[y0:y1, x0:x1]
        m = self.members[i]
        mask = (roi == m[0]) if len(m) == 1 else np.isin(roi, m)
        return mask.astype(np.uint8), x0, y0


def _components(binary: np.ndarray):
    """Labels and stats; 16-bit labels are 3x faster in OpenCV 5 (32-bit when there are too many)."""
    try:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_16U)
        if n < 65000:
            return n, labels, stats
    except cv2.error:
        pass
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_32S)
    return n, labels, stats


def _median_height(stats: np.ndarray, lo: float, hi: float) -> float:
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    ok = (h >= lo) & (h <= hi) & (w <= 1.5 * h) & (w >= 0.08 * h)
    if not ok.any():
        ok = (h >= lo) & (h <= hi)  # only wide things (touching digits, words): their height still tells
    if not ok.any():
        return float(2 * lo)
    return float(np.median(h[ok]))


class Segmenter:
    """``run(pre) -> Segments``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def run(self, pre: Preprocessed) -> Segments:
        cfg = self.config
        binary = pre.binary
        H, W = binary.shape
        min_h = cfg.min_digit_height
        max_h = max(min_h + 1, cfg.max_digit_frac * min(H, W))
        n, labels, stats = _components(binary)
        med = _median_height(stats, min_h, max_h)

        # ---- long ruled lines, only inside components long enough to hold one
        line_len = max(int(cfg.line_factor * med), 4 * min_h)
        big = np.flatnonzero((stats[1:, cv2.CC_STAT_WIDTH] > line_len)
                             | (stats[1:, cv2.CC_STAT_HEIGHT] > line_len)) + 1
        if len(big):
            binary = binary.copy()
            removed = False
            for i in big:
                x, y, w, h = stats[i, :4]
                roi_lab = labels[y:y + h, x:x + w]
                mask = (roi_lab == i).astype(np.uint8)
                lines = np.zeros_like(mask)
                if w > line_len:
                    thick = cv2.dilate(mask, np.ones((5, 1), np.uint8))
                    lines |= cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, line_len), np.uint8))
                if h > line_len:
                    thick = cv2.dilate(mask, np.ones((1, 5), np.uint8))
                    lines |= cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((line_len, 1), np.uint8))
                lines &= mask
                if lines.any():
                    # widen a little so the line's anti-aliased fringe goes too
                    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8)) & mask
                    roi = binary[y:y + h, x:x + w]
                    roi[lines.astype(bool)] = 0
                    removed = True
                elif (h > max_h * 1.2) or (w > 6 * max_h):
                    binary[y:y + h, x:x + w][mask.astype(bool)] = 0  # a huge blob: not digits
                    removed = True
            if removed:
                n, labels, stats = _components(binary)

        # ---- containers (boxes around digits): strip the frame, look inside
        n_before = len(stats)
        stats = self._open_containers(labels, stats, med, max_h)
        if len(stats) != n_before or (stats[1:, 4] == 0).any():
            med = _median_height(stats, min_h, max_h)

        # ---- candidate pieces
        st = stats[1:]
        ids = np.arange(1, len(stats))
        x0, y0 = st[:, 0].astype(np.float32), st[:, 1].astype(np.float32)
        w, h, area = st[:, 2].astype(np.float32), st[:, 3].astype(np.float32), st[:, 4].astype(np.float32)
        alive = (np.maximum(w, h) >= max(2.0, 0.15 * min_h)) & (area >= 3) & (h <= max_h) & (w > 0)
        if alive.sum() > MAX_COMPONENTS:
            order = np.argsort(-area * alive)
            alive[:] = False
            alive[order[:MAX_COMPONENTS]] = True
        keep = np.flatnonzero(alive)
        boxes = np.stack([x0, y0, x0 + w, y0 + h], 1)[keep]
        areas = area[keep]
        members = [[int(ids[k])] for k in keep]

        boxes, members, areas = self._merge(boxes, members, areas, med)

        bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        digit = (bh >= min_h) & (bh <= max_h) & (bw >= cfg.min_aspect * bh) & (bw <= 4.5 * bh)
        # Digit-sized but much shorter than the line it sits on: treated as a mark too.
        if digit.any():
            med2 = float(np.median(bh[digit]))
            digit &= bh >= 0.45 * med2
        else:
            med2 = med
        # clutter: real digits stand on a fairly clean background; in texture (wood grain, fabric,
        # security-paper patterns) the ink density around a candidate (3x its box) is high
        if digit.any() and cfg.max_clutter < 1.0:
            for i in np.flatnonzero(digit):
                x0, y0, x1, y1 = (int(v) for v in boxes[i])
                w_, h_ = x1 - x0, y1 - y0
                win = binary[max(0, y0 - h_):y1 + h_, max(0, x0 - w_):x1 + w_]
                if cv2.countNonZero(win) > cfg.max_clutter * win.size:
                    digit[i] = False
        mark = ~digit & (np.maximum(bw, bh) >= 2)
        return Segments(xyxy=boxes[digit].astype(np.float32),
                        members=[np.asarray(members[i], np.int32) for i in np.flatnonzero(digit)],
                        labels=labels, marks=boxes[mark].astype(np.float32), median_height=med2)

    # ------------------------------------------------------------------ helpers
    def _open_containers(self, labels: np.ndarray, stats: np.ndarray, med: float, max_h: float) -> np.ndarray:
        """Frames around digits: strip their border, add what is inside as new components."""
        st = stats[1:]
        w, h, area = st[:, 2], st[:, 3], st[:, 4]
        cand = np.flatnonzero((h >= 0.8 * med) & (w >= 0.5 * med) & (h <= 1.3 * max_h)
                              & (area < 0.6 * w * h) & (np.minimum(w, h) >= 8)) + 1
        new_stats = [stats]
        next_id = len(stats)
        for i in cand:
            x, y, bw, bh = (int(v) for v in stats[i, :4])
            roi_lab = labels[y:y + bh, x:x + bw]
            # cheap test on the four edge strips first (most candidates are plain digits)
            if min((roi_lab[:2] == i).any(0).mean(), (roi_lab[-2:] == i).any(0).mean(),
                   (roi_lab[:, :2] == i).any(1).mean(), (roi_lab[:, -2:] == i).any(1).mean()) < 0.6:
                continue
            mask = roi_lab == i
            rows, cols = mask.mean(1), mask.mean(0)
            inner = mask.copy()
            lim_r, lim_c = max(2, bh // 6), max(2, bw // 6)
            top = 0
            while top < lim_r and rows[top] > 0.45:
                top += 1
            bot = bh
            while bot > bh - lim_r and rows[bot - 1] > 0.45:
                bot -= 1
            left = 0
            while left < lim_c and cols[left] > 0.45:
                left += 1
            right = bw
            while right > bw - lim_c and cols[right - 1] > 0.45:
                right -= 1
            pad = 1
            inner[: top + pad] = False
            inner[bot - pad:] = False
            inner[:, : left + pad] = False
            inner[:, right - pad:] = False
            roi_lab[mask] = 0  # the frame is gone
            stats[i, 2:5] = 0
            if not inner.any():
                continue
            k, sub, sub_stats, _ = cv2.connectedComponentsWithStats(inner.astype(np.uint8), connectivity=8,
                                                                    ltype=cv2.CV_32S)
            if next_id + k >= np.iinfo(labels.dtype).max:
                continue
            for j in range(1, k):
                roi_lab[sub == j] = next_id
                s = sub_stats[j].copy()
                s[0] += x
                s[1] += y
                new_stats.append(s[None, :])
                next_id += 1
        return np.concatenate(new_stats) if len(new_stats) > 1 else stats

    def _merge(self, boxes: np.ndarray, members: list[list[int]], areas: np.ndarray, med: float):
        """Join fragments into their neighbour when the union still looks like one digit."""
        cfg = self.config
        n = len(boxes)
        if n < 2:
            return boxes, members, areas
        boxes = boxes.copy()
        alive = np.ones(n, bool)
        # quick all-pairs screen: only a piece near a clearly taller one can ever merge
        hh = boxes[:, 3] - boxes[:, 1]
        gx = np.maximum(0, np.maximum(boxes[None, :, 0] - boxes[:, None, 2], boxes[:, None, 0] - boxes[None, :, 2]))
        gy = np.maximum(0, np.maximum(boxes[None, :, 1] - boxes[:, None, 3], boxes[:, None, 1] - boxes[None, :, 3]))
        reach = np.maximum(hh[:, None], hh[None, :]) * max(cfg.merge_gap, 0.12) * 1.4 + 1
        possible = ((gx + gy) <= reach) & (hh[:, None] < 0.92 * hh[None, :])
        # a merge grows its target, which may then reach further: pieces near any possible target stay in
        maybe = possible.any(1)
        order = np.argsort(areas)
        for p in order:
            if not alive[p] or not maybe[p]:
                continue
            bp = boxes[p]
            hp, wp = bp[3] - bp[1], bp[2] - bp[0]
            if hp >= 1.2 * med:
                continue
            others = alive.copy()
            others[p] = False
            cand = np.flatnonzero(others)
            if not len(cand):
                break
            bt = boxes[cand]
            ht = bt[:, 3] - bt[:, 1]
            wt = bt[:, 2] - bt[:, 0]
            ux0 = np.minimum(bt[:, 0], bp[0])
            uy0 = np.minimum(bt[:, 1], bp[1])
            ux1 = np.maximum(bt[:, 2], bp[2])
            uy1 = np.maximum(bt[:, 3], bp[3])
            uh, uw = uy1 - uy0, ux1 - ux0
            gx = np.maximum(0, np.maximum(bt[:, 0] - bp[2], bp[0] - bt[:, 2]))
            gy = np.maximum(0, np.maximum(bt[:, 1] - bp[3], bp[1] - bt[:, 3]))
            xover = np.minimum(bt[:, 2], bp[2]) - np.maximum(bt[:, 0], bp[0])
            yover = np.minimum(bt[:, 3], bp[3]) - np.maximum(bt[:, 1], bp[1])
            fragment = (hp < cfg.fragment_height * ht) & (areas[p] < 0.9 * areas[cand] + 1)
            shape_ok = (uw <= cfg.merge_max_aspect * uh) & (uh <= 1.35 * np.maximum(med, ht)) & (uh >= 0.5 * med)
            # a round dot clearly apart from the stroke below/above it is the dot of i, j, ! or ?: not merged
            dot = (max(wp, hp) <= 0.3 * uh) & (wp <= 2 * hp) & (hp <= 2 * wp) & (gy > 0.05 * uh)
            stacked = (xover >= 0.3 * np.minimum(wp, wt)) & (gy <= cfg.merge_gap * uh) & (gx == 0) & ~dot
            beside = ((yover >= 0.3 * hp) & (gx <= 0.12 * uh) & (hp >= 0.4 * ht)
                      & (wp <= 1.2 * hp + 2))
            inside = (xover >= 0.8 * wp) & (yover >= 0.8 * hp)
            # two nearly touching parts of one glyph (a 4 drawn in two strokes): too narrow together for two digits
            halves = ((yover >= 0.6 * np.minimum(hp, ht)) & (gx <= 0.06 * uh) & (hp < 0.92 * ht)
                      & (uw <= 0.75 * uh) & (uh <= 1.3 * np.maximum(hp, ht)))
            ok = (fragment & shape_ok & (stacked | beside | inside)) | (halves & shape_ok)
            if not ok.any():
                continue
            dist = gx + gy
            dist = np.where(ok, dist, np.inf)
            t = cand[int(np.argmin(dist))]
            boxes[t] = [min(boxes[t, 0], bp[0]), min(boxes[t, 1], bp[1]),
                        max(boxes[t, 2], bp[2]), max(boxes[t, 3], bp[3])]
            members[t] = members[t] + members[p]
            areas[t] += areas[p]
            alive[p] = False
        keep = np.flatnonzero(alive)
        return boxes[keep], [members[i] for i in keep], areas[keep]


@dataclass
class Split:
    """The outcome of :meth:`Splitter.split` for the wide regions."""

    region: int  # index into the Segments
    pieces: np.ndarray  # (k,4) xyxy of the pieces
    crops: np.ndarray  # (k,28,28)
    probs: np.ndarray  # (k,C)


class Splitter:
    """``split(segments, wide, unsplit_conf, crop_fn, score_fn) -> list[Split]``.

    For each wide region: candidate cuts at minima of the column ink
    projection for 2-4 pieces; all pieces of all candidates are scored in ONE
    call of ``score_fn((m,28,28)) -> (m,C) probabilities``; a candidate's
    score is its weakest piece's top digit probability; the best candidate
    replaces the region when it beats the unsplit confidence.
    """

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    @staticmethod
    def cut_candidates(mask: np.ndarray, height: float) -> list[list[int]]:
        """Lists of cut columns (2-4 pieces) at ink-projection minima."""
        w = mask.shape[1]
        prof = mask.sum(0).astype(np.float32)
        if w >= 5:
            prof = np.convolve(prof, np.float32([1, 2, 1]) / 4, mode="same")
        n_est = int(np.clip(round(w / (0.65 * max(height, 1))), 2, 4))
        out: list[list[int]] = []
        for n in sorted({max(2, n_est - 1), n_est, min(4, n_est + 1)}):
            step = w / n
            cuts = []
            for j in range(1, n):
                c = j * step
                lo, hi = int(max(1, c - 0.35 * step)), int(min(w - 1, c + 0.35 * step))
                if hi <= lo:
                    break
                seg = prof[lo:hi]
                # lowest projection; ties broken towards the expected position
                pen = seg + 1e-3 * np.abs(np.arange(lo, hi) - c)
                cuts.append(lo + int(np.argmin(pen)))
            if len(cuts) == n - 1:
                out.append(cuts)
            if n == 2:  # two more alternatives for the common case
                lo, hi = int(0.2 * w), int(0.8 * w)
                if hi - lo > 3:
                    seg = prof[lo:hi]
                    for c in np.argsort(seg, kind="stable")[:6]:
                        cc = lo + int(c)
                        if all(abs(cc - k[0]) > 2 for k in out if len(k) == 1):
                            out.append([cc])
                        if sum(1 for k in out if len(k) == 1) >= 3:
                            break
        return out

    def split(self, segments: Segments, wide: np.ndarray, unsplit_conf: np.ndarray,
              crop_fn: Callable[[np.ndarray], np.ndarray],
              score_fn: Callable[[np.ndarray], np.ndarray]) -> list[Split]:
        """``crop_fn(mask) -> (28,28)``; ``score_fn(batch) -> probs``; one score call in all."""
        plans = []  # (region, [(xyxy, crop)...])
        batch = []
        for i in np.flatnonzero(wide):
            mask, x0, y0 = segments.mask(int(i))
            h = mask.shape[0]
            for cuts in self.cut_candidates(mask, h):
                edges = [0, *cuts, mask.shape[1]]
                pieces = []
                total = float(mask.sum()) or 1.0
                for a, b in zip(edges[:-1], edges[1:]):
                    piece = mask[:, a:b]
                    if piece.sum() < 0.06 * total:
                        pieces = None
                        break
                    rows = np.flatnonzero(piece.any(1))
                    cols = np.flatnonzero(piece.any(0))
                    box = np.float32([x0 + a + cols[0], y0 + rows[0], x0 + a + cols[-1] + 1, y0 + rows[-1] + 1])
                    if (box[3] - box[1]) < 0.4 * h:
                        pieces = None
                        break
                    pieces.append((box, piece[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))
                if pieces:
                    start = len(batch)
                    batch.extend(crop_fn(p[1]) for p in pieces)
                    plans.append((int(i), [p[0] for p in pieces], [p[1] for p in pieces], start))
        if not batch:
            return []
        crops = np.stack(batch).astype(np.float32)
        probs = score_fn(crops)
        digit_conf = probs[:, :10].max(1)
        if probs.shape[1] > 10:
            digit_conf = np.where(probs.argmax(1) == 10, 0.0, digit_conf)
        best: dict[int, tuple[float, Split]] = {}
        for region, boxes, masks, start in plans:
            k = len(boxes)
            score = float(digit_conf[start:start + k].min())
            # every piece must be a sure digit: splitting symbols into confident strokes makes false digits
            if score < self.config.doubt_confidence or score <= unsplit_conf[region] + self.config.split_margin:
                continue
            if region not in best or score > best[region][0]:
                best[region] = (score, Split(region, np.stack(boxes), crops[start:start + k],
                                             probs[start:start + k]))
        return [s for _, s in sorted(best.values(), key=lambda t: t[1].region)]
