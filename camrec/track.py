"""Tracking and smoothing across frames (layer 1: pure, no clocks, no I/O).

``DigitTracker(config).update(result) -> result``: the frame's digits are
associated with the tracks alive so far, get a stable ``track_id``, and their
labels are voted over a short window of per-frame probabilities so they do not
flicker (the frames' probabilities are multiplied, as independent evidence; a
new reading is taken at once after ``switch_streak`` sure frames, and a track
whose box changes shape, a fragment becoming the whole digit, starts its vote
afresh). Numbers get their own tracks (matched by the track ids of their member
digits, or by box overlap); their text is read from their digits' voted labels,
and a text voted over the window is kept while a digit is lost for a frame.

Track life follows norfair's validated counters (tryolabs/norfair):

* every track has a ``hit_counter``: a new track starts at 1; each frame it is
  matched adds 1 (capped at ``hit_counter_max``); each frame it is missed
  subtracts 1; at 0 the track is dropped. A steady track therefore survives
  ``hit_counter_max - 1`` consecutive missed frames and is dropped on the
  ``hit_counter_max``-th; a track seen once is dropped on its first miss.
* a track is *reported* (appears in the returned result) once its counter has
  exceeded ``initialization_delay``, i.e. from its ``initialization_delay + 1``-th
  matched frame; it stays reported for the rest of its life. With a delay of 0
  every detection is reported from its first frame.
* ``0 <= initialization_delay < hit_counter_max`` is checked on construction
  (``ValueError`` otherwise), as norfair does.

Frame-to-frame motion is predicted per track from a smoothed velocity measured
in frames (``result.frame`` differences, never a clock), so dropped frames and
a moving camera do not break the association. A new track starts with the
median velocity of the tracks matched in that frame (camera motion moves every
digit alike).

``reset()`` forgets every track (call it when the source changes or the canvas
is cleared); a change of ``result.source`` or of the frame size resets
automatically. Track ids keep increasing across resets, so an id is never
reused within one run.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from camrec.geometry import iou_matrix
from camrec.types import DigitBoxes, FrameResult, Number

_BIG = 1e6


@dataclass(frozen=True)
class TrackerConfig:
    """Defaults for :class:`DigitTracker` (all counts are frames, sizes are relative to digit height)."""

    # Defaults measured on the four sample clips (camrec eval --video): delays of 1/2 frames and
    # counters of 10 cost 0.5-2.5 points of digit F1 and 2-7 points of number exact-match against
    # single-frame results while flicker was already < 1 %; 0/0 and 5/5 match single-frame F1.
    hit_counter_max: int = 5
    """Cap of a digit track's hit counter: a steady track is dropped after this many consecutive misses."""
    initialization_delay: int = 0
    """A digit track is reported once seen more than this many frames (0: from its first frame)."""
    number_hit_counter_max: int = 5
    """As ``hit_counter_max``, for number tracks."""
    number_initialization_delay: int = 0
    """As ``initialization_delay``, for number tracks: a number is shown once read this many + 1 frames."""
    window: int = 8
    """Labels (digits) and texts (numbers) are voted over this many most recent matched frames."""
    switch_odds: float = 3.0
    """A track changes its label only when the window makes the new label this many times likelier than
    the current one (hysteresis against near-ties)."""
    number_hold: int = 1
    """A number whose reading lost a digit keeps its longer voted text for at most this many frames in a row
    (a blur or glare drop-out), then shows what the frame reads (the digit is really gone or was false)."""
    switch_margin: float = 0.15
    """A number's voted text changes only when the new text leads by this share of the window's votes."""
    max_distance: float = 0.6
    """Largest centre distance, in digit heights, between a track's predicted box and a detection."""
    max_size_ratio: float = 1.6
    """Largest height ratio between a track's box and a detection it is matched to."""
    switch_streak: int = 2
    """A track takes a new label at once when this many consecutive frames read it (0: off): after a blur
    burst or a fragment the window would otherwise hold the old reading for several frames."""
    streak_confidence: float = 0.99
    """Only frames at least this sure of their label count towards ``switch_streak``."""
    reshape_ratio: float = 1.3
    """A matched detection whose width differs from its track's by more than this factor is a different
    reading of the ink (a fragment of a digit entering the frame or blurred, now the whole digit): the
    track keeps its id but forgets its label votes."""
    velocity_smoothing: float = 0.5
    """Weight of the newest displacement in a track's velocity (exponential moving average)."""
    number_min_overlap: float = 0.3
    """A number matches a number track when member-track Jaccard or box IoU reaches this."""
    reset_on_source_change: bool = True
    """Forget every track when ``result.source`` or the frame size changes."""

    def __post_init__(self) -> None:
        for prefix, hmax, delay in (("", self.hit_counter_max, self.initialization_delay),
                                    ("number_", self.number_hit_counter_max, self.number_initialization_delay)):
            if int(hmax) != hmax or hmax < 1:
                raise ValueError(f"{prefix}hit_counter_max must be an integer >= 1, got {hmax!r}")
            if int(delay) != delay or not 0 <= delay < hmax:
                raise ValueError(f"{prefix}initialization_delay must be an integer in [0, {prefix}hit_counter_max)"
                                 f" = [0, {hmax}), got {delay!r}")
        if int(self.window) != self.window or self.window < 1:
            raise ValueError(f"window must be an integer >= 1, got {self.window!r}")
        if self.switch_odds < 1.0:
            raise ValueError(f"switch_odds must be >= 1, got {self.switch_odds!r}")
        if not 0.0 <= self.switch_margin < 1.0:
            raise ValueError(f"switch_margin must be in [0, 1), got {self.switch_margin!r}")
        if self.max_distance <= 0:
            raise ValueError(f"max_distance must be > 0, got {self.max_distance!r}")
        if int(self.switch_streak) != self.switch_streak or self.switch_streak < 0:
            raise ValueError(f"switch_streak must be an integer >= 0, got {self.switch_streak!r}")
        if self.reshape_ratio < 1.0:
            raise ValueError(f"reshape_ratio must be >= 1, got {self.reshape_ratio!r}")
        if self.max_size_ratio < 1.0:
            raise ValueError(f"max_size_ratio must be >= 1, got {self.max_size_ratio!r}")
        if not 0.0 < self.velocity_smoothing <= 1.0:
            raise ValueError(f"velocity_smoothing must be in (0, 1], got {self.velocity_smoothing!r}")
        if not 0.0 < self.number_min_overlap <= 1.0:
            raise ValueError(f"number_min_overlap must be in (0, 1], got {self.number_min_overlap!r}")


