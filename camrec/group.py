"""Group: accepted digits -> numbers (layer 1).

A number is a run of digits on one text line. Neighbours are linked pairwise
(each digit to its nearest right neighbour, mutually), so a slightly rotated
line still chains; "on one line" means the vertical spans overlap by
``row_overlap`` of the smaller height. Every distance is relative to the
digits' height:

* gap <= ``tight_gap``: same number (a ``.`` or ``,`` mark in between is kept
  in ``display``: 3.14, 1,250);
* gap <= ``space_gap`` with nothing between: same number, a space in ``display``;
* gap <= ``separator_gap`` with a ``-``, ``.``, ``/`` or ``:`` mark between:
  same number, the mark in ``display`` (0712-345-678, 24.12.2026, 11:04);
* gap <= ``space_gap`` with a ``,`` between: same number (15,564.85);
* otherwise a new number. ``text`` always holds the digits only.
"""

from __future__ import annotations

import numpy as np

from camrec.config import PipelineConfig
from camrec.types import Number


def link_runs(xyxy: np.ndarray, max_gap: float, row_overlap: float = 0.5,
              height_ratio: float = 1.7) -> list[list[int]]:
    """Chains of boxes on one text line, each left to right, neighbours at most ``max_gap`` x height apart."""
    n = len(xyxy)
    if n == 0:
        return []
    x0, y0, x1, y1 = xyxy[:, 0], xyxy[:, 1], xyxy[:, 2], xyxy[:, 3]
    w, h = x1 - x0, y1 - y0
    # pairwise (i -> j: j to the right of i)
    gap = x0[None, :] - x1[:, None]
    hmax = np.maximum(h[:, None], h[None, :])
    hmin = np.minimum(h[:, None], h[None, :])
    yover = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    cx = (x0 + x1) / 2
    right = cx[None, :] > cx[:, None] + 0.25 * np.minimum(w[:, None], w[None, :])
    ok = (right & (yover >= row_overlap * hmin) & (hmax <= height_ratio * hmin)
          & (gap <= max_gap * hmax) & (gap >= -0.5 * np.minimum(w[:, None], w[None, :])))
    cost = np.where(ok, gap, np.inf)
    nxt = np.full(n, -1)
    has = np.isfinite(cost).any(1)
    nxt[has] = np.argmin(cost[has], axis=1)
    prv = np.full(n, -1)
    has_l = np.isfinite(cost).any(0)
    prv[has_l] = np.argmin(cost[:, has_l], axis=0)
    link = np.full(n, -1)
    for i in range(n):
        j = nxt[i]
        if j >= 0 and prv[j] == i:
            link[i] = j
    starts = set(range(n)) - set(int(j) for j in link if j >= 0)
    runs = []
    for s in sorted(starts, key=lambda i: (y0[i], x0[i])):
        run = [s]
        while link[run[-1]] >= 0 and len(run) <= n:
            run.append(int(link[run[-1]]))
        runs.append(run)
    return runs


def mark_kind(mark: np.ndarray, band: tuple[float, float]) -> str | None:
    """'-', '.', ',', '/', '·' (a mid-height dot, half a colon) or None for a small mark between
    two digits spanning ``band`` (top, bottom)."""
    top, bottom = band
    H = max(bottom - top, 1.0)
    mx0, my0, mx1, my1 = mark
    mw, mh = mx1 - mx0, my1 - my0
    cy = (my0 + my1) / 2
    rel = (cy - top) / H
    if mw >= 1.3 * mh and mh <= 0.35 * H and mw <= 1.2 * H and 0.2 <= rel <= 0.75:
        return "-"
    if max(mw, mh) <= 0.3 * H and rel >= 0.7 and my1 <= bottom + 0.1 * H:
        return "."
    if max(mw, mh) <= 0.3 * H and 0.15 <= rel < 0.7:
        return "·"  # a dot at mid height: half of a ':' (two of them between digits make a colon)
    if mw <= 0.35 * H and mh <= 0.5 * H and rel >= 0.7 and my1 > bottom + 0.05 * H:
        return ","
    if mh >= 0.5 * H and mw <= 0.9 * H and mh <= 1.4 * H and 0.3 <= rel <= 0.7:
        return "/"
    return None


