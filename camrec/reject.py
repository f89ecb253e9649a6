"""Reject: drop what is not a digit (layer 1).

Three cheap, independent tests; a candidate is reported only if it passes all:

1. **Model**: with an 11-class model (``meta.n_classes == 11``, last class =
   "not a digit") a box whose reject-class probability exceeds
   ``reject_class_threshold`` (or is the arg-max) is dropped. Either way the
   top *digit* probability must reach ``min_confidence`` (calibrated: see
   the report in ``tests/test_stages.py`` / the README).
2. **Shape**: blobs (box more than ``max_fill`` full of ink and not thin),
   drawn frames (ink along all four sides of the box, e.g. the rim left of a
   big filled shape), boxes still much wider than a digit after splitting,
   strokes with a dot right above or below (i, j, !, ?), boxes much
   shorter than the other characters of their line (or much taller, reaching
   beyond them at both ends: the edge of a plate or a box; reason "tall"),
   and strokes standing in
   texture: the mean contrast of the cleaner of the two bands one box-height
   tall above and below the box is above ``max_surround`` x the ink threshold or ``max_surround_own`` x the
   box's own ink contrast (wood grain and fabric make 1s by the dozen).
   A candidate alone on its row (nothing within ``lone_gap`` heights left or
   right) meets a lower texture limit, ``lone_surround``: a lone digit sits on
   clean paper; a lone stroke with ink in its ring is a grid cell's side, a
   box border or a paper edge: reason "lone".
   Five or more thin 1-like boxes strung along one straight near-vertical
   line far longer than a digit are a broken long line (a paper edge, a faint
   rule): reason "line".
   Optional (``slash_slope``, off by default): a "1" leaning right more than
   that with digits right beside it on both sides is the '/' of a date: reason "slash"; the
   pipeline hands it to the group stage as a separator mark.
3. **Context**: characters closer than ``letter_gap`` x height on one line
   form a word. A word with at least one rejected member whose mean
   "doubt" (1 per rejected member, 1/2 per member below
   ``doubt_confidence``) reaches ``letter_run_vote`` (0.5 for words of 2-3)
   is a word of letters (a member more than ``mixed_height`` x shorter than
   the tallest of its word adds half a doubt, and such a word of mixed sizes
   is voted on even without a reject; a line of several words is voted on
   whole when its mean doubt reaches ``letter_line_vote``, otherwise word by
   word, split at clear spaces, so "Fax 0610" keeps its number):
   its digit-looking members (O, l, S, B, Z in "HELLO WORLD") go too; a word
   with a word of letters one word space beside it needs only
   ``letter_next_vote`` (sizes not counted): "WORLD" after "HELLO".
   Lowercase letters too small to be candidates (marks of x-height standing
   on a candidate's baseline, round enough not to be a colon or a comma)
   vote as letters too (``letter_marks``): the a in "Call", the o in "Do".
   Two or more sure digits side by side (not all 0s and 1s) are not
   outvoted by a word's letters (``plate_digit_block``): "JR04" on a plate;
   in a word of capitals voted letters, such a block not at its start
   keeps its place too ("YK48 VCP").
   Before the vote, on a line of mixed-case text (its rejected characters
   come in an x-height and a taller size) a candidate of a short word no
   taller than the x-height is a lowercase letter (digits are as tall as
   capitals): reason "x-height". After it, a doubtful digit whose every
   neighbour within ``among_letters_gap`` heights on its row was rejected as
   a letter is one more letter: reason "among letters". A 10-class
   softmax is confidently wrong on many letters, so this context does most
   of the letter rejection until a model with a "not a digit" class ships.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components

from camrec.config import PipelineConfig
from camrec.group import link_runs


def _median(values) -> float:
    """np.median of a small array, without its ~15 us of overhead per call (called thousands of times a
    second here)."""
    a = np.sort(np.asarray(values, np.float64).ravel())
    n = len(a)
    if n == 0:
        return float("nan")
    return float(a[n // 2]) if n % 2 else float(0.5 * (a[n // 2 - 1] + a[n // 2]))


def _percentile(values, q: float) -> float:
    """np.percentile (linear interpolation) of a small array, without its ~30 us of overhead per call."""
    a = np.sort(np.asarray(values, np.float64).ravel())
    pos = (len(a) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(a) - 1)
    return float(a[lo] + (a[hi] - a[lo]) * (pos - lo))


@dataclass
class Verdict:
    keep: np.ndarray  # (n,) bool
    label: np.ndarray  # (n,) int, the best digit
    score: np.ndarray  # (n,) float32, its probability
    reason: np.ndarray  # (n,) str: "" kept, else why rejected


def _split_at_spaces(xyxy: np.ndarray, run: list[int]) -> list[list[int]]:
    """A run cut where a gap is clearly wider than its letter spacing (a word space: 'Fax 0610'),
    when both sides hold two or more characters."""
    gaps = xyxy[run[1:], 0] - xyxy[run[:-1], 2]
    h = _median(xyxy[run, 3] - xyxy[run, 1])
    wide = gaps >= max(0.25 * h, 2.0 * _median(gaps) + 0.05 * h)
    out, cur = [], [run[0]]
    for k, (g, j) in enumerate(zip(wide, run[1:])):
        if g and len(cur) >= 2 and len(run) - (k + 1) >= 2:  # both sides a word of 2+, not a lone letter
            out.append(cur)
            cur = []
        cur.append(j)
    out.append(cur)
    return out


def _digit_block(run: np.ndarray, hard: np.ndarray, score: np.ndarray, label: np.ndarray,
                 sure: float) -> bool:
    """Are the run's kept members two or more sure digits side by side, not all 0s and 1s? Letters and
    digits glued into one word ("JR04", "AB12CD" on a plate) keep their digits; the O, o, l and I that
    pass for 0s and 1s in words ("Call", "Tool") do not make such a block."""
    kept = np.flatnonzero(~hard[run])
    if len(kept) < 2 or kept[-1] - kept[0] != len(kept) - 1:
        return False
    members = run[kept]
    return bool((score[members] >= sure).all() and not np.isin(label[members], (0, 1)).all())


def _digit_word(part: np.ndarray, hard: np.ndarray, score: np.ndarray, label: np.ndarray, h: np.ndarray,
                sure: float) -> np.ndarray:
    """The members of a word that is a block of sure digits (see :func:`_digit_block`), or an empty array.
    Rejected pieces much taller or shorter than the digits (a plate's border, a bolt, a dash) are not
    letters of the word."""
    kept = part[~hard[part]]
    if len(kept) < 2:
        return np.zeros(0, np.int64)
    hk = _median(h[kept])
    word = part[~hard[part] | ((h[part] >= 0.75 * hk) & (h[part] <= 1.3 * hk))]
    if hard[word].any() or not _digit_block(word, hard, score, label, sure):
        return np.zeros(0, np.int64)
    return word


def _sure_block(run: np.ndarray, hard: np.ndarray, score: np.ndarray, label: np.ndarray, h: np.ndarray,
                sure: float) -> np.ndarray:
    """The sure digits (two or more side by side, not all 0s and 1s, not at the word's start) of a word
    of capitals (all its members within 15 % of one height), or an empty array: a plate's glued
    "YK48 VCP" keeps its digits even when the letters outvote them. (Words with lowercase letters, and
    digit-like letter pairs at a word's start, "Born", "SIGN", "OF", "flight", are not plates.)"""
    empty = np.zeros(0, np.int64)
    hr = h[run]
    if len(run) < 3 or hr.max() > 1.15 * hr.min():
        return empty
    ok = ~hard[run] & (score[run] >= sure)
    best = empty
    k = 1  # (not from the word's start)
    while k < len(run):
        if not ok[k]:
            k += 1
            continue
        j = k
        while j < len(run) and ok[j]:
            j += 1
        block = np.asarray(run[k:j])
        if len(block) >= 2 and len(block) > len(best) and not np.isin(label[block], (0, 1)).all():
            best = block
        k = j
    return best


def _true_runs(flags: np.ndarray) -> list[list[int]]:
    """The runs of consecutive True entries, as lists of their indices."""
    runs: list[list[int]] = []
    for k, flag in enumerate(flags.tolist()):
        if flag:
            if runs and runs[-1][-1] == k - 1:
                runs[-1].append(k)
            else:
                runs.append([k])
    return runs


def _towers(xyxy: np.ndarray, run: list[int], i: int, line_h: float, margin: float) -> bool:
    """Does box ``i`` reach beyond the characters of its line (the boxes no taller than 1.5 x its
    median height ``line_h``) at both ends, top and bottom, by ``margin``? A plate's or a box's edge
    does; a larger digit on the line shares its baseline or its top with some neighbour."""
    h = xyxy[run, 3] - xyxy[run, 1]
    chars = [j for j, hj in zip(run, h.tolist()) if j != i and hj <= 1.5 * line_h]
    if not chars:
        return False
    return bool(xyxy[i, 1] < xyxy[chars, 1].min() - margin and xyxy[i, 3] > xyxy[chars, 3].max() + margin)


def _letter_marks(xyxy: np.ndarray, marks: np.ndarray, gap: float) -> np.ndarray:
    """Marks that look like lowercase letters beside a candidate, as boxes on that candidate's line.

    A mark counts when it stands on a candidate's baseline (bottoms within 0.2 of its height: a hand
    does not keep to a line), is 0.45-0.8 of its height (x-height: a dot, dash or speck is smaller or
    flatter), at least 0.6 of its own height and 0.3 of the candidate's wide (a, c, e, o, n, r, s, u...: a
    comma, a colon, an i or a + is narrower or off the baseline) and at most 1.3 heights, and is at most
    ``gap`` heights away from it. Its box is stretched to the candidate's top and bottom so that the word
    grouping takes it as one more character of the line."""
    if marks is None or not len(marks) or not len(xyxy):
        return np.zeros((0, 4), np.float32)
    m = np.asarray(marks, np.float32).reshape(-1, 4)
    ch = (xyxy[:, 3] - xyxy[:, 1])[:, None]
    # (most marks are specks: the size tests that need no candidate first)
    mh, mw = m[:, 3] - m[:, 1], m[:, 2] - m[:, 0]
    m = m[(mh >= 0.45 * ch.min()) & (mw >= 0.6 * mh) & (mh <= 0.8 * ch.max())]
    if not len(m):
        return np.zeros((0, 4), np.float32)
    mh, mw = (m[:, 3] - m[:, 1])[None], (m[:, 2] - m[:, 0])[None]
    apart = np.maximum(m[None, :, 0] - xyxy[:, None, 2], xyxy[:, None, 0] - m[None, :, 2])
    ok = ((np.abs(m[None, :, 3] - xyxy[:, None, 3]) <= 0.2 * ch) & (mh >= 0.45 * ch) & (mh <= 0.8 * ch)
          & (mw >= 0.6 * mh) & (mw >= 0.3 * ch) & (mw <= 1.3 * ch) & (apart <= gap * ch) & (apart >= -0.1 * ch))
    hit = np.flatnonzero(ok.any(0))
    if not len(hit):
        return np.zeros((0, 4), np.float32)
    owner = np.argmin(np.where(ok[:, hit], apart[:, hit], np.inf), axis=0)
    out = m[hit].copy()
    out[:, 1], out[:, 3] = xyxy[owner, 1], xyxy[owner, 3]
    return out


def _broken_lines(xyxy: np.ndarray, label: np.ndarray, min_count: int) -> list[np.ndarray]:
    """Groups of thin 1-like boxes stacked along one straight, near-vertical line: each within 1.5
    heights of the next below it, at least ``min_count`` of them, spanning over four of their heights,
    centres within 0.3 height of a fitted line."""
    w, h = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
    thin = np.flatnonzero((w <= 0.4 * h) & (label == 1))
    if len(thin) < min_count:
        return []
    b = xyxy[thin]
    bh = b[:, 3] - b[:, 1]
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    gap = b[None, :, 1] - b[:, None, 3]  # i above j: j's top minus i's bottom
    hm = np.maximum(bh[:, None], bh[None, :])
    dy = cy[None, :] - cy[:, None]
    link = ((gap >= -0.1 * hm) & (gap <= 1.5 * hm) & (dy > 0)
            & (np.abs(cx[None, :] - cx[:, None]) <= 0.6 * dy + 2))
    if np.count_nonzero(link) < min_count - 1:  # (a group of min_count needs min_count - 1 links)
        return []
    k, comp = connected_components(link, directed=False)
    out = []
    for c in np.flatnonzero(np.bincount(comp, minlength=k) >= min_count).tolist():
        m = np.flatnonzero(comp == c)
        med = _median(bh[m])
        if b[m, 3].max() - b[m, 1].min() < 4 * med:
            continue
        y, x = cy[m].astype(np.float64), cx[m].astype(np.float64)
        dy = y - y.mean()  # the least-squares line x = a y + c0 (np.polyfit's, without its overhead)
        a = float((dy * (x - x.mean())).sum() / max(float((dy * dy).sum()), 1e-12))
        c0 = x.mean() - a * y.mean()
        if np.abs(x - (a * y + c0)).max() > max(2.0, 0.3 * med):
            continue
        out.append(thin[m])
    return out


class Rejecter:
    """``run(xyxy, probs, fill, frame) -> Verdict``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()
        # with a model that says "not a digit" itself, confidence and the letter vote need do less
        self._with_reject_class = self.config.with_(
            min_confidence=self.config.reject_class_min_confidence,
            letter_run_vote=self.config.reject_class_letter_vote,
            letter_line_vote=self.config.reject_class_letter_vote)

    def run(self, xyxy: np.ndarray, probs: np.ndarray, fill: np.ndarray,
            frame: np.ndarray | None = None, marks: np.ndarray | None = None,
            surround: np.ndarray | None = None, slope: np.ndarray | None = None,
            continuation: np.ndarray | None = None, side_step: np.ndarray | None = None) -> Verdict:
        """``fill``: ink / box area per box; ``frame``: ink runs along all four box sides (a drawn box);
        ``marks``: small non-digit pieces (a dot right above or below a stroke makes it i, j, ! or ?);
        ``surround``: texture score around each box, > 1 = texture (the pipeline gives
        max(band contrast / threshold / max_surround, band contrast / own contrast / max_surround_own));
        ``slope``: dx/dy of each crop's ink axis (positive leans right, like '/'); ``continuation``: how far
        a thin box's stroke runs on beyond both ends (:func:`camrec.crop.line_continuation`); ``side_step``:
        how different a thin box's two sides are (:func:`camrec.crop.side_step`)."""
        cfg = self.config
        xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
        n = len(xyxy)
        probs = np.asarray(probs, np.float32).reshape(n, -1) if n else np.zeros((0, 10), np.float32)
        digit = probs[:, :10]
        reason = np.full(n, "", dtype=object)
        if probs.shape[1] > 10:  # the model has a "not a digit" class: use it
            cfg = self._with_reject_class
            reason[probs[:, 10] > cfg.reject_class_threshold] = "model"
            # the digit probabilities given that it is a digit: "which digit" and "is it one" are two questions
            digit = digit / np.maximum(digit.sum(1, keepdims=True), 1e-12)
        label = digit.argmax(1) if n else np.zeros(0, np.int64)
        score = digit.max(1) if n else np.zeros(0, np.float32)
        reason[(reason == "") & (score < cfg.min_confidence)] = "confidence"
        w, h = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
        aspect = w / np.maximum(h, 1)
        # (small digits are not tested: at 12-25 px the holes of 0, 8, 6 close up in the binary)
        reason[(reason == "") & (fill > cfg.max_fill) & (aspect > 0.4) & (h >= cfg.blob_min_height)] = "blob"
        if frame is not None:
            reason[(reason == "") & frame] = "frame"
        # wider than a digit (and not split): a wide hand's 0, 4 or 5 is still one digit when the model is sure
        wide = (aspect > cfg.max_aspect) & ((aspect > cfg.max_aspect_sure) | (score < cfg.sure_confidence))
        if probs.shape[1] > 10 and cfg.max_aspect_surest > cfg.max_aspect_sure:
            # (and up to max_aspect_surest when the model sees no trace of a non-digit: a wide, flat 2 or 0)
            wide &= ~((aspect <= cfg.max_aspect_surest) & (score >= cfg.sure_confidence) & (probs[:, 10] < 0.01))
        reason[(reason == "") & wide] = "too wide"
        if surround is not None:  # a stroke in texture (wood grain, fabric): its surroundings are inky too
            reason[(reason == "") & (np.asarray(surround) > 1.0)] = "texture"
            # a lone character (nothing else on its row within ``lone_gap`` heights) has a clean ring
            # around it, unless it is a piece of something bigger: a grid cell's side, a paper edge,
            # the border of a box. Its ring then holds that ink: a lower texture limit applies.
            if cfg.lone_surround is not None and n:
                cy = (xyxy[:, 1] + xyxy[:, 3]) / 2
                lone_test = (reason == "") & (np.asarray(surround) > cfg.lone_surround)
                if cfg.lone_exempt_aspect is not None:
                    # a sure digit wider than a stroke is no grid line, box side or paper edge: on security
                    # paper or a textured card a lone digit has ink in its ring too
                    lone_test &= ~((aspect >= cfg.lone_exempt_aspect) & (score >= cfg.lone_exempt_confidence)
                                   & (label != 1))
                if cfg.lone_clean_surround is not None and continuation is not None and side_step is not None:
                    # a stroke that runs on into no line and steps onto no other surface, in a ring inked no
                    # more than fine print or a security pattern inks it: a digit (a lone 1 on a cheque)
                    lone_test &= ~((np.asarray(continuation) < cfg.lone_clean_continuation)
                                   & (np.asarray(side_step) < cfg.lone_clean_step)
                                   & (np.asarray(surround) < cfg.lone_clean_surround)
                                   & (score >= cfg.lone_clean_confidence))
                for i in np.flatnonzero(lone_test):
                    row = np.abs(cy - cy[i]) < 0.6 * h[i]
                    row[i] = False
                    gap = np.maximum(xyxy[i, 0] - xyxy[:, 2], xyxy[:, 0] - xyxy[i, 2])
                    if not (row & (gap < cfg.lone_gap * h[i])).any():
                        reason[i] = "lone"
        if continuation is not None:  # a piece of a longer faint line (a margin rule, a paper edge)
            reason[(reason == "") & (np.asarray(continuation) > cfg.max_line_continuation)] = "line piece"
        if side_step is not None:  # the edge of a sheet or a shadow: paper on one side only
            reason[(reason == "") & (np.asarray(side_step) > cfg.max_side_step)] = "edge"
        if marks is not None and len(marks) and n:
            m = np.asarray(marks, np.float32).reshape(-1, 4)
            mcx = (m[:, 0] + m[:, 2]) / 2
            msize = np.maximum(m[:, 2] - m[:, 0], m[:, 3] - m[:, 1])
            # a dot is compact: a dash or a piece of a box border beside a digit is not
            compact = msize <= 2.5 * np.maximum(np.minimum(m[:, 2] - m[:, 0], m[:, 3] - m[:, 1]), 1)
            cand = np.flatnonzero(reason == "")
            if len(cand):  # (candidates x marks at once)
                b = xyxy[cand]
                hc, wc = h[cand][:, None], w[cand][:, None]
                # over (or under) the stroke itself: a decimal point sits at a digit's corner, not under it
                near_x = np.abs(mcx[None] - (b[:, 0:1] + b[:, 2:3]) / 2) <= np.maximum(0.35 * wc, 0.15 * hc)
                small = (msize[None] <= 0.35 * hc) & (msize[None] >= 0.1 * hc) & compact[None]
                above = (m[None, :, 3] <= b[:, 1:2] + 0.05 * hc) & (m[None, :, 3] >= b[:, 1:2] - 0.5 * hc)
                below = (m[None, :, 1] >= b[:, 3:4] - 0.05 * hc) & (m[None, :, 1] <= b[:, 3:4] + 0.5 * hc)
                reason[cand[(near_x & small & (above | below)).any(1)]] = "dotted"
        # pieces of a broken long line (a paper edge, a faint rule or tile joint): thin strokes strung
        # along one straight line, far longer than a digit (five or more, collinear)
        if cfg.broken_line_min > 0 and n >= cfg.broken_line_min:
            for run in _broken_lines(xyxy, label, cfg.broken_line_min):
                reason[run[reason[run] == ""]] = "line"
        # much shorter than the characters of its own line: punctuation, symbol parts, stray marks; much
        # taller: the edge of a plate or a box beside them
        if n >= 3:
            for run in link_runs(xyxy, 1.5, 0.3, 4.0):
                if len(run) >= 3:
                    line_h = _median(h[run])
                    for i in run:
                        if reason[i] == "" and h[i] < cfg.min_line_height * line_h:
                            reason[i] = "small"
                        elif (reason[i] == "" and cfg.max_line_height and h[i] > cfg.max_line_height * line_h
                              and _towers(xyxy, run, i, line_h, 0.05 * line_h)):
                            reason[i] = "tall"  # a border or edge piece beside the characters
        # lowercase: on a line of mixed-case text (its rejected characters come in an x-height and a
        # taller ascender/capital size), a "digit" no taller than the x-height letters is a lowercase
        # letter (o, a, n, e, u...): digits are as tall as capitals
        words = None  # letter-spaced runs of the candidates (once found, used again below)
        not_digit_p = probs[:, 10] if probs.shape[1] > 10 else np.zeros(n, np.float32)
        if cfg.x_height_ratio > 0 and n >= 4:
            word = np.zeros(n, np.int64)  # word (letter-spaced run) of each candidate
            words = link_runs(xyxy, cfg.letter_gap, cfg.row_overlap, cfg.height_ratio)
            for k, run in enumerate(words):
                word[run] = k
            for run in link_runs(xyxy, cfg.x_height_gap, cfg.row_overlap, cfg.height_ratio):
                if len(run) < cfg.x_height_min:
                    continue  # (too few to hold enough rejected characters)
                run = np.asarray(run)
                # (not what towers over the line: a plate's or a box's border is no capital)
                run = run[h[run] <= 1.5 * _median(h[run])]
                rej = run[(reason[run] != "") & (reason[run] != "small")]
                if len(rej) < cfg.x_height_min or len(rej) < cfg.x_height_share * len(run):
                    continue
                xh = _percentile(h[rej], 25)
                tall = _percentile(h[run], 90)
                if tall < cfg.x_height_ratio * xh:
                    continue
                for i in run:
                    # a short word (a long run of kept characters is a number in a smaller hand); a sure 2,
                    # 3, 4, 6, 8 or 9 is no lowercase letter (o, l, s and r pass for 0, 1, 5 and 7)
                    if (reason[i] == "" and h[i] <= cfg.x_height_tol * xh
                            and ((word == word[i]) & (reason == "")).sum() <= cfg.x_height_word
                            and not (cfg.x_height_sure_digits and label[i] not in (0, 1, 5, 7)
                                     and score[i] >= cfg.doubt_confidence and not_digit_p[i] < 0.01)):
                        reason[i] = "x-height"
        # context: a word of letters. Hard rejects count 1, doubtful digits (below doubt_confidence) 1/2.
        # Lowercase letters too small to be digit candidates (the a of "Call", the o of "Do" in small
        # print) take part as letters: they stand in for full-height boxes on their neighbour's line.
        letter_marks = (_letter_marks(xyxy, marks, cfg.letter_gap) if cfg.letter_marks and marks is not None
                        else np.zeros((0, 4), np.float32))
        if len(letter_marks):
            n_real, k = n, len(letter_marks)
            xyxy = np.concatenate([xyxy, letter_marks])
            reason = np.concatenate([reason, np.full(k, "letter mark", dtype=object)])
            label = np.concatenate([label, np.full(k, -1, label.dtype)])
            score = np.concatenate([score, np.zeros(k, score.dtype)])
            h = np.concatenate([h, letter_marks[:, 3] - letter_marks[:, 1]])
            n = len(xyxy)
        if n >= 2:
            hard = reason != ""
            # rejected as letter-like (not as a dot, a mark too small for its line or a piece of a line)
            lettery_reason = np.isin(reason, ("model", "confidence", "x-height", "too wide", "blob", "letter mark"))
            # surely a letter: the model is sure it is no digit (an unsure one may be a badly written digit)
            not_digit = np.zeros(n, np.float32)
            not_digit[:len(not_digit_p)] = not_digit_p
            sure_letter = ((reason == "model") & (not_digit >= cfg.sure_letter)) | (reason == "letter mark")
            weight = np.where(hard, 1.0, np.where(score < cfg.doubt_confidence, 0.5, 0.0))
            distinct = np.isin(label, cfg.word_sure_digits) & (score >= cfg.doubt_confidence) & (not_digit < 0.01)

            def letters(run: np.ndarray, vote_4: float = cfg.letter_run_vote, sizes: bool = True,
                        whole_line: bool = False) -> float:
                """The run's mean doubt if it is voted a word of letters, else -1 (``vote_4``: the
                vote needed by a word of 4 or more; ``sizes``: mixed heights count)."""
                wr = weight[run]
                mixed = False
                if cfg.mixed_height > 0 and sizes:
                    # letters come in x-height, ascender and descender sizes; a number's digits are one size
                    hr = h[run]
                    # (not what towers over the line: a plate's or a box's border piece is no ascender)
                    ref = hr[hr <= 1.5 * _median(hr)]
                    tallest = ref.max()
                    if len(run) >= 3 and hard[run[0]] and not hard[run[1:]].any():
                        tallest = hr[1:].max()  # a taller '$', '#' or '€' before a number: not an ascender
                    short = hr * cfg.mixed_height < tallest
                    mixed = bool(short.any())
                    wr = np.minimum(wr + 0.5 * short, 1.0)
                if not (hard[run].any() or mixed):
                    return -1.0
                # a few digit-looking characters among several letters ('l' in "Call", 'D' in "Do")
                n_hard = int((hard[run] & lettery_reason[run]).sum())
                n_kept = len(run) - int(hard[run].sum())
                if cfg.word_min_letters and not whole_line and n_hard >= cfg.word_min_letters and (
                        n_kept <= cfg.word_max_digits or n_kept < n_hard) and not (
                        cfg.plate_digit_block and _digit_block(run, hard, score, label, cfg.doubt_confidence)):
                    return 1.0  # (a word, not a line: "Total $78" is judged word by word)
                kept, rejected = run[~hard[run]], run[hard[run]]
                # (a letter is no thin stroke: a form's cell side or a rule piece beside a digit is not one)
                letter_sized = (n_hard >= 1 and n_kept >= 1 and sure_letter[rejected].all()
                                and _median(xyxy[rejected, 2] - xyxy[rejected, 0]) >= 0.3 * _median(h[rejected])
                                and 0.75 <= _median(h[rejected]) / _median(h[kept]) <= 1.3)
                if (cfg.word_min_letters and not whole_line and n_hard >= 1 and 1 <= n_kept <= cfg.word_max_digits
                        and np.isin(label[kept], (0, 1)).all() and (n_kept == 1 or (cfg.letter_ones and letter_sized))):
                    # 0s and 1s beside a letter are O, o, l and I: "TO", "of", "Il"; two of them only beside
                    # letters of their size: "Call" (its C and a joined), but "+11" keeps its 1s
                    return 1.0
                if (cfg.letter_pair and not whole_line and len(run) == 2 and n_hard == 1
                        and n_kept == 1 and letter_sized and h[run].max() <= 1.1 * h[run].min()):
                    return 1.0  # a digit glued to one letter of its height is a letter too: the S of "SX" read 5
                # short runs (2-3) need a stronger vote: one unsure digit must not sink a short number
                vote = vote_4 if len(run) >= 4 else max(vote_4, 0.5)
                return float(wr.mean()) if wr.mean() >= vote else -1.0

            pending = []  # words not voted letters
            if words is None or len(letter_marks):  # (the words found above, unless letter marks joined)
                words = link_runs(xyxy, cfg.letter_gap, cfg.row_overlap, cfg.height_ratio)
            for run in words:
                if len(run) < 2:
                    continue
                run = np.asarray(run)
                # a line of words is voted on as a whole when it is clearly letters; otherwise word by
                # word (split at clear spaces), so a number beside a word ('Fax 0610') is judged alone
                parts = _split_at_spaces(xyxy, list(run)) if len(run) >= 3 else [list(run)]
                spared: tuple = ()
                if len(parts) > 1 and letters(run, whole_line=True) < cfg.letter_line_vote:
                    groups = [np.asarray(p) for p in parts if len(p) >= 2]
                else:
                    groups = [run]
                    if len(parts) > 1 and cfg.plate_digit_block:
                        # a word of sure digits on a line of letters is a number among words: "MD 132 SX"
                        spared = tuple(i for p in parts for i in _digit_word(np.asarray(p), hard, score, label, h,
                                                                             cfg.doubt_confidence))
                for g in groups:
                    if letters(g) >= 0:
                        keep_block = set(spared)
                        if cfg.plate_digit_block:
                            keep_block.update(_sure_block(g, hard, score, label, h, cfg.doubt_confidence).tolist())
                        for i in g:
                            if reason[i] == "" and i not in keep_block and not distinct[i]:
                                reason[i] = "word"
                    else:
                        pending.append(g)
            # a word next to a word of letters (one word space away on its line) needs a smaller vote:
            # "WORLD" after "HELLO"
            if cfg.letter_next_vote is not None and pending:
                cy = (xyxy[:, 1] + xyxy[:, 3]) / 2
                word_ = reason == "word"
                zero_or_one = (label == 0) | (label == 1)
                letter_ = word_ | np.isin(reason, ("model", "x-height", "letter mark"))
                word_of = np.full(n, -1, np.int64)  # the letter-spaced word of each candidate
                for k, run in enumerate(words):
                    word_of[np.asarray(run, np.int64)] = k
                for g in pending:
                    hg = _median(h[g])
                    gap = np.maximum(xyxy[g].min(0)[0] - xyxy[:, 2], xyxy[:, 0] - xyxy[g].max(0)[2])
                    near = (np.abs(cy - _median(cy[g])) < 0.5 * hg) & (gap < cfg.letter_next_gap * hg)
                    near[g] = False
                    beside = word_ & near & (np.abs(h - hg) < 0.4 * hg)
                    # a word of 0s and 1s beside letters is O, o, l, I and D: "Do not", "Call"
                    # (the letters of the words beside it count whole: the "not" after "Do" is three)
                    near_words = np.unique(word_of[letter_ & near])
                    near_words = near_words[near_words >= 0]
                    beside_letters = int((letter_ & np.isin(word_of, near_words)).sum())
                    # ... unless digits stand beside it too: the "00" of "Time: 00:17"
                    ols = (cfg.os_and_ls_beside and zero_or_one[g].all() and beside_letters >= 2
                           and not (near & (reason == "")).any())
                    if ols or (beside.any() and letters(g, cfg.letter_next_vote, sizes=False) >= 0):
                        for i in g:
                            if reason[i] == "" and not distinct[i]:
                                reason[i] = "word"
            if cfg.letter_cut_digit and pending:
                # a lone digit cut off from the word's number by a sure letter is a letter too: the S of
                # "SP52" (read 5), where the P stands between it and the 52
                for g in pending:
                    g = g[np.argsort(xyxy[g, 0])]
                    blocks = _true_runs(reason[g] == "")  # the word's blocks of kept digits, left to right
                    if len(blocks) < 2 or max(len(b) for b in blocks) < 2:
                        continue
                    for b in blocks:
                        if len(b) != 1:
                            continue
                        k = b[0]
                        i = g[k]
                        if distinct[i] or label[i] in (0, 1):
                            continue
                        # the letters between it and the other digits: sure letters of its height
                        sides = [j for j in (k - 1, k + 1) if 0 <= j < len(g)]
                        if sides and all(sure_letter[g[j]] and 0.75 <= h[g[j]] / h[i] <= 1.3 for j in sides):
                            reason[i] = "word"
        if len(letter_marks):
            n = n_real
            xyxy, reason, label, score, h = xyxy[:n], reason[:n], label[:n], score[:n], h[:n]
        cy = (xyxy[:, 1] + xyxy[:, 3]) / 2  # (row centres, for the tests below)
        if cfg.glued_to_lowercase and n >= 2:
            # a digit glued to a lowercase letter half its height, sharing its baseline (an ascender: the b of
            # "balance", the l of "list") or its top (a descender: the g of "Meeting") is a letter too: the
            # word grouping keeps characters of such different heights apart. Not a sure 2, 3 or 7 ("2nd").
            # (sure_letter and distinct come from the word vote above, which runs whenever n >= 2)
            small_letter = sure_letter[:n] | np.isin(reason, ("x-height", "word"))
            kept_now = reason == ""
            idx = np.flatnonzero(kept_now & ~distinct[:n])
            if len(idx) and small_letter.any():
                b, hi = xyxy[idx], h[idx][:, None]  # (all pairs at once: kept digits x candidates)
                gap = np.maximum(b[:, None, 0] - xyxy[None, :, 2], xyxy[None, :, 0] - b[:, None, 2])
                glued = (gap <= 0.3 * hi) & (gap > -0.3 * hi) & (idx[:, None] != np.arange(n)[None, :])
                sized = (h[None, :] >= 0.4 * hi) & (h[None, :] <= 0.75 * hi)
                aligned = ((np.abs(xyxy[None, :, 3] - b[:, None, 3]) <= 0.15 * hi)
                           | (np.abs(xyxy[None, :, 1] - b[:, None, 1]) <= 0.15 * hi))
                beside_letter = (glued & sized & aligned & small_letter[None, :]).any(1)
                digits_beside = (kept_now[None, :] & (np.abs(h[None, :] - hi) <= 0.3 * hi) & (gap <= 0.6 * hi)
                                 & (np.abs(cy[None, :] - cy[idx][:, None]) < 0.5 * hi)
                                 & (idx[:, None] != np.arange(n)[None, :])).any(1)
                reason[idx[beside_letter & ~digits_beside]] = "word"
        # a doubtful digit whose neighbours on its row (within ``among_letters_gap`` heights) are all
        # letters (rejected as such) is one more letter: 'a' between 'P' and 'y', an 'o' after 'D'
        if cfg.among_letters_gap > 0 and n >= 2:
            lettery = np.isin(reason, ("confidence", "word", "x-height"))
            for i in np.flatnonzero((reason == "") & (score < cfg.doubt_confidence)):
                near = ((np.abs(cy - cy[i]) < 0.6 * h[i]) & (h < cfg.height_ratio * h[i])
                        & (h * cfg.height_ratio > h[i])
                        & (np.maximum(xyxy[i, 0] - xyxy[:, 2], xyxy[:, 0] - xyxy[i, 2]) < cfg.among_letters_gap * h[i]))
                near[i] = False
                if near.any() and lettery[near].all():
                    reason[i] = "among letters"
        # a strongly right-leaning "1" with digits right beside it on both sides is the slash of a date
        if slope is not None and cfg.slash_slope is not None and n >= 3:
            cand = np.flatnonzero((reason == "") & (label == 1) & (np.asarray(slope) > cfg.slash_slope))
            ok = reason == ""
            for i in cand:
                same = ok & (np.abs(cy - cy[i]) < 0.35 * h[i]) & (np.abs(h - h[i]) < 0.3 * h[i])
                same[i] = False
                left = same & (xyxy[:, 2] <= xyxy[i, 0] + 0.2 * w[i]) & (xyxy[:, 2] >= xyxy[i, 0] - 0.8 * h[i])
                right = same & (xyxy[:, 0] >= xyxy[i, 2] - 0.2 * w[i]) & (xyxy[:, 0] <= xyxy[i, 2] + 0.8 * h[i])
                if left.any() and right.any():
                    reason[i] = "slash"
        # a digit the model only half doubts, right beside a kept digit of its size, is part of a number: its
        # neighbour vouches for it
        if cfg.in_number_not_digit is not None and probs.shape[1] > 10 and n:
            doubted = np.flatnonzero((reason == "model") & (probs[:, 10] <= cfg.in_number_not_digit)
                                     & (score >= 0.9))
            for i in doubted:
                row = (np.abs(cy - cy[i]) < 0.35 * h[i]) & (np.abs(h - h[i]) < 0.25 * h[i])
                close = row & (np.maximum(xyxy[i, 0] - xyxy[:, 2], xyxy[:, 0] - xyxy[i, 2]) < 0.5 * h[i])
                close[i] = False
                # (not beside a letter as well: the B of a plate's "AB12")
                if (close & (reason == "")).any() and not (close & (reason != "")).any():
                    reason[i] = ""
        # a digit standing alone (no kept digit near it on its row) has no number to vouch for it: the
        # model's doubt counts for more
        if cfg.alone_not_digit is not None and probs.shape[1] > 10 and n:
            kept = np.flatnonzero(reason == "")
            for i in kept[probs[kept, 10] > cfg.alone_not_digit]:
                others = kept[kept != i]
                gap = np.maximum(xyxy[i, 0] - xyxy[others, 2], xyxy[others, 0] - xyxy[i, 2])
                near = (np.abs(cy[others] - cy[i]) < 0.5 * h[i]) & (gap < cfg.separator_gap * h[i])
                if not near.any():
                    reason[i] = "alone"
        # a frame with only one or two digits left (a blank page's corner, a letter on a page of text):
        # no number and no neighbour vouches for them, so the classifier must be surer of them
        if cfg.sparse_frame_confidence is not None and n:
            kept = np.flatnonzero(reason == "")
            if 1 <= len(kept) <= 2:
                reason[kept[score[kept] < cfg.sparse_frame_confidence]] = "alone"
        keep = reason == ""
        return Verdict(keep=keep.astype(bool), label=label.astype(np.int64), score=score.astype(np.float32),
                       reason=reason)