class _DigitTrack:
    __slots__ = ("id", "box", "velocity", "last_frame", "hit_counter", "initialized", "probs", "probs_sum", "label",
                 "age", "streak_label", "streak")

    def __init__(self, track_id: int, box: np.ndarray, frame: int, velocity: np.ndarray, window: int) -> None:
        self.id = track_id
        self.box = box.astype(np.float64)
        self.velocity = velocity.astype(np.float64)
        self.last_frame = frame
        self.hit_counter = 1
        self.initialized = False
        self.probs: deque[np.ndarray] = deque(maxlen=window)
        self.probs_sum: np.ndarray | None = None  # running sum of ``probs`` (log-probabilities)
        self.label = -1
        self.age = 1  # matched frames
        self.streak_label = -1  # the latest frames' own label and for how many frames in a row
        self.streak = 0

    def forget_votes(self) -> None:
        self.probs.clear()
        self.probs_sum = None
        self.label = -1

    def vote(self, row: np.ndarray) -> np.ndarray:
        """Add one frame's probabilities; returns the window's combined probabilities.

        The frames are combined as independent evidence (a sum of log-probabilities, each floored at
        1e-4 so one frame cannot veto a label): a sharp frame outweighs several blurred, unsure ones,
        which a plain mean of probabilities does not."""
        if self.probs_sum is None or len(self.probs_sum) != len(row):
            self.probs.clear()
            self.probs_sum = np.zeros(len(row), np.float64)
        row = np.log(row + 1e-4)
        if len(self.probs) == self.probs.maxlen:
            self.probs_sum -= self.probs[0]
        self.probs.append(row)
        self.probs_sum += row
        return self.posterior()

    def posterior(self) -> np.ndarray:
        """The window's combined probabilities (normalised product of its frames')."""
        e = np.exp(self.probs_sum - self.probs_sum.max())
        return e / e.sum()


class _NumberTrack:
    __slots__ = ("id", "box", "members", "hit_counter", "initialized", "votes", "text", "held", "dated")

    def __init__(self, track_id: int, box: np.ndarray, members: frozenset, window: int) -> None:
        self.id = track_id
        self.box = box.astype(np.float64)
        self.members = members
        self.hit_counter = 1
        self.initialized = False
        self.votes: deque[tuple[str, float]] = deque(maxlen=window)
        self.text = ""
        self.held = 0  # consecutive frames the voted text was shown over a shorter reading
        self.dated: set[str] = set()  # texts read as dates (a '/' in the display): their slashes were no 1s