class Grouper:
    """``run(xyxy, labels, scores, marks) -> list[Number]`` (indices refer to the given digits)."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def run(self, xyxy: np.ndarray, labels: np.ndarray, scores: np.ndarray,
            marks: np.ndarray | None = None) -> list[Number]:
        cfg = self.config
        xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
        marks = np.zeros((0, 4), np.float32) if marks is None else np.asarray(marks, np.float32).reshape(-1, 4)
        if len(xyxy) == 0:
            return []
        runs = link_runs(xyxy, cfg.separator_gap, cfg.row_overlap, cfg.height_ratio)
        mcx = (marks[:, 0] + marks[:, 2]) / 2
        mcy = (marks[:, 1] + marks[:, 3]) / 2
        numbers: list[list[int]] = []
        seps: list[list[str]] = []
        for run in runs:
            cur, cur_sep = [run[0]], []
            rg = [float((xyxy[b, 0] - xyxy[a, 2]) / max(1.0, (xyxy[a, 3] - xyxy[a, 1] + xyxy[b, 3] - xyxy[b, 1]) / 2))
                  for a, b in zip(run[:-1], run[1:])]
            typical = float(np.median(rg)) if rg else 0.0
            for a, b in zip(run[:-1], run[1:]):
                ha, hb = xyxy[a, 3] - xyxy[a, 1], xyxy[b, 3] - xyxy[b, 1]
                hh = (ha + hb) / 2
                gap = float(xyxy[b, 0] - xyxy[a, 2])
                top = float(min(xyxy[a, 1], xyxy[b, 1]))
                bottom = float(max(xyxy[a, 3], xyxy[b, 3]))
                between = np.flatnonzero((mcx > xyxy[a, 2] - 1) & (mcx < xyxy[b, 0] + 1)
                                         & (mcy > top - 0.2 * hh) & (mcy < bottom + 0.4 * hh))
                kinds = [k for k in (mark_kind(marks[m], (top, bottom)) for m in between) if k]
                unknown = len(between) - len(kinds)
                if sorted(kinds) in (["·", "·"], [".", "·"]):
                    kinds = [":"]
                elif kinds == ["·"]:
                    kinds, unknown = [], unknown + 1
                kind = kinds[0] if len(kinds) == 1 else None
                if len(kinds) > 1 or (unknown > 0 and gap > cfg.tight_gap * hh):
                    join, sep = False, ""  # something else (letters, clutter) between
                elif gap <= cfg.tight_gap * hh:
                    # a gap clearly wider than this line's letter spacing is shown as a space
                    spaced = kind is None and gap >= 0.3 * hh and gap > 1.8 * typical * hh
                    join, sep = True, (kind if kind in (".", ",", "-", "/", ":") else (" " if spaced else ""))
                elif kind is None and gap <= cfg.space_gap * hh:
                    join, sep = True, " "
                elif kind in ("-", ".", "/", ":") and gap <= cfg.separator_gap * hh:
                    join, sep = True, kind
                elif kind == "," and gap <= cfg.space_gap * hh:  # 1,250 / 833,09 (a list needs a wider gap)
                    join, sep = True, kind
                else:
                    join, sep = False, ""
                if join:
                    cur.append(b)
                    cur_sep.append(sep)
                else:
                    numbers.append(cur)
                    seps.append(cur_sep)
                    cur, cur_sep = [b], []
            numbers.append(cur)
            seps.append(cur_sep)
        out = []
        for members, sep in zip(numbers, seps):
            text = "".join(str(int(labels[i])) for i in members)
            display = str(int(labels[members[0]])) + "".join(s + str(int(labels[i]))
                                                             for s, i in zip(sep, members[1:]))
            box = np.float32([xyxy[members, 0].min(), xyxy[members, 1].min(),
                              xyxy[members, 2].max(), xyxy[members, 3].max()])
            out.append(Number(text=text, xyxy=box, digits=[int(i) for i in members],
                              confidence=float(np.min(scores[members])), display=display))
        if out:
            med = float(np.median(xyxy[:, 3] - xyxy[:, 1]))
            out.sort(key=lambda nb: (int(((nb.xyxy[1] + nb.xyxy[3]) / 2) // max(med, 1.0)), float(nb.xyxy[0])))
        return out
