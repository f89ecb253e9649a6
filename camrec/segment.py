"""Segment: binary ink -> digit-sized regions (layer 1).

* connected components of the binary ink (8-connectivity), noise dropped;
* **ruled lines / grids**: straight runs longer than ``line_factor`` x the
  median digit height are erased (only inside components that large, so a
  1 or a 7 is never touched by a short kernel) when thin for their length
  and spanning their component or sticking out of it (``line_max_thickness``,
  ``line_span``; collinear runs of one faint rule count together), except
  where a character's stroke crosses them (``line_repair``: a rule struck
  through a 9 or a 1 written across a ruled line leaves the character whole);
  the upright strokes between two removed rules, a form's cell sides, go
  with them (``cell_sides``), and a thin candidate ending on removed rule ink
  at both ends is a box's side (``box_sides``);
* **containers** (cheque boxes, form cells): a component whose four bbox
  edges are all ink and that holds ink in the middle third of its box is a
  frame; its edge rows/columns are stripped and what is inside is looked at as
  new components (a bold 0 or O has nothing inside and stays whole);
* **touching characters**: a component wider than ``touch_aspect`` x its
  height is looked at again at higher thresholds relative to its own strong
  ink (``rethreshold_levels``); when it falls apart into character-high
  pieces, each of its pixels goes to the nearest piece;
* **faint digits** that the threshold broke into fragments (none of them
  digit-sized) are taken whole from a lower threshold (``rescue_level``)
  when that gives one digit-sized component of fragments only;
* the median digit height is taken from components on fairly clean
  background, so desk texture does not set the scale; pieces in dense texture
  or off the sheet (``Preprocessed.page``) are not merged and never digits;
* **dotted ink**: chains of small even dots become one piece when together
  they are digit-sized;
* **merge** broken strokes: a piece clearly smaller than its neighbour (height
  below ``fragment_height`` of it) joins it when the gap is small and the
  union still has a digit's proportions (height capped relative to the median
  digit, width/height <= ``merge_max_aspect``). Two full-size digits never
  merge, so a column of digits is never chained;
* what is too small to be a digit, or much shorter than two digit-sized
  neighbours on its line (and below ``short_exempt`` of the median), is kept
  as a *mark* (candidate separator ``- . , /`` for the group stage).

Touching digits still in one box are cut by the split stage
(:mod:`camrec.split`).

All sizes are relative to the median digit height except the absolute floor
``min_digit_height``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.sparse.csgraph import connected_components

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
        x0, y0, x1, y1 = self.xyxy[i].astype(np.int64).tolist()
        roi = self.labels[y0:y1, x0:x1]
        m = self.members[i]
        if len(m) <= 8:
            mask = roi == m[0]
            for label in m[1:]:
                mask |= roi == label
        else:
            mask = np.isin(roi, m)
        return mask.view(np.uint8), x0, y0


def _components(binary: np.ndarray):
    """Labels and stats (8-connectivity); 16-bit labels are 3x faster in OpenCV 5 (32-bit when there
    are too many). On sparse ink the stats come from the ink pixels alone: OpenCV's stats pass visits
    every pixel of the frame and costs twice the labelling itself."""
    try:
        if cv2.countNonZero(binary) > 0.15 * binary.size:  # dense ink: OpenCV's stats pass is worth it
            n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_16U)
            if n < 65000:
                return n, labels, stats
        else:
            n, labels = cv2.connectedComponents(binary, connectivity=8, ltype=cv2.CV_16U)
            if n < 65000:
                return n, labels, _sparse_stats(labels, n, cv2.findNonZero(binary))
    except cv2.error:
        pass
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_32S)
    return n, labels, stats


def _sparse_stats(labels: np.ndarray, n: int, points: np.ndarray | None) -> np.ndarray:
    """OpenCV's (n, 5) int32 stats (left, top, width, height, area) from the ink pixels' coordinates
    (``cv2.findNonZero`` order: row by row, so a label's first and last pixels give its top and bottom)."""
    H, W = labels.shape
    stats = np.zeros((n, 5), np.int32)
    stats[0] = (0, 0, W, H, H * W - (0 if points is None else len(points)))
    if points is None:
        return stats
    points = points.reshape(-1, 2)
    xs, ys = points[:, 0], points[:, 1]
    lab = labels[ys, xs]
    order = np.argsort(lab, kind="stable")  # (a radix sort for 16-bit labels; rows stay in order)
    lab, xs, ys = lab[order], xs[order], ys[order]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    ends = np.r_[starts[1:], len(lab)]
    ids = lab[starts]
    x0 = np.minimum.reduceat(xs, starts)
    stats[ids, 0] = x0
    stats[ids, 1] = ys[starts]
    stats[ids, 2] = np.maximum.reduceat(xs, starts) - x0 + 1
    stats[ids, 3] = ys[ends - 1] - ys[starts] + 1
    stats[ids, 4] = ends - starts
    return stats


def _slide(img: np.ndarray, n: int, axis: int, op, pad: int) -> np.ndarray:
    """``out[x] = op(img[x - n//2 .. x - n//2 + n - 1])`` along ``axis`` (pixels outside the image are
    ``pad``), as OpenCV's erosion/dilation with a 1 x n line kernel (anchor n//2), in log2(n) passes."""
    a = n // 2
    if axis == 1:
        p = cv2.copyMakeBorder(img, 0, 0, n, n, cv2.BORDER_CONSTANT, value=pad)
    else:
        p = cv2.copyMakeBorder(img, n, n, 0, 0, cv2.BORDER_CONSTANT, value=pad)
    k = 1  # p[x] holds op over a window of k pixels starting at x
    while k < n:
        s = min(k, n - k)
        p = op(p[:, :-s], p[:, s:]) if axis == 1 else op(p[:-s], p[s:])
        k += s
    return p[:, n - a:n - a + img.shape[1]] if axis == 1 else p[n - a:n - a + img.shape[0]]


_K51, _K15, _K33 = np.ones((5, 1), np.uint8), np.ones((1, 5), np.uint8), np.ones((3, 3), np.uint8)
_K22 = np.ones((2, 2), np.uint8)
_LINE_KERNELS: dict[tuple[int, int], np.ndarray] = {}


def _line_kernel(n: int, axis: int) -> np.ndarray:
    k = _LINE_KERNELS.get((n, axis))
    if k is None:
        k = _LINE_KERNELS[n, axis] = np.ones((1, n) if axis == 1 else (n, 1), np.uint8)
    return k


def _inside_sheet(sheet: np.ndarray, x: int, y: int, margin: int = 20) -> bool:
    """Is (x, y) at least ``margin`` px inside the (convex) sheet mask: the four points that far away each
    way on it? Points beyond the frame count as outside: a plate cut by the frame's border has its border
    line there (``crop._inside`` clamps to the frame instead, for a digit's surroundings)."""
    H, W = sheet.shape
    return all(0 <= yy < H and 0 <= xx < W and sheet[yy, xx]
               for xx, yy in ((x - margin, y), (x + margin, y), (x, y - margin), (x, y + margin)))


_KH, _KV, _K77 = np.ones((1, 11), np.uint8), np.ones((11, 1), np.uint8), np.ones((7, 7), np.uint8)
# Hough angle ranges (normal angle of the line): near-horizontal lines, near-vertical ones either side of 0
_TILTS = ((np.radians(75), np.radians(105)), (0.0, np.radians(15)), (np.radians(165), np.pi))


def _runs_along(rest: np.ndarray, rho: float, theta: float, min_len: int, gap: int = 3) -> list:
    """The stretches of ink along the line (rho, theta) of ``rest`` (within a pixel of it) at least
    ``min_len`` long, gaps up to ``gap`` px bridged: [((x0, y0), (x1, y1)), ...]."""
    H, W = rest.shape
    c, s = np.cos(theta), np.sin(theta)
    horizontal = abs(s) >= abs(c)
    if horizontal:  # one sample per column, looked at with the pixels above and below
        t = np.arange(W, dtype=np.float32)
        xs, ys = t, (rho - t * c) / s
    else:  # near-vertical: one per row, with the pixels left and right
        t = np.arange(H, dtype=np.float32)
        xs, ys = (rho - t * s) / c, t
    xi, yi = np.rint(xs).astype(np.int64), np.rint(ys).astype(np.int64)
    dx, dy = (0, 1) if horizontal else (1, 0)
    idx = np.flatnonzero((xi >= dx) & (xi < W - dx) & (yi >= dy) & (yi < H - dy))
    xi, yi = xi[idx], yi[idx]
    ink = np.zeros(len(t), bool)
    ink[idx] = (rest[yi - dy, xi - dx] | rest[yi, xi] | rest[yi + dy, xi + dx]) > 0
    on = np.flatnonzero(ink)
    if len(on) < min_len * 0.6:
        return []
    breaks = np.flatnonzero(np.diff(on) > gap + 1)
    starts, ends = np.r_[on[0], on[breaks + 1]], np.r_[on[breaks], on[-1]]
    step = 1.0 / max(abs(s), abs(c))  # line length per sample
    return [((float(xs[a]), float(ys[a])), (float(xs[b]), float(ys[b])))
            for a, b in zip(starts.tolist(), ends.tolist()) if (b - a) * step >= min_len]


def _tilted_lines(rest: np.ndarray, min_len: int, sheet: tuple | None = None) -> np.ndarray | None:
    """Straight thin lines of a component's ink (``rest``: what the axis-aligned line step left of it)
    tilted 0.5-15 degrees off the frame's axes: a cheque's amount box or payee line photographed askew,
    which the horizontal and vertical openings miss. Lines of the Hough transform, on a half-size copy
    (only the long horizontal and vertical runs of thin strokes vote: a character's curves and a marker's
    or a big glyph's thick strokes do not; only angles near the axes are looked at), along which the ink
    runs at least ``min_len`` at full size (longer than any character: a bold letter's stem is straight
    too), the middle of the run well inside the sheet (``sheet``: its mask, the component's offset in it
    and the margin, when one was found: a plate's border runs along its outline, and the plate's
    characters touch it); drawn 3 px wide and 4 px longer at each end (the box's corners go too), kept on
    the ink. None: none."""
    H, W = rest.shape
    if max(H, W) < min_len:
        return None
    voters = cv2.bitwise_or(cv2.morphologyEx(rest, cv2.MORPH_OPEN, _KH), cv2.morphologyEx(rest, cv2.MORPH_OPEN, _KV))
    # (not a thick stroke's pixels: a rule is a few px thin, a marker's or a big glyph's stroke is not)
    thick = cv2.morphologyEx(rest, cv2.MORPH_OPEN, _K77)
    if cv2.countNonZero(thick):
        voters = cv2.subtract(voters, cv2.dilate(thick, _K33))
    pts = cv2.findNonZero(voters)
    if pts is None or len(pts) < 0.6 * min_len:
        return None
    _, _, vw, vh = cv2.boundingRect(pts)
    # (the votes are counted on a half-size copy, 2x2 maxima: a quarter of the pixels, thin lines whole)
    half = np.ascontiguousarray(cv2.dilate(voters, _K22, anchor=(0, 0))[::2, ::2])
    out = None
    for k, (lo, hi) in enumerate(_TILTS):
        if (vw if k == 0 else vh) < min_len:
            continue  # (too narrow for such a line: a near-horizontal one spans most of the width)
        found = cv2.HoughLines(half, 1, np.pi / 360, int(0.3 * min_len), None, 0, 0, lo, hi)
        if found is None:
            continue
        taken: list = []
        for rho, theta in np.asarray(found).reshape(-1, 2)[:8].tolist():
            # (full size: the half copy's pixel k covers full-size pixels 2k and 2k + 1)
            rho = 2 * rho + 0.5 * (np.cos(theta) + np.sin(theta))
            off_axis = min(abs(np.degrees(theta) - 90), np.degrees(theta), 180 - np.degrees(theta))
            if off_axis < 0.5 or any(abs(rho - r) < 4 and abs(theta - t) < np.radians(1.5) for r, t in taken):
                continue
            taken.append((rho, theta))
            for (x1, y1), (x2, y2) in _runs_along(rest, rho, theta, min_len):
                if sheet is not None and not _inside_sheet(sheet[0], sheet[1] + int((x1 + x2) / 2),
                                                           sheet[2] + int((y1 + y2) / 2), sheet[3]):
                    continue
                length = max(float(np.hypot(x2 - x1, y2 - y1)), 1.0)
                ex, ey = 4 * (x2 - x1) / length, 4 * (y2 - y1) / length
                if out is None:
                    out = np.zeros_like(rest)
                start, end = (int(round(x1 - ex)), int(round(y1 - ey))), (int(round(x2 + ex)), int(round(y2 + ey)))
                cv2.line(out, start, end, 1, 3)
    if out is None:
        return None
    out = cv2.bitwise_and(out, rest)
    return out if cv2.countNonZero(out) else None


def _open_line(img: np.ndarray, n: int, axis: int) -> np.ndarray:
    """``cv2.morphologyEx(img, MORPH_OPEN, line)`` of a 0/1 uint8 image with a 1 x n (axis 1) or
    n x 1 (axis 0) kernel, the same pixels: a sliding min then max by doubling windows, which beats
    OpenCV's O(n) per pixel on the large boxes of ruled lines and textured blobs."""
    if n <= 2 or img.size < 5000:  # small boxes: OpenCV's own is quicker
        return cv2.morphologyEx(img, cv2.MORPH_OPEN, _line_kernel(n, axis))
    eroded = _slide(img, n, axis, cv2.min, 1)  # outside counts as ink (0/1 image)
    return _slide(eroded, n, axis, cv2.max, 0)  # (views into padded buffers: OpenCV takes them as they are)


def _ltype(shape: tuple[int, ...]) -> int:
    """16-bit labels (several times faster in OpenCV 5, same numbers) whenever they cannot overflow: an
    8-connected labelling has at most one component per 2x2 block."""
    h, w = shape[:2]
    return cv2.CV_16U if ((h + 1) // 2) * ((w + 1) // 2) < 65535 else cv2.CV_32S


_INK_STEP = 2  # the ink-density integral is taken on every second pixel each way


def _ink_integral(binary: np.ndarray) -> np.ndarray:
    """Integral image for :func:`_window_ink`, of a subsample of the ink (densities over windows three
    boxes wide need no more; the full-size int32 integral of a 720p frame cost 0.7 ms)."""
    return cv2.integral(np.ascontiguousarray(binary[::_INK_STEP, ::_INK_STEP]))


def _window_ink(integral: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Ink fraction of the window three times each xyxy box (clipped to the image), from
    :func:`_ink_integral`."""
    H, W = integral.shape[0] - 1, integral.shape[1] - 1
    b = np.asarray(boxes, np.float64).reshape(-1, 4) / _INK_STEP
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    x0 = np.clip(b[:, 0] - w, 0, W).astype(np.int64)
    y0 = np.clip(b[:, 1] - h, 0, H).astype(np.int64)
    x1 = np.clip(np.ceil(b[:, 2] + w), 0, W).astype(np.int64)
    y1 = np.clip(np.ceil(b[:, 3] + h), 0, H).astype(np.int64)
    total = (integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]).astype(np.float64)
    return total / np.maximum((x1 - x0) * (y1 - y0), 1)


def _above(con: np.ndarray, t: float, mask8: np.ndarray) -> np.ndarray:
    """uint8 0/1: ``(con > t) & mask`` (OpenCV compares 8-bit pixels with floor(t), the same test)."""
    return cv2.bitwise_and(cv2.threshold(con, t, 1, cv2.THRESH_BINARY)[1], mask8)


def _in_order(cand: np.ndarray, canon: np.ndarray | None) -> np.ndarray:
    """Labels ``cand`` in labelling order: ``canon`` lists the labelled components in their order
    (:func:`_relabel`); labels past its largest id were added later and follow in their own order."""
    if canon is None or not len(cand):
        return cand
    pos = np.full(int(max(canon.max(initial=0), cand.max())) + 1, -1, np.int64)
    pos[canon] = np.arange(len(canon))
    key = np.where(cand < len(pos), pos[np.minimum(cand, len(pos) - 1)], -1)
    key = np.where(key < 0, len(canon) + cand, key)
    return cand[np.argsort(key, kind="stable")]


def _first_block(labels: np.ndarray, label: int, x: int, y: int, w: int) -> tuple[int, int]:
    """(row, column) of the first 2x2 block, in raster order, holding a pixel of ``label`` whose top row
    is ``y`` and box starts at column ``x``, width ``w``: OpenCV numbers components in this order."""
    by = y // 2
    rows = labels[2 * by:2 * by + 2, x:x + w]
    return by, (x + int(np.argmax((rows == label).any(0)))) // 2


def _relabel(labels: np.ndarray, stats: np.ndarray, changed: list, max_frac: float = 0.25):
    """After ink was removed from some components (``changed``: (label, 0/1 mask of what is left in its
    box, or None: nothing)), label what is left of each in its own box, in place.

    Returns (stats with the new pieces appended and the changed rows zeroed, the label ids in the order
    a fresh labelling of the whole frame would give them), or None when the boxes cover more than
    ``max_frac`` of the frame or the labels would overflow (the caller then labels the whole frame)."""
    H, W = labels.shape
    st = stats[[c[0] for c in changed]]
    if float(st[:, 2].astype(np.float64) @ st[:, 3]) > max_frac * H * W:
        return None
    limit = min(np.iinfo(labels.dtype).max, 65000) if labels.dtype == np.uint16 else np.iinfo(np.int32).max
    stats = stats.copy()
    n0 = len(stats)
    gone = np.zeros(n0, bool)
    new_stats, new_keys = [], []
    next_id = n0
    for i, left in changed:
        x, y, w, h = (int(v) for v in stats[i, :4])
        roi_lab = labels[y:y + h, x:x + w]
        gone[i] = True
        stats[i, :] = 0
        if left is None or not left.any():
            roi_lab[roi_lab == i] = 0
            continue
        k, sub, sst, _ = cv2.connectedComponentsWithStats(left, connectivity=8, ltype=_ltype(left.shape))
        if next_id + k >= limit:
            return None
        lut = np.zeros(k, labels.dtype)
        lut[1:] = np.arange(next_id, next_id + k - 1)
        own = roi_lab == i
        roi_lab[own] = lut[sub[own]]
        for j, (sx, sy, sw, sh, area) in enumerate(sst[1:].tolist(), 1):
            new_stats.append([x + sx, y + sy, sw, sh, area])
            by = (y + sy) // 2
            r0 = max(2 * by - y, 0)
            rows = sub[r0:2 * by - y + 2, sx:sx + sw]
            new_keys.append((by, (x + sx + int(np.argmax((rows == j).any(0)))) // 2))
        next_id += k - 1
    old = np.flatnonzero(~gone[1:]) + 1
    if new_stats:
        stats = np.concatenate([stats, np.asarray(new_stats, stats.dtype)])
    if not new_keys:
        return stats, old
    keys = np.asarray(new_keys, np.int64)
    new_ids = np.arange(n0, n0 + len(keys))
    by_old = stats[old, 1] // 2
    where = np.empty(len(keys), np.int64)
    cache: dict[int, int] = {}
    los = np.searchsorted(by_old, keys[:, 0], "left").tolist()
    his = np.searchsorted(by_old, keys[:, 0], "right").tolist()
    for q, (by, bx) in enumerate(keys.tolist()):
        lo, hi = los[q], his[q]
        pos = lo
        for o in old[lo:hi].tolist():
            if o not in cache:
                cache[o] = _first_block(labels, o, int(stats[o, 0]), int(stats[o, 1]), int(stats[o, 2]))[1]
            if cache[o] < bx:
                pos += 1
            else:
                break
        where[q] = pos
    srt = np.lexsort((keys[:, 1], keys[:, 0]))
    return stats, np.insert(old, where[srt], new_ids[srt])


def _strips_covered(roi_lab: np.ndarray, i: int, frac: float) -> bool:
    """Do pixels of label ``i`` cover at least ``frac`` of the columns of the two top rows, of the two
    bottom rows, and of the rows of the two left and the two right columns? (One box at a time: the
    reference :func:`_strips_covered_many` is checked against in tests/test_fast_paths.py.)"""
    h, w = roi_lab.shape
    for strip, axis, n in ((roi_lab[:2], 0, w), (roi_lab[-2:], 0, w), (roi_lab[:, :2], 1, h), (roi_lab[:, -2:], 1, h)):
        if np.count_nonzero((strip == i).any(axis)) / n < frac:
            return False
    return True


def _strips_covered_many(labels: np.ndarray, stats: np.ndarray, ids: np.ndarray, frac: float) -> np.ndarray:
    """:func:`_strips_covered` of the box of every component in ``ids`` (boxes at least 2 px each way),
    at once: the strip pixels of all boxes are gathered in one go instead of box by box."""
    n = len(ids)
    ok = np.ones(n, bool)
    if not n:
        return ok
    x, y, w, h = (stats[ids, k].astype(np.int64) for k in range(4))
    for length, start, fixed, rows in ((w, x, y, True), (w, x, y + h - 2, True),
                                       (h, y, x, False), (h, y, x + w - 2, False)):
        owner = np.repeat(np.arange(n), length)  # which box each strip position belongs to
        pos = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length) + start[owner]
        at, want = fixed[owner], ids[owner]
        if rows:  # the two rows at..at+1, column pos
            hit = (labels[at, pos] == want) | (labels[at + 1, pos] == want)
        else:  # the two columns at..at+1, row pos
            hit = (labels[pos, at] == want) | (labels[pos, at + 1] == want)
        covered = np.bincount(owner, weights=hit, minlength=n)
        ok &= ~(covered / length < frac)
    return ok


def _median_height(stats: np.ndarray, lo: float, hi: float, clean: np.ndarray | None = None) -> float:
    """Median height of digit-like components; ``clean`` (per component, optional) keeps only those
    standing on fairly clean background, so desk texture or a patterned border does not set the scale."""
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    ok = (h >= lo) & (h <= hi) & (w <= 1.5 * h) & (w >= 0.08 * h)
    if clean is not None and (ok & clean[:len(ok)]).sum() >= 3:
        ok &= clean[:len(ok)]
    if not ok.any():
        ok = (h >= lo) & (h <= hi)  # only wide things (touching digits, words): their height still tells
    if not ok.any():
        return float(2 * lo)
    return float(np.median(h[ok]))


def _line_pieces(lines: np.ndarray, mask: np.ndarray, max_thickness: float, line_len: int,
                 span: float) -> np.ndarray:
    """The pieces of a component's line mask (``mask``: the component's ink) that are ruled lines: thin
    for their length (area / length at most ``max_thickness`` x length, or 3 px) and, when horizontal,
    either spanning ``span`` of the component, sticking out beyond the rest of its ink, or twice
    ``line_len`` long. The bar of a big 5 is long but thick; the baselines of touching digits ("3088" on
    one ink run) are thin but lie within the characters, while a rule under or through a number runs on
    past them. Pieces are judged whole: where a digit crosses a rule the rule is locally thick, and it
    must still go."""
    h, w = lines.shape
    n, lab, st, _ = cv2.connectedComponentsWithStats(lines, connectivity=8, ltype=cv2.CV_16U)  # (fast labels)
    px, py = st[1:, cv2.CC_STAT_LEFT], st[1:, cv2.CC_STAT_TOP]
    pw, ph = st[1:, cv2.CC_STAT_WIDTH], st[1:, cv2.CC_STAT_HEIGHT]
    length = np.maximum(pw, ph).astype(np.float32)
    thickness = st[1:, cv2.CC_STAT_AREA] / np.maximum(length, 1.0)
    horizontal = pw >= ph
    along = np.where(horizontal, pw / max(w, 1), ph / max(h, 1))
    thin = thickness <= np.maximum(3.0, max_thickness * length)
    # (only horizontal runs can be touching characters' baselines; a long thin upright stroke joining a
    # word to the number below it, the tail of an f, is always cut)
    keep = thin & ((along >= span) | (length >= 2 * line_len) | ~horizontal)
    flat = np.flatnonzero(thin & horizontal & ~keep)
    if len(flat) >= 2:
        # one rule broken into collinear runs (the relative-ink test thins a faint rule where dark digits
        # touch it): the runs on one row are judged together, by the span they cover
        cy = py[flat] + ph[flat] / 2.0
        order = flat[np.argsort(cy, kind="stable")]
        cy = np.sort(cy)
        starts = np.flatnonzero(np.r_[True, np.diff(cy) > 3.0])
        for a, b in zip(starts, np.r_[starts[1:], len(order)]):
            run = order[a:b]
            if len(run) < 2:
                continue
            extent = (px[run] + pw[run]).max() - px[run].min()
            if extent >= span * w or extent >= 2 * line_len:
                keep[run] = True
    if (thin & ~keep).any():
        rest = cv2.subtract(mask, lines)
        cols, rows = np.flatnonzero(rest.any(0)), np.flatnonzero(rest.any(1))
        if len(cols):
            margin = 0.1 * line_len  # (a third of a digit height)
            out_x = (px < cols[0] - margin) | (px + pw > cols[-1] + 1 + margin)
            out_y = (py < rows[0] - margin) | (py + ph > rows[-1] + 1 + margin)
            keep |= thin & np.where(horizontal, out_x, out_y)
        else:
            keep = thin
    if keep.all():
        return lines
    lut = np.zeros(n, np.uint8)
    lut[1:][keep] = 1
    return lut[lab]


def _spare_crossings(lines: np.ndarray, mask: np.ndarray, reach: int) -> np.ndarray:
    """The line pixels to remove, without those where a character's stroke crosses the line: ink of
    the rest of the component within ``reach`` px on both sides (above and below a horizontal line,
    left and right of a vertical one). A rule struck through a 9, or a 1 written across a ruled line,
    keeps the character whole; the rule between characters still goes."""
    rest = cv2.subtract(mask, lines)
    k = reach + 1
    down = np.ones((k, 1), np.uint8)
    across = np.ones((1, k), np.uint8)
    below = cv2.dilate(rest, down, anchor=(0, 0))  # ink within reach below (dst(y) = max src(y..y+reach))
    above = cv2.dilate(rest, down, anchor=(0, reach))
    right = cv2.dilate(rest, across, anchor=(0, 0))
    left = cv2.dilate(rest, across, anchor=(reach, 0))
    crossed = cv2.bitwise_or(cv2.bitwise_and(below, above), cv2.bitwise_and(left, right))
    return cv2.subtract(lines, cv2.bitwise_and(lines, crossed))


def _cell_sides(lines: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``lines`` plus the upright strokes that run from one removed horizontal rule to the next: the
    sides of a form's cells (a comb of boxes, one digit each). Between two rules (rows where the removed
    ink spans at least 0.3 of the component) a vertical opening half as tall as the gap finds the
    straight upright runs; a run that ends on removed rule ink at its top and at its bottom is a side
    and goes, also where a digit touches it. A 1 written in a cell seldom touches both rules; the
    sides, read as 1s or joined to the digits, would be in every row of a form."""
    H, W = mask.shape
    full = np.flatnonzero(np.count_nonzero(lines, axis=1) >= 0.3 * W)
    if len(full) < 2:
        return lines
    groups = np.split(full, np.flatnonzero(np.diff(full) > 1) + 1)
    if len(groups) < 2:
        return lines
    rest = cv2.subtract(mask, lines)
    out = lines
    for upper, lower in zip(groups[:-1], groups[1:]):
        top, bottom = int(upper[-1]) + 1, int(lower[0])  # the band between the two rules
        gap = bottom - top
        if gap < 6:
            continue
        band = np.ascontiguousarray(rest[top:bottom])
        reach = max(2, gap // 6)
        upright = cv2.morphologyEx(band, cv2.MORPH_OPEN, np.ones((max(4, gap // 2), 1), np.uint8))
        n, lab, st, _ = cv2.connectedComponentsWithStats(upright, connectivity=8, ltype=cv2.CV_16U)
        sides = []
        for k in range(1, n):
            x, y, w, h = (int(v) for v in st[k, :4])
            x0, x1 = max(0, x - 1), min(W, x + w + 1)
            above, below = top + y - 1, top + y + h
            # (ending on the rule's removed ink, or within a sixth of the gap of the rule: its fringe may
            # have taken the side's last pixels)
            at_top = y <= reach or (above >= 0 and lines[above, x0:x1].any())
            at_bottom = y + h >= gap - reach or (below < H and lines[below, x0:x1].any())
            if at_top and at_bottom:
                sides.append(k)
        if not sides:
            continue
        side = np.isin(lab, sides).view(np.uint8)
        side = cv2.bitwise_and(cv2.dilate(side, np.ones((1, 3), np.uint8)), band)  # and its fringe
        if out is lines:
            out = lines.copy()
        out[top:bottom] = cv2.bitwise_or(out[top:bottom], side)
    return out


class Segmenter:
    """``run(pre) -> Segments``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def run(self, pre: Preprocessed) -> Segments:
        cfg = self.config
        binary = pre.binary
        if pre.page is not None:
            # off the sheet only desk texture: pieces there are never digits, so they are not labelled
            binary = cv2.bitwise_and(binary, pre.page)
        start = binary  # (the ink labelled first: what the line removal takes out is start - binary)
        H, W = binary.shape
        min_h = cfg.min_digit_height
        max_h = max(min_h + 1, cfg.max_digit_frac * min(H, W))
        n, labels, stats = _components(binary)
        integral = _ink_integral(binary)

        cache = {"integral": None, "clean": np.zeros(0, bool)}

        def clean_of(st: np.ndarray) -> np.ndarray:
            # per component (row 1..): clean surroundings? Rows seen before with the same ink are kept
            # (a row zeroed since, a stripped frame or a split component, is never a candidate again)
            done = cache["clean"] if cache["integral"] is integral else np.zeros(0, bool)
            if len(done) < len(st) - 1:
                s = st[1 + len(done):]
                xyxy = np.stack([s[:, 0], s[:, 1], s[:, 0] + s[:, 2], s[:, 1] + s[:, 3]], 1)
                done = np.concatenate([done, _window_ink(integral, xyxy) <= cfg.max_clutter])
                cache["integral"], cache["clean"] = integral, done
            return done[:len(st) - 1]

        med = _median_height(stats, min_h, max_h, clean_of(stats))

        # ---- long ruled lines, only inside components long enough to hold one
        line_len = max(int(cfg.line_factor * med), 4 * min_h)
        big = np.flatnonzero((stats[1:, cv2.CC_STAT_WIDTH] > line_len)
                             | (stats[1:, cv2.CC_STAT_HEIGHT] > line_len)) + 1
        canon = None  # label ids in the order a fresh labelling would number them (None: 1, 2, ...)
        taken_out = None  # the ink the line step took out (rules, huge blobs), when it took any
        if len(big):
            binary = binary.copy()
            removed = False
            changed = []  # (label, its ink left after the removal or None)
            for i in big.tolist():
                x, y, w, h = stats[i, :4].tolist()
                roi_lab = labels[y:y + h, x:x + w]
                mask = (roi_lab == i).view(np.uint8)
                lines = None
                if w > line_len:
                    lines = _open_line(cv2.dilate(mask, _K51), line_len, 1)
                if h > line_len:
                    vertical = _open_line(cv2.dilate(mask, _K15), line_len, 0)
                    lines = vertical if lines is None else cv2.bitwise_or(lines, vertical)
                lines = cv2.bitwise_and(lines, mask)
                if w * h <= (8 * line_len) ** 2 and cv2.countNonZero(lines):  # (not a whole textured desk)
                    lines = _line_pieces(lines, mask, cfg.line_max_thickness, line_len, cfg.line_span)
                if cfg.tilted_lines and w * h <= (8 * line_len) ** 2 and max(w, h) > line_len:
                    # (the sheet's outline kept 20 px or half a digit height away)
                    sheet = None if pre.sheet is None else (pre.sheet, x, y, max(20, int(0.5 * med)))
                    tilted = _tilted_lines(cv2.subtract(mask, lines), max(line_len, int(6 * med)), sheet)
                    # (a huge blob that is mostly not those lines stays a blob: the straight stroke of a big
                    # glyph held up to the camera is no rule, and the glyph is looked for whole elsewhere)
                    if tilted is not None and not ((h > max_h * 1.2 or w > 6 * max_h)
                                                   and cv2.countNonZero(tilted) < 0.5 * cv2.countNonZero(mask)):
                        lines = cv2.bitwise_or(lines, tilted)
                if cv2.countNonZero(lines):
                    # widen a little so the line's anti-aliased fringe goes too
                    lines = cv2.bitwise_and(cv2.dilate(lines, _K33), mask)
                    if cfg.line_repair:
                        lines = _spare_crossings(lines, mask, max(3, int(round(0.4 * med))))
                    if cfg.cell_sides and w > line_len:
                        lines = _cell_sides(lines, mask)
                    roi = binary[y:y + h, x:x + w]
                    roi -= lines  # (lines lie on the component's ink)
                    removed = True
                    changed.append((i, cv2.subtract(mask, lines)))
                elif (h > max_h * 1.2) or (w > 6 * max_h):
                    binary[y:y + h, x:x + w] -= mask  # a huge blob: not digits
                    removed = True
                    changed.append((i, None))
            if removed:
                # only the changed components can fall apart: they are labelled again in their own boxes
                # (a full labelling of the frame when they cover much of it)
                relabelled = _relabel(labels, stats, changed) if len(changed) else None
                if relabelled is None:
                    n, labels, stats = _components(binary)
                else:
                    stats, canon = relabelled
                integral = _ink_integral(binary)
                med = _median_height(stats, min_h, max_h, clean_of(stats))
                taken_out = cv2.subtract(start, binary)

        # ---- containers (boxes around digits): strip the frame, look inside
        n_before = len(stats)
        n_labelled = len(stats)
        stats = self._open_containers(labels, stats, med, max_h, canon)
        if len(stats) != n_before or (stats[1:, 4] == 0).any():
            med = _median_height(stats, min_h, max_h, clean_of(stats))

        # ---- touching characters (blur and bold strokes bridge neighbours): a second, higher threshold
        if cfg.rethreshold_levels:
            n_before = len(stats)
            stats = self._separate_touching(labels, stats, pre, med, max_h, clean_of(stats), canon)
            if len(stats) != n_before:
                med = _median_height(stats, min_h, max_h, clean_of(stats))

        # ---- faint digits that thresholding broke into fragments: whole again at a lower threshold
        if cfg.rescue_level > 0:
            n_before = len(stats)
            stats = self._rescue_faint(labels, stats, pre, taken_out, med)
            if len(stats) != n_before:
                med = _median_height(stats, min_h, max_h, clean_of(stats))

        # ---- candidate pieces
        if canon is None:
            ids = np.arange(1, len(stats))
        else:  # labelling order first, then the pieces added since in the order they were added
            ids = np.concatenate([canon, np.arange(n_labelled, len(stats))])
        st = stats[ids]
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
        members = [[k] for k in ids[keep].tolist()]

        # pieces standing in dense texture never become digits (the clutter test below): they are
        # left out of the joining and merging, which is quadratic in the number of pieces
        busy = _window_ink(integral, boxes) > cfg.max_clutter if cfg.max_clutter < 1.0 else np.zeros(len(boxes), bool)
        busy |= ~self._on_page(pre, boxes)  # and so do pieces off the sheet
        if busy.any():
            calm = np.flatnonzero(~busy)
            rest = (boxes[busy], [members[i] for i in np.flatnonzero(busy).tolist()], areas[busy])
            boxes, members, areas = boxes[calm], [members[i] for i in calm.tolist()], areas[calm]
        boxes, members, areas = self._join_dots(boxes, members, areas, med, max_h)
        boxes, members, areas = self._merge(boxes, members, areas, med, max_h)
        if busy.any():
            boxes = np.concatenate([boxes.reshape(-1, 4), rest[0]])
            members = members + rest[1]
            areas = np.concatenate([areas, rest[2]])

        bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        digit = (bh >= min_h) & (bh <= max_h) & (bw >= cfg.min_aspect * bh) & (bw <= 4.5 * bh)
        # clutter: real digits stand on a fairly clean background; in texture (wood grain, fabric,
        # security-paper patterns) the ink density around a candidate (3x its box) is high
        if digit.any() and cfg.max_clutter < 1.0:
            digit &= _window_ink(integral, boxes) <= cfg.max_clutter
        # off the sheet (when one clearly stands out): desk texture
        if digit.any():
            digit &= self._on_page(pre, boxes)
        # a stroke that runs from one removed rule to another is a box's or a cell's side, not a 1: its top
        # and its bottom end on the rules' ink (a drawn box around an amount, tilted in the photo)
        if cfg.box_sides and taken_out is not None and digit.any():
            digit &= ~self._between_rules(boxes, digit, taken_out)
        # Digit-sized but much shorter than the characters beside it on its line: a mark, unless it is of
        # the frame's usual digit size (those 'characters beside it' are then pattern or border pieces)
        # (sizes are compared with the neighbours, not the whole frame: a page may hold digits of many sizes)
        if digit.sum() >= 2:
            short = self._short_on_line(boxes, digit)
            if cfg.short_exempt > 0:
                short &= bh < cfg.short_exempt * med
            digit &= ~short
        med2 = float(np.median(bh[digit])) if digit.any() else med
        mark = ~digit & (np.maximum(bw, bh) >= 2)
        return Segments(xyxy=boxes[digit].astype(np.float32),
                        members=[np.asarray(members[i], np.int32) for i in np.flatnonzero(digit)],
                        labels=labels, marks=boxes[mark].astype(np.float32), median_height=med2)

    # ------------------------------------------------------------------ helpers
    def _rescue_faint(self, labels: np.ndarray, stats: np.ndarray, pre: Preprocessed,
                      taken_out: np.ndarray | None, med: float) -> np.ndarray:
        """Faint or thin digits (a hard pencil, small print, blur) come out of the threshold as a few
        fragments, none digit-sized, each too small to be a candidate. At ``rescue_level`` x the ink
        threshold the whole stroke is one component: where such a component is digit-sized
        (0.7-1.3 x the median height, no wider than tall) and every piece of ink inside it is a
        fragment (shorter than 0.75 of it), its pixels become one new component in place of the
        fragments. A digit-sized piece inside means the stroke was found already (and a larger
        low-threshold component joins characters through weak bridges: never used). The components
        are found on a half-size copy (2x2 maxima: strokes stay whole), a quarter of the pixels.
        ``taken_out``: the ink the ruled-line step removed (None: none), kept out here too."""
        cfg = self.config
        h_all = stats[1:, 3]
        if np.count_nonzero((h_all >= 0.7 * med) & (h_all <= 1.3 * med)) < 3:
            return stats  # no digits found to tell the digit size (the median is a default)
        level = cfg.rescue_level * pre.threshold * 255.0
        half = cv2.dilate(pre.contrast, _K22)[::2, ::2]
        low = cv2.threshold(half, level, 1, cv2.THRESH_BINARY)[1]
        if pre.page is not None:
            low = cv2.bitwise_and(low, pre.page[::2, ::2])
        if taken_out is not None:  # (ruled lines: their faint fringe too)
            low = cv2.subtract(low, cv2.dilate(taken_out, _K33)[::2, ::2])
        n, lab, st = _components(np.ascontiguousarray(low))
        if n < 2:
            return stats
        lw, lh = 2 * st[:, 2], 2 * st[:, 3]
        digit = (lh >= 0.7 * med) & (lh <= 1.3 * med + 2) & (lw <= lh) & (lw >= 0.1 * lh)
        digit[0] = False
        if not digit.any():
            return stats
        # the pieces of ink inside the digit-sized low components, sampled on the half-size grid (a
        # fragment missed between the samples does not matter: only the tallest piece is looked at)
        # (from the low ink's points: indexing whole label images cost more than the points do)
        points = cv2.findNonZero(low)
        if points is None:
            return stats
        points = points.reshape(-1, 2)
        comp = lab[points[:, 1], points[:, 0]].astype(np.int64)
        inside = digit[comp]
        points, comp = points[inside], comp[inside]
        piece = labels[2 * points[:, 1], 2 * points[:, 0]].astype(np.int64)
        inked = piece > 0
        if not inked.any():
            return stats
        comp, piece = comp[inked], piece[inked]
        # per low component: its tallest piece of ink; it qualifies when that is a fragment
        tallest = np.zeros(n, np.int64)
        np.maximum.at(tallest, comp, stats[piece, 3].astype(np.int64))
        ok = digit & (tallest > 0) & (tallest < 0.75 * lh)
        if not ok.any():
            return stats
        H, W = labels.shape
        limit = min(np.iinfo(labels.dtype).max, 65000) if labels.dtype == np.uint16 else np.iinfo(np.int32).max
        new_stats = []
        next_id = len(stats)
        stats = stats.copy()
        for c in np.flatnonzero(ok).tolist():
            if next_id >= limit:
                break
            hx, hy, hw, hh = (int(v) for v in st[c, :4])
            x, y = 2 * hx, 2 * hy
            w, h = min(2 * hw, W - x), min(2 * hh, H - y)
            # the component's pixels at full size: its half-size cells, where the contrast passes
            cells = np.repeat(np.repeat(lab[hy:hy + hh, hx:hx + hw] == c, 2, 0), 2, 1)[:h, :w]
            own = cells & (pre.contrast[y:y + h, x:x + w] > level)
            if not own.any():
                continue
            roi = labels[y:y + h, x:x + w]
            gone = np.unique(roi[own])
            stats[gone[gone > 0], 2:5] = 0  # the fragments are now part of the new component
            roi[own] = next_id
            bx, by, bw, bh = cv2.boundingRect(own.view(np.uint8))
            new_stats.append([x + bx, y + by, bw, bh, int(np.count_nonzero(own))])
            next_id += 1
        return np.concatenate([stats, np.asarray(new_stats, stats.dtype)]) if new_stats else stats

    @staticmethod
    def _on_page(pre: Preprocessed, boxes: np.ndarray) -> np.ndarray:
        """Per box: is its centre on the sheet (always, when no sheet was found)?"""
        if pre.page is None or not len(boxes):
            return np.ones(len(boxes), bool)
        H, W = pre.page.shape
        cx = np.clip(((boxes[:, 0] + boxes[:, 2]) / 2).astype(np.int64), 0, W - 1)
        cy = np.clip(((boxes[:, 1] + boxes[:, 3]) / 2).astype(np.int64), 0, H - 1)
        return pre.page[cy, cx] > 0

    @staticmethod
    def _between_rules(boxes: np.ndarray, digit: np.ndarray, removed: np.ndarray) -> np.ndarray:
        """Thin candidates (at most 0.45 as wide as tall) with removed rule ink (``removed``: what the
        line step took out) right at their top and their bottom (within 2 px: they were joined, over
        their width widened by 2 px)."""
        H, W = removed.shape
        out = np.zeros(len(boxes), bool)
        b = np.rint(boxes).astype(np.int64)
        w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        for i in np.flatnonzero(digit & (w <= 0.45 * h)).tolist():
            x0, y0, x1, y1 = b[i].tolist()
            xa, xb = max(0, x0 - 2), min(W, x1 + 2)
            top = removed[max(0, y0 - 2):min(H, y0 + 1), xa:xb]
            bottom = removed[max(0, y1 - 1):min(H, y1 + 2), xa:xb]
            out[i] = bool(top.size and bottom.size and top.any() and bottom.any())
        return out

    @staticmethod
    def _short_on_line(boxes: np.ndarray, digit: np.ndarray, ratio: float = 0.45) -> np.ndarray:
        """Boxes shorter than ``ratio`` x the median height of at least two digit-sized neighbours
        on their line (the neighbour's vertical span holds the box's centre, gap under 1.5 heights)."""
        idx = np.flatnonzero(digit)
        b = boxes[idx]
        h = b[:, 3] - b[:, 1]
        cy = (b[:, 1] + b[:, 3]) / 2
        gap = np.maximum(0, np.maximum(b[None, :, 0] - b[:, None, 2], b[:, None, 0] - b[None, :, 2]))
        near = ((cy[:, None] >= b[None, :, 1]) & (cy[:, None] <= b[None, :, 3])
                & (gap <= 1.5 * h[None, :]) & (h[None, :] * ratio > h[:, None]))
        np.fill_diagonal(near, False)
        out = np.zeros(len(boxes), bool)
        out[idx] = near.sum(1) >= 2
        return out

    def _open_containers(self, labels: np.ndarray, stats: np.ndarray, med: float, max_h: float,
                         canon: np.ndarray | None = None) -> np.ndarray:
        """Frames around digits: strip their border, add what is inside as new components."""
        st = stats[1:]
        w, h, area = st[:, 2], st[:, 3], st[:, 4]
        cand = np.flatnonzero((h >= 0.8 * med) & (w >= 0.5 * med) & (h <= 1.3 * max_h)
                              & (area < 0.6 * w * h) & (np.minimum(w, h) >= 8)) + 1
        cand = _in_order(cand, canon)
        new_stats = [stats]
        next_id = len(stats)
        # cheap test on the four edge strips first (most candidates are plain digits): each of them
        # must be at least 60 % covered (all boxes at once: a box's ink is only ever changed by its
        # own turn in the loop below, so testing them up front gives the same answers)
        for i in cand[_strips_covered_many(labels, stats, cand, 0.6)]:
            x, y, bw, bh = (int(v) for v in stats[i, :4])
            roi_lab = labels[y:y + bh, x:x + bw]
            if not roi_lab[bh // 3:max(bh // 3 + 1, 2 * bh // 3), bw // 3:max(bw // 3 + 1, 2 * bw // 3)].any():
                continue  # nothing inside (a bold 0 or O, an empty box): no frame to open
            mask = roi_lab == i
            rows, cols = mask.mean(1), mask.mean(0)
            inner = mask.copy()
            lim_r, lim_c = max(2, bh // 6), max(2, bw // 6)
            top, bot = _rim(rows, lim_r), bh - _rim(rows[::-1], lim_r)
            left, right = _rim(cols, lim_c), bw - _rim(cols[::-1], lim_c)
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
                                                                    ltype=_ltype(inner.shape))
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

    def _separate_touching(self, labels: np.ndarray, stats: np.ndarray, pre: Preprocessed, med: float,
                           max_h: float, clean: np.ndarray | None = None,
                           canon: np.ndarray | None = None) -> np.ndarray:
        """Components wider than one character: look at them again at higher ink thresholds.

        Blur and bold strokes join neighbouring characters through bridges of weaker ink. For a
        component wider than ``touch_aspect`` x its height, the contrast map inside it is thresholded
        at rising fractions (``rethreshold_levels``) of its own strong-ink level; at the first level
        where it falls into two or more pieces of character height, every ink pixel of the component is
        given to its nearest piece (so strokes keep their width) and the pieces replace it."""
        cfg = self.config
        st = stats[1:]
        w, h = st[:, 2], st[:, 3]
        ok = (h >= max(cfg.min_digit_height, 0.5 * med)) & (h <= max_h) & (w >= cfg.touch_aspect * h) & (st[:, 4] > 0)
        if clean is not None:  # (in texture nothing becomes a digit anyway)
            ok &= clean[:len(ok)]
        cand = _in_order(np.flatnonzero(ok) + 1, canon)
        if not len(cand):
            return stats
        new_stats = [stats]
        next_id = len(stats)
        limit = np.iinfo(labels.dtype).max
        floor = pre.threshold * 255.0
        for i in cand.tolist():
            x, y, bw, bh = stats[i, :4].tolist()
            roi_lab = labels[y:y + bh, x:x + bw]
            mask = roi_lab == i
            mask8 = mask.view(np.uint8)
            con = pre.contrast[y:y + bh, x:x + bw]
            vals = con[mask]
            if vals.size < 10:
                continue
            peak = float(np.partition(vals, int(0.9 * (vals.size - 1)))[int(0.9 * (vals.size - 1))])
            area = float(vals.size)
            # quick test at the highest level first: a component still in one piece there (lower
            # levels only join pieces) is one character
            top = max(floor + 1.0, max(cfg.rethreshold_levels) * peak)
            if cv2.connectedComponents(_above(con, top, mask8), connectivity=8, ltype=_ltype(con.shape))[0] < 3:
                continue
            found = None
            tried = set()
            for lv in cfg.rethreshold_levels:
                t = max(floor + 1.0, lv * peak)
                # OpenCV compares 8-bit pixels with floor(t): a level with the floor of one already
                # tried gives the same seeds (and so fails again)
                if math.floor(t) in tried:
                    continue
                tried.add(math.floor(t))
                seeds = _above(con, t, mask8)
                k, sub, sst, _ = cv2.connectedComponentsWithStats(seeds, connectivity=8, ltype=_ltype(seeds.shape))
                if k < 3:
                    continue
                big = (sst[1:, 3] >= 0.5 * bh) & (sst[1:, 4] >= 0.04 * area)
                if big.sum() >= 2:
                    found = (k, sub, sst, big)
                    break
            if found is None:
                continue
            k, sub, sst, big = found
            if next_id + int(big.sum()) >= limit:
                break
            # seeds: the big pieces only; every pixel of the component goes to the nearest one
            keep_ids = np.flatnonzero(big) + 1
            is_seed = np.zeros(k, bool)
            is_seed[keep_ids] = True
            seed_map = is_seed[sub]  # (np.isin's answer, by lookup)
            _, near = cv2.distanceTransformWithLabels((~seed_map).astype(np.uint8), cv2.DIST_L2, 3,
                                                      labelType=cv2.DIST_LABEL_PIXEL)
            # nearest seed pixel -> its piece
            ys, xs = np.nonzero(seed_map)
            lut = np.zeros(len(ys) + 1, np.int32)
            # DIST_LABEL_PIXEL numbers zero pixels in row-major scan order, starting at 1
            lut[1:] = sub[ys, xs]
            owner = lut[near] * mask
            roi_lab[mask] = 0
            stats[i, 2:5] = 0
            for j in keep_ids:
                part = owner == j
                if not part.any():
                    continue
                rows = np.flatnonzero(part.any(1))
                cols = np.flatnonzero(part.any(0))
                roi_lab[part] = next_id
                new_stats.append(np.array([[x + cols[0], y + rows[0], cols[-1] - cols[0] + 1,
                                            rows[-1] - rows[0] + 1, int(part.sum())]], stats.dtype))
                next_id += 1
        return np.concatenate(new_stats) if len(new_stats) > 1 else stats

    @staticmethod
    def _join_dots(boxes: np.ndarray, members: list[list[int]], areas: np.ndarray, med: float, max_h: float):
        """Dotted ink: chains of three or more small, round, evenly sized dots, each within about a dot's
        size of the next, become one piece when together they are digit-sized (tall enough, not much
        wider than tall). Dotted rules are far wider than tall and dense speckle is texture (left to the
        clutter test), so neither passes."""
        n = len(boxes)
        if n < 3:
            return boxes, members, areas
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        size = np.maximum(w, h)
        dot = np.flatnonzero((size <= 0.35 * med) & (size >= 3) & (w <= 1.6 * h) & (h <= 1.6 * w)
                             & (areas >= 0.45 * w * h))
        if len(dot) < 3 or len(dot) > 600:
            return boxes, members, areas
        b = boxes[dot]
        gx = np.maximum(0, np.maximum(b[None, :, 0] - b[:, None, 2], b[:, None, 0] - b[None, :, 2]))
        gy = np.maximum(0, np.maximum(b[None, :, 1] - b[:, None, 3], b[:, None, 1] - b[None, :, 3]))
        s = size[dot]
        link = (np.maximum(gx, gy) <= 0.8 * np.maximum(s[:, None], s[None, :])) \
            & (np.maximum(s[:, None], s[None, :]) <= 1.5 * np.minimum(s[:, None], s[None, :]))
        np.fill_diagonal(link, False)
        if not link.any():
            return boxes, members, areas
        k, comp = connected_components(link, directed=False)
        gone = np.zeros(n, bool)
        new_boxes, new_members, new_areas = [], [], []
        for c in range(k):
            grp = dot[comp == c]
            if len(grp) < 3:
                continue
            u = np.float32([boxes[grp, 0].min(), boxes[grp, 1].min(), boxes[grp, 2].max(), boxes[grp, 3].max()])
            uw, uh = u[2] - u[0], u[3] - u[1]
            if uh < 0.5 * med or uh > max_h or uw > 1.0 * uh:
                continue
            gone[grp] = True
            new_boxes.append(u)
            new_members.append([m for g in grp for m in members[g]])
            new_areas.append(areas[grp].sum())
        if not new_boxes:
            return boxes, members, areas
        keep = np.flatnonzero(~gone)
        return (np.concatenate([boxes[keep], np.stack(new_boxes)]),
                [members[i] for i in keep] + new_members,
                np.concatenate([areas[keep], np.float32(new_areas)]))

    def _merge(self, boxes: np.ndarray, members: list[list[int]], areas: np.ndarray, med: float,
               max_h: float = np.inf):
        """Join fragments into their neighbour when the union still looks like one digit."""
        cfg = self.config
        n = len(boxes)
        if n < 2:
            return boxes, members, areas
        boxes = boxes.copy()
        alive = np.ones(n, bool)
        # quick screen of the pieces that may merge (shorter than 1.2 median) against all: only a piece
        # near a clearly taller one can ever merge
        hh = boxes[:, 3] - boxes[:, 1]
        rows = np.flatnonzero(hh < 1.2 * med)
        if not len(rows):
            return boxes, members, areas
        br = boxes[rows]
        gap = (np.maximum(0, np.maximum(boxes[None, :, 0] - br[:, None, 2], br[:, None, 0] - boxes[None, :, 2]))
               + np.maximum(0, np.maximum(boxes[None, :, 1] - br[:, None, 3], br[:, None, 1] - boxes[None, :, 3])))
        reach = np.maximum(hh[rows, None], hh[None, :]) * max(cfg.merge_gap, 0.12) * 1.4 + 1
        maybe = np.zeros(n, bool)
        maybe[rows] = ((gap <= reach) & (hh[rows, None] < 0.92 * hh[None, :])).any(1)
        # targets are looked for only among pieces that can reach: a merged box stays within
        # 1.35 x max(median, target height) (dotted strokes were joined before)
        near = np.zeros((n, n), bool)
        near[rows] = gap <= 1.4 * np.maximum(med, hh[None, :]) + 2
        near[np.arange(n), np.arange(n)] = False
        del gap, reach
        # the merge test of every (fragment, nearby piece) pair at once, on the boxes as they are now;
        # a pair is tested again in the loop only once a merge has grown one of its two boxes
        pp, pt = np.nonzero(near & maybe[:, None])
        pre_ok, pre_dist = self._merge_test(boxes[pp], areas[pp], boxes[pt], areas[pt], med, max_h)
        row_start = np.searchsorted(pp, np.arange(n + 1))
        dirty = np.zeros(n, bool)  # boxes grown by a merge
        order = np.argsort(areas)
        for p in order:
            if not alive[p] or not maybe[p]:
                continue
            bp = boxes[p]
            hp = bp[3] - bp[1]
            if hp >= 1.2 * med:
                continue
            a, b = row_start[p], row_start[p + 1]
            cand = pt[a:b]
            live = alive[cand]
            cand = cand[live]
            if not len(cand):
                continue
            if dirty[p] or dirty[cand].any():
                ok, dist = self._merge_test(bp, areas[p], boxes[cand], areas[cand], med, max_h)
            else:
                ok, dist = pre_ok[a:b][live], pre_dist[a:b][live]
            if not ok.any():
                continue
            dist = np.where(ok, dist, np.inf)
            t = cand[int(np.argmin(dist))]
            boxes[t] = [min(boxes[t, 0], bp[0]), min(boxes[t, 1], bp[1]),
                        max(boxes[t, 2], bp[2]), max(boxes[t, 3], bp[3])]
            members[t] = members[t] + members[p]
            areas[t] += areas[p]
            alive[p] = False
            dirty[t] = True
        keep = np.flatnonzero(alive)
        return boxes[keep], [members[i] for i in keep], areas[keep]

    def _merge_test(self, bp: np.ndarray, ap, bt: np.ndarray, at: np.ndarray, med: float, max_h: float):
        """May fragment(s) ``bp`` (xyxy, area ``ap``) join piece(s) ``bt`` (area ``at``)? Either one
        fragment against many pieces, or pairs row by row. The union is never taller than ``max_h``, the
        tallest digit (a big digit would become no candidate at all). Returns (ok, gap x + gap y)."""
        cfg = self.config
        px0, py0, px1, py1 = bp[..., 0], bp[..., 1], bp[..., 2], bp[..., 3]
        tx0, ty0, tx1, ty1 = bt[:, 0], bt[:, 1], bt[:, 2], bt[:, 3]
        hp, wp = py1 - py0, px1 - px0
        ht, wt = ty1 - ty0, tx1 - tx0
        uh = np.maximum(ty1, py1) - np.minimum(ty0, py0)
        uw = np.maximum(tx1, px1) - np.minimum(tx0, px0)
        gx = np.maximum(0, np.maximum(tx0 - px1, px0 - tx1))
        gy = np.maximum(0, np.maximum(ty0 - py1, py0 - ty1))
        xover = np.minimum(tx1, px1) - np.maximum(tx0, px0)
        yover = np.minimum(ty1, py1) - np.maximum(ty0, py0)
        fragment = (hp < cfg.fragment_height * ht) & (ap < 0.9 * at + 1)
        shape_ok = ((uw <= cfg.merge_max_aspect * uh) & (uh >= 0.5 * med) & (uh <= max_h)
                    & (uh <= 1.35 * np.maximum(med, ht)))
        # a round dot clearly apart from the stroke below/above it is the dot of i, j, ! or ?: not merged
        dot = (np.maximum(wp, hp) <= 0.3 * uh) & (wp <= 2 * hp) & (hp <= 2 * wp) & (gy > 0.05 * uh)
        stacked = (xover >= 0.3 * np.minimum(wp, wt)) & (gy <= cfg.merge_gap * uh) & (gx == 0) & ~dot
        beside = ((yover >= 0.3 * hp) & (gx <= 0.12 * uh) & (hp >= 0.4 * ht)
                  & (wp <= 1.2 * hp + 2))
        inside = (xover >= 0.8 * wp) & (yover >= 0.8 * hp)
        # two nearly touching parts of one glyph (a 4 drawn in two strokes): too narrow together for two digits
        halves = ((yover >= 0.6 * np.minimum(hp, ht)) & (gx <= 0.06 * uh) & (hp < 0.92 * ht)
                  & (uw <= 0.75 * uh) & (uh <= 1.3 * np.maximum(hp, ht)))
        ok = (fragment & shape_ok & (stacked | beside | inside)) | (halves & shape_ok)
        return ok, gx + gy


def _rim(profile: np.ndarray, limit: int, full: float = 0.45) -> int:
    """How many leading rows/columns (at most ``limit``) are a container's border: > ``full`` ink."""
    n = 0
    while n < limit and profile[n] > full:
        n += 1
    return n
