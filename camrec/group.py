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
* gap <= ``comma_gap`` with a ``,`` between and a group of 2 or 3 digits after
  it: same number (a wide handwritten thousands or decimal comma);
* gap <= ``group_space_gap`` with nothing between and groups of 2+ digits on
  both sides: same number with a space (066 411 3514); lone digits stay apart;
* a ``:`` joins only as in a time (at most 2 digits before it, 2 after), so
  "Tel: 330" does not;
* otherwise a new number. ``text`` always holds the digits only.

Afterwards (``date_slashes``) a handwritten date's ``/`` that the classifier
read as a ``1`` becomes a separator: see :func:`date_slashes`.
"""

from __future__ import annotations

from itertools import combinations

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
    mutual = (nxt >= 0) & (prv[np.maximum(nxt, 0)] == np.arange(n))
    link = np.where(mutual, nxt, -1).tolist()
    linked = np.zeros(n, bool)
    linked[nxt[mutual]] = True
    starts = np.flatnonzero(~linked)
    runs = []
    for s in starts[np.lexsort((x0[starts], y0[starts]))].tolist():
        run = [s]
        while link[run[-1]] >= 0 and len(run) <= n:
            run.append(link[run[-1]])
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
    if max(mw, mh) <= 0.45 * H and rel >= 0.7 and my1 <= bottom + 0.15 * H:
        # a blurred or bold bottom mark: a comma when it is clearly taller than wide, else a dot
        return "," if mh >= 1.4 * mw else "."
    if mw <= 0.3 * H and 1.5 * mw <= mh < 0.55 * H and 0.35 <= rel <= 0.8:
        return ":"  # the two dots of a colon run together (blur, a quick pen)
    if mh >= 0.5 * H and mw <= 0.9 * H and mh <= 1.4 * H and 0.3 <= rel <= 0.7:
        return "/"
    return None


def _stacked_dots(marks: np.ndarray, top: float, bottom: float) -> bool:
    """Two small marks one above the other at mid height: a ':' (whatever shapes blur gave its dots)."""
    if len(marks) != 2:
        return False
    H = max(bottom - top, 1.0)
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = marks
    small = max(ax1 - ax0, ay1 - ay0, bx1 - bx0, by1 - by0) <= 0.35 * H
    x_overlap = min(ax1, bx1) - max(ax0, bx0) > 0
    y_apart = max(ay0, by0) - min(ay1, by1) > 0
    middle = top + 0.1 * H <= min(ay0, by0) and max(ay1, by1) <= bottom + 0.05 * H
    return bool(small and x_overlap and y_apart and middle)


def _group_after(xyxy: np.ndarray, run: list[int], b: int, tight_gap: float, step: int = 1) -> int:
    """How many digits of ``run`` from ``b`` on (``step`` -1: backwards) follow each other at most
    ``tight_gap`` x height apart."""
    k = run.index(b)
    n = 1
    while 0 <= k + step * n < len(run):
        p, q = sorted((run[k + step * (n - 1)], run[k + step * n]), key=lambda i: xyxy[i, 0])
        hh = (xyxy[p, 3] - xyxy[p, 1] + xyxy[q, 3] - xyxy[q, 1]) / 2
        if xyxy[q, 0] - xyxy[p, 2] > tight_gap * hh:
            break
        n += 1
    return n


def _date_parts(groups: list[str]) -> tuple[str, str, str] | None:
    """(day or month, month or day, year) of three groups shaped like a date (dd/mm/yy(yy), mm/dd/yy(yy)
    or yyyy/mm/dd), whatever their values; None when they are not."""
    if len(groups) != 3 or not all(groups):
        return None
    a, b, c = groups
    if len(a) == 4:
        a, c = c, a
    return (a, b, c) if len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4) else None


def _plausible_date(parts: tuple[str, str, str]) -> bool:
    """Day and month in range (either order), a four-digit year in 1800-2199."""
    a, b, c = parts
    if len(c) == 4 and not 1800 <= int(c) <= 2199:
        return False
    x, y = int(a), int(b)
    return (1 <= x <= 31 and 1 <= y <= 12) or (1 <= x <= 12 and 1 <= y <= 31)


def slash_like(xyxy: np.ndarray, i: int, left: int, right: int) -> bool:
    """Box ``i`` (a '1') between ``left`` and ``right`` could be a '/': a long stroke spanning most of
    the height of its neighbours (at least 0.75 of it, ends within 0.3 of theirs: a hand's slash is
    often a little short, or drawn a little high), slanted (box at least 0.25 as wide as tall) or taller
    than them."""
    x0, y0, x1, y1 = xyxy[i]
    h, w = y1 - y0, x1 - x0
    hn = (xyxy[left, 3] - xyxy[left, 1] + xyxy[right, 3] - xyxy[right, 1]) / 2
    ntop = (xyxy[left, 1] + xyxy[right, 1]) / 2
    nbottom = (xyxy[left, 3] + xyxy[right, 3]) / 2
    spans = h >= 0.75 * hn and y0 <= ntop + 0.3 * hn and y1 >= nbottom - 0.3 * hn
    return bool(spans and (w >= 0.25 * h or h >= 1.05 * hn))


def _taller(xyxy: np.ndarray, members: list[int], k: int, factor: float = 1.1) -> bool:
    """Member ``k`` is at least ``factor`` times as tall as its two neighbours on average."""
    h = xyxy[:, 3] - xyxy[:, 1]
    return bool(h[members[k]] >= 0.5 * factor * (h[members[k - 1]] + h[members[k + 1]]))


def _strong_slash(xyxy: np.ndarray, members: list[int], k: int) -> bool:
    """Member ``k`` is clearly a '/': slanted (box at least 0.45 as wide as tall) and 1.05 times as tall
    as its neighbours. Two such strokes at a date's places are its slashes even when a misread digit
    makes the values no date."""
    x0, y0, x1, y1 = xyxy[members[k]]
    return bool(x1 - x0 >= 0.45 * (y1 - y0) and _taller(xyxy, members, k, 1.05))


def date_slashes(xyxy: np.ndarray, labels: np.ndarray, members: list[int],
                 seps: list[str]) -> tuple[set[int], set[int]]:
    """Members of one number that are the '/' of a date read as a digit 1 (an empty set when none),
    and the places ``k`` (between members k and k+1) of gaps that stand for a lost slash.

    Handwritten slashes look like slanted 1s (MNIST 1s lean too: median slant 0.19, a quarter above
    0.42), so shape alone is not enough. A '1' is taken for a '/' only when (a) it is slash-like
    (:func:`slash_like`: most of its neighbours' height, spanning the line, slanted or taller), (b)
    taking it (and any '/' mark already found) as separators splits the number into exactly three
    groups shaped like a date (dd/mm/yy, dd/mm/yyyy, mm/dd/yyyy, yyyy/mm/dd) with plausible values,
    or with any values when every stroke taken is clearly a slash (:func:`_strong_slash`), and (c)
    the number has no other separators than spaces. Short forms with a one-digit day or month (d/m/yy),
    which random 6-7 digit numbers often fit, need both strokes 1.1 times taller than their
    neighbours. Of several readings, the tallest strokes win.

    One slash may be lost (rejected, or merged into the digit beside it) and leave a gap: a gap of the
    number then stands for it when one slash-like '1' and that gap make a plausible dd/mm date with
    two-digit day and month.
    """
    n = len(members)
    if n < 6 or n > 12 or any(s not in ("", " ", "/") for s in seps):
        return set(), set()
    lab = [int(labels[m]) for m in members]
    cand = [k for k in range(1, n - 1) if lab[k] == 1 and slash_like(xyxy, members[k], members[k - 1], members[k + 1])]
    marks = [k for k, s in enumerate(seps) if s == "/"]  # '/' between members k and k+1
    best = _best_slashes(xyxy, lab, members, cand, marks, gap_for_slash=False)
    if best or len(marks) >= 2 or not cand:
        return best, set()
    for k in [k for k, s in enumerate(seps) if s == " "]:
        best = _best_slashes(xyxy, lab, members, cand, sorted(marks + [k]), gap_for_slash=True)
        if best:
            return best, {k}
    return set(), set()


def _best_slashes(xyxy: np.ndarray, lab: list[int], members: list[int], cand: list[int], marks: list[int],
                  gap_for_slash: bool) -> set[int]:
    """The members among ``cand`` that, with the separators at ``marks``, read the number as a date
    (see :func:`date_slashes`); ``gap_for_slash``: one of the marks is a gap, so only a plausible
    dd/mm date with two-digit day and month counts."""
    need = 2 - len(marks)
    if need <= 0 or len(cand) < need:
        return set()
    best, best_score = set(), -np.inf
    for pick in combinations(cand, need):
        if any(b - a < 2 for a, b in zip(pick[:-1], pick[1:])):
            continue  # two slashes need digits between them
        cuts = sorted([(k, "d") for k in pick] + [(k, "m") for k in marks])
        groups, start = [], 0
        for k, what in cuts:
            end = k if what == "d" else k + 1
            groups.append("".join(map(str, lab[start:end])))
            start = k + 1
        groups.append("".join(map(str, lab[start:])))
        parts = _date_parts(groups)
        if parts is None or not (_plausible_date(parts) or all(_strong_slash(xyxy, members, k) for k in pick)):
            continue
        if gap_for_slash and not (_plausible_date(parts) and len(parts[0]) == len(parts[1]) == 2):
            continue
        if not marks and min(len(groups[0]), len(groups[1])) < 2 and not all(_taller(xyxy, members, k) for k in pick):
            continue  # d/m/yy shapes are common among 6-7 digit numbers: only clearly taller strokes
        if len(pick) == 2:  # one writer draws both slashes alike
            (h1, w1), (h2, w2) = [(xyxy[members[k], 3] - xyxy[members[k], 1], xyxy[members[k], 2] - xyxy[members[k], 0])
                                  for k in pick]
            if max(h1, h2) > 1.3 * min(h1, h2) or max(w1 / h1, w2 / h2) > 1.8 * min(w1 / h1, w2 / h2):
                continue
        score = sum((xyxy[members[k], 3] - xyxy[members[k], 1]) for k in pick)
        if score > best_score:
            best, best_score = {members[k] for k in pick}, score
    return best


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
                if sorted(kinds) in (["·", "·"], [".", "·"]) or _stacked_dots(marks[between], top, bottom):
                    kinds, unknown = [":"], 0
                elif kinds == ["·"]:
                    kinds, unknown = [], unknown + 1
                kind = kinds[0] if len(kinds) == 1 else None
                if kind == ":" and not (_group_after(xyxy, run, a, cfg.tight_gap, -1) <= 2
                                         and _group_after(xyxy, run, b, cfg.tight_gap) == 2):
                    # a colon inside a number is a time (hh:mm, hh:mm:ss); after a word ("Tel:") it ends one
                    kinds, kind, unknown = [":", ":"], None, unknown
                if len(kinds) > 1 or (unknown > 0 and gap > cfg.tight_gap * hh):
                    join, sep = False, ""  # something else (letters, clutter) between
                elif gap <= cfg.tight_gap * hh:
                    # a gap clearly wider than this line's letter spacing is shown as a space
                    spaced = kind is None and gap >= 0.3 * hh and gap > 1.8 * typical * hh
                    join, sep = True, (kind if kind in (".", ",", "-", "/", ":") else (" " if spaced else ""))
                elif kind is None and gap <= cfg.space_gap * hh:
                    join, sep = True, " "
                elif (kind is None and gap <= cfg.group_space_gap * hh
                      and min(_group_after(xyxy, run, a, cfg.tight_gap, -1),
                              _group_after(xyxy, run, b, cfg.tight_gap)) >= 2):
                    # a wider space between two groups of digits: 066 411 3514 (lone digits stay apart)
                    join, sep = True, " "
                elif kind in ("-", ".", "/", ":") and gap <= cfg.separator_gap * hh:
                    join, sep = True, kind
                elif kind == "," and gap <= cfg.space_gap * hh:  # 1,250 / 833,09 (a list needs a wider gap)
                    join, sep = True, kind
                elif (kind == "," and gap <= cfg.comma_gap * hh
                      and _group_after(xyxy, run, b, cfg.tight_gap) in (2, 3)):
                    # a wide handwritten thousands or decimal comma: 14,693.77 / 43.676,30 - the
                    # group after it has the 2 or 3 digits of an amount
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
        if cfg.date_slashes:
            for k, (members, sep) in enumerate(zip(numbers, seps)):
                slashes, gaps = date_slashes(xyxy, labels, members, sep)
                if slashes:  # a date's '/' read as a 1: a separator, not a digit
                    keep = [i for i, m in enumerate(members) if m not in slashes]
                    new_sep = []
                    for a, b in zip(keep[:-1], keep[1:]):
                        between = sep[a:b]
                        new_sep.append("/" if (b - a > 1 or "/" in between or a in gaps) else "".join(between))
                    numbers[k], seps[k] = [members[i] for i in keep], new_sep
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
