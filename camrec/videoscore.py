"""Score recognition on a clip against its per-frame ground truth (``camrec eval --video``).

The ground truth is the ``NAME.json`` written beside ``NAME.mp4`` by
:mod:`camrec.synth.video`. Predictions are one per frame, either
:class:`~camrec.types.FrameResult` objects or their ``to_json()`` dicts (the
``--json`` lines of ``camrec --video``).

Per frame the rules of :mod:`camrec.scenes` apply (a digit hit needs the right
label and IoU >= 0.5; a number is matched when a predicted number has the
same digit text and IoU >= 0.5 with it), with one addition: a prediction
lying mostly (>= :data:`PARTIAL_COVER` of its area) on a digit that the frame
edge cuts (``partial`` in the truth) is dropped before scoring, so it is
neither a hit nor a false digit.

Figures:

- ``f1_mean``: digit F1 of each frame, averaged over frames (a frame with no
  digit and no prediction scores 1); ``precision``/``recall``/``f1``: pooled
  over all frames.
- ``number_exact_match``: matched / visible ground-truth numbers, pooled over
  frames (each frame a number is visible in counts once).
- ``flicker``: over consecutive frame pairs (t, t+1) and each ground-truth
  digit *located* in both (a prediction with IoU >= 0.5, whatever its label),
  the share of such pairs in which the predicted label differs.
  ``flicker_pairs`` and ``flicker_changes`` give the counts.

:func:`evaluate_clip` runs a clip through a recognizer once and scores the
raw per-frame results ("single frame") and the same results passed through
:class:`~camrec.track.DigitTracker` ("tracked").
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from camrec.errors import CamrecError
from camrec.scenes import IOU_HIT, Prediction, SceneTruth, _greedy, detection_scores, iou_matrix, score_scene

PARTIAL_COVER = 0.5


@dataclass
class FrameTruth:
    frame: int
    gt_ids: np.ndarray  # (n,)
    xyxy: np.ndarray  # (n, 4)
    labels: np.ndarray  # (n,)
    numbers: list[dict]  # gt_number, text, display, digits (gt ids), xyxy
    partial_xyxy: np.ndarray  # (k, 4) digits cut by the frame edge


@dataclass
class ClipTruth:
    name: str
    path: Path
    fps: float
    width: int
    height: int
    frames: list[FrameTruth]
    raw: dict = field(default_factory=dict)


def _xyxy(rows: Iterable[Sequence[float]]) -> np.ndarray:
    a = np.array([r[1:5] for r in rows], np.float64).reshape(-1, 4)
    return np.hstack([a[:, :2], a[:, :2] + a[:, 2:]])


def truth_path_for(video: str | Path) -> Path:
    """``CLIP.json`` beside ``CLIP.mp4``."""
    return Path(video).with_suffix(".json")


def load_clip_truth(path: str | Path) -> ClipTruth:
    """Read a clip's ground truth (``camrec synth --clips``); a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise CamrecError(path, "no clip ground truth here (make clips with: camrec synth --clips DIR)")
    try:
        raw = json.loads(path.read_text())
        labels = {int(d["gt_id"]): int(d["label"]) for d in raw["digits"]}
        numbers = {int(n["gt_number"]): n for n in raw["numbers"]}
        frames = []
        for f in raw["frame_truth"]:
            ids = np.array([int(r[0]) for r in f["digits"]], np.int64)
            nums = [dict(numbers[int(r[0])], xyxy=_xyxy([r])[0]) for r in f["numbers"]]
            frames.append(FrameTruth(int(f["frame"]), ids, _xyxy(f["digits"]),
                                     np.array([labels[int(i)] for i in ids], np.int64), nums,
                                     _xyxy(f.get("partial", []))))
        return ClipTruth(str(raw.get("name", path.stem)), path, float(raw["fps"]), int(raw["width"]),
                         int(raw["height"]), frames, raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise CamrecError(path, f"not a clip ground-truth file ({exc})") from None


def _drop_on_partial(truth: FrameTruth, pred: Prediction) -> Prediction:
    """Predictions lying mostly on a digit cut by the frame edge (and on no visible digit) go."""
    if not len(truth.partial_xyxy) or not len(pred.xyxy):
        return pred
    p, t = pred.xyxy, truth.partial_xyxy
    ix = np.clip(np.minimum(p[:, None, 2], t[None, :, 2]) - np.maximum(p[:, None, 0], t[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(p[:, None, 3], t[None, :, 3]) - np.maximum(p[:, None, 1], t[None, :, 1]), 0, None)
    area = np.maximum((p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1]), 1e-9)
    on_partial = (ix * iy).max(1) / area >= PARTIAL_COVER
    if len(truth.xyxy):
        on_partial &= iou_matrix(p, truth.xyxy).max(1) < IOU_HIT
    keep = ~on_partial
    return Prediction(p[keep], pred.labels[keep], pred.numbers)


@dataclass
class FrameScore:
    frame: int
    n_true: int
    n_pred: int
    hits: int
    numbers_true: int
    numbers_hit: int
    located: dict[int, int]  # gt_id -> predicted label of the prediction located on it

    @property
    def f1(self) -> float:
        if self.n_true == 0 and self.n_pred == 0:
            return 1.0
        return 2 * self.hits / (self.n_true + self.n_pred)


def score_frame(truth: FrameTruth, result: Any) -> FrameScore:
    """One frame: ``result`` is a FrameResult, its ``to_json()`` dict, or a :class:`Prediction`."""
    pred = result if isinstance(result, Prediction) else Prediction.from_result(result)
    pred = _drop_on_partial(truth, pred)
    scene = SceneTruth(name=str(truth.frame), image=Path(""), layout="clip", xyxy=truth.xyxy, labels=truth.labels,
                       numbers=truth.numbers, n_distractors=0)
    s = score_scene(scene, pred)
    pairs = _greedy(iou_matrix(truth.xyxy, pred.xyxy), np.ones((len(truth.xyxy), len(pred.xyxy)), bool), IOU_HIT)
    located = {int(truth.gt_ids[r]): int(pred.labels[c]) for r, c in pairs}
    return FrameScore(truth.frame, s.n_true, s.n_pred, s.hits, s.numbers_true, s.numbers_hit, located)


def flicker(scores: Sequence[FrameScore]) -> tuple[int, int]:
    """(label changes, pairs): consecutive frames, same ground-truth digit located in both."""
    changes = pairs = 0
    for a, b in zip(scores, scores[1:]):
        if b.frame != a.frame + 1:
            continue
        for gid, label in a.located.items():
            if gid in b.located:
                pairs += 1
                changes += int(b.located[gid] != label)
    return changes, pairs


def summarize(scores: Sequence[FrameScore]) -> dict:
    t = sum(s.n_true for s in scores)
    p = sum(s.n_pred for s in scores)
    h = sum(s.hits for s in scores)
    nt = sum(s.numbers_true for s in scores)
    nh = sum(s.numbers_hit for s in scores)
    changes, pairs = flicker(scores)
    return {
        "frames": len(scores), "digits_true": t, "digits_pred": p, "hits": h, **detection_scores(h, t, p),
        "f1_mean": round(float(np.mean([s.f1 for s in scores])), 4) if scores else 0.0,
        "numbers_true": nt, "numbers_hit": nh, "number_exact_match": round(nh / nt, 4) if nt else 1.0,
        "flicker": round(changes / pairs, 4) if pairs else 0.0, "flicker_changes": changes, "flicker_pairs": pairs,
    }


def score_clip(truth: ClipTruth, results: Sequence[Any]) -> dict:
    """Score one prediction per frame, in frame order (fewer than the truth's frames: those only)."""
    if len(results) > len(truth.frames):
        raise CamrecError(truth.path, f"{len(results)} predictions for {len(truth.frames)} frames of ground truth")
    return summarize([score_frame(ft, r) for ft, r in zip(truth.frames, results)])


def read_json_lines(path: str | Path) -> list[dict]:
    """The ``--json`` lines of ``camrec --video`` (one object per frame)."""
    out = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return sorted(out, key=lambda d: d.get("frame", 0))


def _percentile(values: Sequence[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if len(values) else 0.0


def evaluate_clip(video: str | Path, recognizer, truth: ClipTruth | None = None,
                  tracker_factory: Callable[[], Any] | None = None,
                  clock: Callable[[], float] = time.perf_counter) -> dict:
    """Run ``video`` through ``recognizer`` once; score single-frame and tracked results.

    Returns ``{"clip", "frames", "single_frame": {...}, "tracked": {...},
    "ms_per_frame": {...}}``; the tracked results come from feeding the same
    per-frame results to a fresh tracker (``tracker_factory``, default
    :class:`~camrec.track.DigitTracker`).
    """
    from camrec.sources.video import VideoSource
    from camrec.track import DigitTracker

    truth = truth or load_clip_truth(truth_path_for(video))
    tracker = (tracker_factory or DigitTracker)()
    raw_scores, tracked_scores, total_ms, track_ms = [], [], [], []
    start = clock()
    with VideoSource(video) as source:
        for frame, ft in zip(source, truth.frames):
            raw = recognizer.process(frame)
            raw_scores.append(score_frame(ft, raw))
            t0 = clock()
            tracked = tracker.update(raw)
            track_ms.append((clock() - t0) * 1000)
            tracked_scores.append(score_frame(ft, tracked))
            total_ms.append(float(raw.timing_ms.get("total", 0.0)))
    wall = clock() - start
    if not raw_scores:
        raise CamrecError(video, "no frame decoded")
    name = getattr(recognizer.classifier, "name", "?")
    return {
        "clip": truth.name, "video": str(video), "backend": name, "frames": len(raw_scores),
        "frames_in_truth": len(truth.frames),
        "single_frame": summarize(raw_scores), "tracked": summarize(tracked_scores),
        "ms_per_frame": {"pipeline_median": _percentile(total_ms, 50), "pipeline_p95": _percentile(total_ms, 95),
                         "tracker_median": _percentile(track_ms, 50),
                         "eval_wall_per_frame": round(wall * 1000 / len(raw_scores), 2)},
    }


def format_clip_report(figures: dict) -> str:
    """A short table of :func:`evaluate_clip` figures."""
    ms = figures["ms_per_frame"]
    lines = [f"{figures['clip']}: {figures['frames']} frames of {figures['video']} via {figures['backend']}",
             f"  {'':<13} {'F1/frame':>8} {'P':>6} {'R':>6} {'numbers':>8} {'exact':>6} {'flicker':>8} "
             f"{'(changes/pairs)':>16}"]
    for key, title in (("single_frame", "single frame"), ("tracked", "tracked")):
        r = figures[key]
        lines.append(f"  {title:<13} {r['f1_mean']:>8.3f} {r['precision']:>6.3f} {r['recall']:>6.3f} "
                     f"{r['numbers_true']:>8} {r['number_exact_match']:>6.3f} {r['flicker']:>8.2%} "
                     f"{r['flicker_changes']:>7}/{r['flicker_pairs']:<8}")
    lines.append(f"  pipeline ms/frame: median {ms['pipeline_median']:.1f}, p95 {ms['pipeline_p95']:.1f}; "
                 f"tracker median {ms['tracker_median']:.2f} ms")
    return "\n".join(lines)
