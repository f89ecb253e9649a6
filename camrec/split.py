"""Split: boxes too wide for one digit -> the pieces the classifier is surest of (layer 1).

:class:`Splitter` cuts a wide region at column-projection minima (and a pair in
halves: kerned characters share columns) into 2-4 pieces and keeps the cut whose weakest piece the classifier is surest of,
when that beats the unsplit box. It takes the crop and scoring functions as
arguments, so the stage stays pure (no classifier inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from camrec.config import PipelineConfig
from camrec.segment import Segments


def wider_than_row(xyxy: np.ndarray, aspect: np.ndarray, candidates: np.ndarray, factor: float) -> np.ndarray:
    """Which ``candidates`` are ``factor`` times as wide (width/height, ``aspect``) as the characters of
    their size on their row (the median of two or more of them, thin strokes not counted): two printed
    digits run together ("84" read as a sure 8) are no wider than some single digits, but twice as wide
    as their neighbours (beside 1s and 7s a handwritten 0 would be tried, for nothing)."""
    out = np.zeros(len(xyxy), bool)
    h = xyxy[:, 3] - xyxy[:, 1]
    cy = (xyxy[:, 1] + xyxy[:, 3]) / 2
    for i in np.flatnonzero(candidates):
        row = (np.abs(cy - cy[i]) < 0.5 * h[i]) & (np.abs(h - h[i]) < 0.25 * h[i]) & (aspect >= 0.45)
        row[i] = False
        out[i] = row.sum() >= 2 and aspect[i] > factor * float(np.median(aspect[row]))
    return out


def between_sure_digits(xyxy: np.ndarray, candidates: np.ndarray, sure: np.ndarray) -> np.ndarray:
    """Which ``candidates`` have a ``sure`` digit of their size right beside them on their row, on both
    sides (under half a height away)."""
    out = np.zeros(len(xyxy), bool)
    h = xyxy[:, 3] - xyxy[:, 1]
    cy = (xyxy[:, 1] + xyxy[:, 3]) / 2
    for i in np.flatnonzero(candidates):
        gap = np.maximum(xyxy[i, 0] - xyxy[:, 2], xyxy[:, 0] - xyxy[i, 2])
        near = sure & (gap < 0.5 * h[i]) & (np.abs(cy - cy[i]) < 0.4 * h[i]) & (np.abs(h - h[i]) < 0.3 * h[i])
        near[i] = False
        out[i] = bool((near & (xyxy[:, 2] <= xyxy[i, 0] + 0.2 * h[i])).any()
                      and (near & (xyxy[:, 0] >= xyxy[i, 2] - 0.2 * h[i])).any())
    return out


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
    projection for 2-4 pieces, scored in batches by ``score_fn((m,28,28)) ->
    (m,C) probabilities``: one piece of every candidate of every region in one
    call, then the other pieces of the candidates still possible in a second;
    a candidate's score is its weakest piece's top digit probability; the best
    candidate replaces the region when it beats the unsplit confidence.
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
        # (a box under 1.3 heights wide holds two digits at most: no 3-cut of one ever won on the dev scenes)
        counts = {2} if w < 1.3 * height else {max(2, n_est - 1), n_est, min(4, n_est + 1)}
        for n in sorted(counts):
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
            # and the halves of a pair: two kerned or overlapping characters ("00" sharing a stroke)
            # have their projection minimum inside a character, not between them
            half = int(round(step))
            if n == 2 and all(abs(half - c[0]) > 1 for c in out if len(c) == 1):
                out.append([half])
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
              crop_fn: Callable[[np.ndarray, int, int], np.ndarray],
              score_fn: Callable[[np.ndarray], np.ndarray]) -> list[Split]:
        """``crop_fn(mask, x0, y0) -> (28,28)`` (a piece's 0/1 mask and its top-left corner in the working
        image); ``score_fn(batch) -> probs``.

        A candidate wins only if every one of its pieces is a sure digit (``split_confidence``) and
        beats the unsplit confidence, so the pieces are scored in two rounds: first one piece of every
        candidate, then the other pieces of the candidates still in the race only (the classifier
        scores each crop on its own, so this gives the same result as scoring all of them)."""
        cfg = self.config
        plans = []  # (region, [piece key...])
        pieces: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}  # key -> (xyxy, 0/1 mask)
        for i in np.flatnonzero(wide):
            region = int(i)
            mask, x0, y0 = segments.mask(region)
            h = mask.shape[0]
            total = float(cv2.countNonZero(mask)) or 1.0
            # the same column range recurs in several candidates (a 2-cut and a 3-cut sharing their
            # first cut): each distinct piece is cut, normalized and scored once
            bad: set[tuple[int, int]] = set()
            for cuts in self.cut_candidates(mask, h):
                edges = [0, *cuts, mask.shape[1]]
                keys = []
                for a, b in zip(edges[:-1], edges[1:]):
                    key = (region, a, b)
                    if key not in pieces and (a, b) not in bad:
                        piece = self._piece(mask, a, b, x0, y0, h, total)
                        if piece is None:
                            bad.add((a, b))
                        else:
                            pieces[key] = piece
                    if (a, b) in bad:
                        keys = None
                        break
                    keys.append(key)
                if keys:
                    plans.append((region, keys))
        if not plans:
            return []
        index: dict[tuple[int, int, int], int] = {}
        batch: list[np.ndarray] = []
        probs_parts: list[np.ndarray] = []

        def score(keys) -> None:
            new = [k for k in dict.fromkeys(keys) if k not in index]
            if not new:
                return
            for k in new:
                index[k] = len(batch)
                box, ink = pieces[k]
                batch.append(crop_fn(ink, int(box[0]), int(box[1])))
            probs_parts.append(np.asarray(score_fn(np.stack(batch[-len(new):]).astype(np.float32))))

        def confidence() -> np.ndarray:
            probs = np.concatenate(probs_parts)
            conf = probs[:, :10].max(1)
            if probs.shape[1] > 10:
                conf = np.where(probs.argmax(1) == 10, 0.0, conf)
            return conf

        def sure(conf: np.ndarray, region: int, keys) -> bool:
            c = conf[[index[k] for k in keys]]
            return bool(((c >= cfg.split_confidence) & (c > unsplit_conf[region] + cfg.split_margin)).all())

        score([keys[0] for _, keys in plans])
        conf = confidence()
        plans = [(region, keys) for region, keys in plans if sure(conf, region, keys[:1])]
        if not plans:
            return []
        score([k for _, keys in plans for k in keys[1:]])
        crops = np.stack(batch).astype(np.float32)
        probs = np.concatenate(probs_parts)
        digit_conf = confidence()
        best: dict[int, tuple[float, Split]] = {}
        for region, keys in plans:
            k = len(keys)
            idx = np.asarray([index[key] for key in keys])
            score_ = float(digit_conf[idx].min())
            # every piece must be a sure digit: splitting symbols into confident strokes makes false digits
            if score_ < cfg.split_confidence or score_ <= unsplit_conf[region] + cfg.split_margin:
                continue
            # a letter's strokes (N, H, M, U, W, n, m) fall apart into confident 1s: all-1 cuts are refused
            if cfg.split_no_all_ones and k >= 2 and (probs[idx, :10].argmax(1) == 1).all():
                continue
            if region not in best or score_ > best[region][0]:
                best[region] = (score_, Split(region, np.stack([pieces[key][0] for key in keys]), crops[idx],
                                              probs[idx]))
        return [s for _, s in sorted(best.values(), key=lambda t: t[1].region)]

    @staticmethod
    def _piece(mask, a, b, x0, y0, h, total):
        """Columns a:b of a region's mask -> (xyxy box, the piece's ink cut to its box), or None when
        the piece holds too little ink or is too short."""
        piece = mask[:, a:b]
        if cv2.countNonZero(piece) < 0.06 * total:
            return None
        bx, by, bw, bh = cv2.boundingRect(piece)
        box = np.float32([x0 + a + bx, y0 + by, x0 + a + bx + bw, y0 + by + bh])
        if bh < 0.4 * h:
            return None
        return box, piece[by:by + bh, bx:bx + bw]