def _age(tracks: list, hit, initialization_delay: int) -> tuple[list, dict[int, int]]:
    """norfair's counters: a missed track loses a hit and dies at 0; it is reported once above the delay.

    Returns the surviving tracks and a map from old to new positions.
    """
    survivors, index_map = [], {}
    for i, track in enumerate(tracks):
        if not hit[i]:
            track.hit_counter -= 1
            if track.hit_counter <= 0:
                continue
        if track.hit_counter > initialization_delay:
            track.initialized = True
        index_map[i] = len(survivors)
        survivors.append(track)
    return survivors, index_map


def _centres(xyxy: np.ndarray) -> np.ndarray:
    return (xyxy[:, :2] + xyxy[:, 2:]) / 2.0


class DigitTracker:
    """Stable track ids and flicker-free labels for digits and numbers across frames.

    One verb, :meth:`update`: give it each frame's :class:`FrameResult` in order;
    it returns a new result holding only the reported (initialised) digits, with
    ``track_id`` set and ``label``/``score``/``probs`` replaced by the values voted
    over the window, and the reported numbers with ``track_id`` and voted text.
    ``digits`` indices of numbers refer to the returned digit rows; ``crops`` are
    filtered alongside the digits.
    """

    def __init__(self, config: TrackerConfig | None = None, **overrides) -> None:
        config = config or TrackerConfig()
        self.config = replace(config, **overrides) if overrides else config
        self._next_id = 0
        self._next_number_id = 0
        self._tracks: list[_DigitTrack] = []
        self._numbers: list[_NumberTrack] = []
        self._scene: tuple | None = None

    # ------------------------------------------------------------------ public
    def reset(self) -> None:
        """Forget every track (source changed, canvas cleared). Ids are not reused."""
        self._tracks = []
        self._numbers = []
        self._scene = None

    @property
    def active_tracks(self) -> int:
        """Digit tracks alive now (reported or not), for a HUD or a test."""
        return len(self._tracks)

    def update(self, result: FrameResult) -> FrameResult:
        cfg = self.config
        scene = (result.source, result.width, result.height)
        if cfg.reset_on_source_change and self._scene is not None and scene != self._scene:
            self.reset()
        self._scene = scene

        digits = result.digits
        frame = int(result.frame)
        n = len(digits)
        track_of = self._associate_digits(digits, frame)  # (n,) index into self._tracks

        # smoothed labels for every detection (reported or not: numbers need them all)
        ncls = digits.probs.shape[1] if n else 10
        labels = np.full(n, -1, np.int64)
        scores = np.zeros(n, np.float32)
        probs = np.zeros((n, ncls), np.float32)
        for i in range(n):
            track = self._tracks[track_of[i]]
            row = digits.probs[i]
            if not np.any(row) and digits.label[i] >= 0:  # no probabilities given: one-hot of the label
                row = np.zeros(ncls, np.float32)
                row[min(int(digits.label[i]), ncls - 1)] = max(float(digits.score[i]), 1e-3)
            if np.any(row):
                own = int(np.argmax(row[:10]))
                if row[own] < cfg.streak_confidence:
                    own = -1  # an unsure frame breaks a streak
                track.streak = track.streak + 1 if own == track.streak_label else 1
                track.streak_label = own
                mean = track.vote(np.asarray(row, np.float64))
            elif track.probs:
                mean = track.posterior()
            else:
                mean = None
            if mean is not None:
                best = int(np.argmax(mean[:10])) if len(mean) >= 10 else int(np.argmax(mean))
                cur = track.label
                if cur < 0 or cur >= len(mean) or mean[best] > cfg.switch_odds * mean[cur]:
                    track.label = best
                if (cfg.switch_streak and track.streak >= cfg.switch_streak and track.streak_label >= 0
                        and track.streak_label != track.label):
                    track.label = track.streak_label
                labels[i] = track.label
                scores[i] = float(mean[track.label])
                probs[i, : len(mean)] = mean[:ncls]
            else:
                labels[i] = int(digits.label[i])
                scores[i] = float(digits.score[i])
        ids = np.array([self._tracks[t].id for t in track_of], np.int64)
        reported = np.array([self._tracks[t].initialized for t in track_of], bool)

        numbers = self._update_numbers(result.numbers, labels, scores, ids, (result.width, result.height))

        # keep the reported rows; remap number member indices onto them
        new_index = np.full(n, -1, np.int64)
        new_index[reported] = np.arange(int(reported.sum()))
        out_digits = DigitBoxes(digits.xyxy[reported], labels[reported], scores[reported], probs[reported],
                                ids[reported]) if n else DigitBoxes.empty()
        for number in numbers:
            number.digits = [int(new_index[m]) for m in number.digits if 0 <= m < n and new_index[m] >= 0]
        crops = result.crops[reported] if result.crops is not None and len(result.crops) == n else result.crops
        return FrameResult(frame=result.frame, width=result.width, height=result.height, digits=out_digits,
                           numbers=numbers, timing_ms=dict(result.timing_ms), source=result.source, crops=crops)

    # ------------------------------------------------------------------ digits
    def _associate_digits(self, digits: DigitBoxes, frame: int) -> list[int]:
        cfg = self.config
        n = len(digits)
        xyxy = digits.xyxy.astype(np.float64)
        tracks = self._tracks
        matched_track = np.full(n, -1, np.int64)
        if n and tracks:
            boxes = np.array([t.box for t in tracks])
            steps = np.array([max(frame - t.last_frame, 1) for t in tracks], np.float64)[:, None]
            vel = np.array([t.velocity for t in tracks]) * steps
            pred = boxes + np.hstack([vel, vel])
            cost = self._digit_cost(pred, xyxy)
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] < _BIG:
                    matched_track[c] = r

        hit = np.zeros(len(tracks), bool)
        moves = []
        for i in range(n):
            t = matched_track[i]
            if t < 0:
                continue
            track = tracks[t]
            dt = max(frame - track.last_frame, 1)
            move = (_centres(xyxy[i : i + 1])[0] - _centres(track.box[None])[0]) / dt
            a = cfg.velocity_smoothing
            track.velocity = a * move + (1 - a) * track.velocity
            moves.append(move)
            w_old = max(track.box[2] - track.box[0], 1.0)
            w_new = max(xyxy[i, 2] - xyxy[i, 0], 1.0)
            if max(w_old, w_new) > cfg.reshape_ratio * min(w_old, w_new):
                track.forget_votes()
            track.box = xyxy[i].copy()
            track.last_frame = frame
            track.hit_counter = min(track.hit_counter + 1, cfg.hit_counter_max)
            track.age += 1
            hit[t] = True
        global_velocity = np.median(np.stack(moves), axis=0) if moves else np.zeros(2)

        self._tracks, index_map = _age(tracks, hit, cfg.initialization_delay)

        out = []
        for i in range(n):
            t = matched_track[i]
            if t >= 0:
                out.append(index_map[t])
            else:
                track = _DigitTrack(self._next_id, xyxy[i], frame, global_velocity, cfg.window)
                self._next_id += 1
                track.initialized = track.hit_counter > cfg.initialization_delay
                self._tracks.append(track)
                out.append(len(self._tracks) - 1)
        return out

    def _digit_cost(self, pred: np.ndarray, det: np.ndarray) -> np.ndarray:
        cfg = self.config
        hp = np.maximum(pred[:, 3] - pred[:, 1], 1.0)[:, None]
        hd = np.maximum(det[:, 3] - det[:, 1], 1.0)[None, :]
        dist = np.linalg.norm(_centres(pred)[:, None, :] - _centres(det)[None, :, :], axis=2)
        dist = dist / np.maximum(hp, hd)
        ratio = np.maximum(hp, hd) / np.minimum(hp, hd)
        cost = dist + 0.5 * np.log(ratio)
        cost[(dist > cfg.max_distance) | (ratio > cfg.max_size_ratio)] = _BIG
        return cost

    # ------------------------------------------------------------------ numbers
    def _update_numbers(self, numbers: list[Number], labels: np.ndarray, scores: np.ndarray,
                        ids: np.ndarray, frame_size: tuple[int, int]) -> list[Number]:
        cfg = self.config
        n = len(labels)
        members = []
        texts = []
        confs = []
        for number in numbers:
            idx = [m for m in number.digits if 0 <= m < n]
            members.append(frozenset(int(ids[m]) for m in idx))
            if idx and len(idx) == len(number.text) and all(labels[m] >= 0 for m in idx):
                texts.append("".join(str(int(labels[m])) for m in idx))
                confs.append(float(np.min(scores[idx])))
            else:
                texts.append(number.text)
                confs.append(float(number.confidence))

        tracks = self._numbers
        matched = [-1] * len(numbers)
        if numbers and tracks:
            overlap = iou_matrix(np.stack([t.box for t in tracks]),
                                  np.stack([np.asarray(nb.xyxy, np.float64) for nb in numbers]))
            owners: dict[int, list[int]] = {}
            for r, track in enumerate(tracks):
                for m in track.members:
                    owners.setdefault(m, []).append(r)
            inter: Counter = Counter()
            for c, mem in enumerate(members):
                for m in mem:
                    for r in owners.get(m, ()):
                        inter[r, c] += 1
            for (r, c), k in inter.items():
                jac = k / (len(tracks[r].members) + len(members[c]) - k)
                overlap[r, c] = max(overlap[r, c], jac)
            cost = np.where(overlap >= cfg.number_min_overlap, 1.0 - overlap, _BIG)
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] < _BIG:
                    matched[c] = r

        hit = [False] * len(tracks)
        for c, r in enumerate(matched):
            if r < 0:
                continue
            track = tracks[r]
            track.box = np.asarray(numbers[c].xyxy, np.float64)
            track.members = members[c]
            track.hit_counter = min(track.hit_counter + 1, cfg.number_hit_counter_max)
            hit[r] = True
        self._numbers, index_map = _age(tracks, hit, cfg.number_initialization_delay)

        out = []
        for c, number in enumerate(numbers):
            if matched[c] >= 0:
                track = self._numbers[index_map[matched[c]]]
            else:
                track = _NumberTrack(self._next_number_id, np.asarray(number.xyxy, np.float64), members[c],
                                     cfg.window)
                self._next_number_id += 1
                track.initialized = track.hit_counter > cfg.number_initialization_delay
                self._numbers.append(track)
            dated = "/" in (number.display or "")  # (read as a date: its slashes found)
            track.votes.append((texts[c], confs[c]))
            if dated:
                track.dated.add(texts[c])
            track.dated &= {t for t, _ in track.votes}  # (the window's readings only)
            self._vote_text(track)
            if not track.initialized:
                continue

            # the frame's own reading (its digits' voted labels), unless the voted text is longer: then a
            # digit was lost this frame (blur, glare) and the number keeps the digits it was read with;
            # not at the frame's edge, where digits really leave the view. A number that grew (digits
            # entering the view) is shown whole at once. A date read with its slashes is held only to a
            # voted text read as a date too (a longer one whose slashes were read as 1s is no better).
            text, confidence = texts[c], confs[c]
            if (len(track.text) > len(text) and track.held < cfg.number_hold
                    and (not dated or track.text in track.dated)
                    and not _at_edge(np.asarray(number.xyxy, np.float64), frame_size)):
                text, confidence = track.text, self._text_confidence(track)
                track.held += 1
            else:
                track.held = 0
            out.append(Number(text=text, xyxy=np.asarray(number.xyxy, np.float32).copy(),
                              digits=list(number.digits), confidence=confidence,
                              display=_redisplay(number.display, texts[c], text), track_id=track.id))
        return out

    def _vote_text(self, track: _NumberTrack) -> None:
        weight: Counter = Counter()
        for text, conf in track.votes:
            weight[text] += max(conf, 1e-3)
        total = sum(weight.values())
        best, best_w = max(weight.items(), key=lambda kv: (kv[1], len(kv[0])))
        cur_w = weight.get(track.text, 0.0)
        if not track.text or cur_w == 0.0 or (best_w - cur_w) / total > self.config.switch_margin:
            track.text = best

    @staticmethod
    def _text_confidence(track: _NumberTrack) -> float:
        """Mean over the window of the confidence of frames that read the voted text (0 for others)."""
        return float(sum(c for t, c in track.votes if t == track.text) / len(track.votes))


def _at_edge(xyxy: np.ndarray, frame_size: tuple[int, int]) -> bool:
    """Is the box within one of its heights of the frame's border?"""
    w, h = frame_size
    margin = xyxy[3] - xyxy[1]
    return bool(xyxy[0] < margin or xyxy[1] < margin or xyxy[2] > w - margin or xyxy[3] > h - margin)


def _redisplay(display: str | None, frame_text: str, text: str) -> str | None:
    """The frame's display (digits with separators) with its digits replaced by the voted text."""
    if not display:
        return None
    if frame_text == text:
        return display
    if sum(ch.isdigit() for ch in display) != len(text):
        return None
    it = iter(text)
    return "".join(next(it) if ch.isdigit() else ch for ch in display)
