"""Score recognitions against scene ground truth (``camrec eval --scenes``).

Pure functions: load the ``scene_XXXX.json`` files written by
:mod:`camrec.synth`, match predicted digits and numbers to them, aggregate.

Rules:

- **digit hit**: a predicted digit with the same label as a ground-truth digit
  and IoU >= 0.5 with it; pairs are taken greedily by decreasing IoU, each
  ground-truth digit and each prediction used once. Precision = hits /
  predictions, recall = hits / ground-truth digits. ``located`` counts
  IoU >= 0.5 matches ignoring the label (so detection and classification
  errors can be told apart); ``label_accuracy`` = hits / located.
- **number exact match**: a ground-truth number is matched when an unused
  predicted number has exactly the same digit text and IoU >= 0.5 with the
  number's box (the union of its digits' boxes).
- **false digit on a distractor**: a prediction that overlaps no ground-truth
  digit, i.e. less than :data:`DISTRACTOR_OVERLAP` of its own area lies
  inside any ground-truth digit box (a fragment of a real digit is not counted,
  a letter or a scribble next to one is).

Predicted digits with label < 0 (rejected / unclassified) are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from camrec.errors import CamrecError
from camrec.geometry import iou_matrix

IOU_HIT = 0.5
DISTRACTOR_OVERLAP = 0.3


@dataclass
class SceneTruth:
    """Ground truth of one scene, boxes as float xyxy."""

    name: str
    image: Path
    layout: str
    xyxy: np.ndarray  # (n, 4)
    labels: np.ndarray  # (n,)
    numbers: list[dict]  # text, display, digits, xyxy
    n_distractors: int
    raw: dict = field(default_factory=dict)
    glyph_xyxy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # letters/symbols drawn
    glyph_chars: list[str] = field(default_factory=list)


@dataclass
class Prediction:
    """What a recognizer reported for one image (plain arrays, no pipeline types)."""

    xyxy: np.ndarray  # (m, 4)
    labels: np.ndarray  # (m,)
    numbers: list[tuple[str, np.ndarray]]  # (digit text, xyxy)

    @classmethod
    def from_result(cls, result: Any) -> "Prediction":
        """From a :class:`camrec.types.FrameResult` or its ``to_json()`` dict."""
        if isinstance(result, dict):
            boxes = np.array([d["box"] for d in result["digits"]], np.float64).reshape(-1, 4)
            xyxy = np.hstack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]])
            labels = np.array([d["label"] for d in result["digits"]], np.int64)
            numbers = [(n["text"], _xywh_to_xyxy(n["box"])) for n in result["numbers"]]
        else:
            xyxy = np.asarray(result.digits.xyxy, np.float64).reshape(-1, 4)
            labels = np.asarray(result.digits.label, np.int64)
            numbers = [(n.text, np.asarray(n.xyxy, np.float64)) for n in result.numbers]
        keep = labels >= 0
        return cls(xyxy[keep], labels[keep], numbers)


def _xywh_to_xyxy(box: Iterable[float]) -> np.ndarray:
    x, y, w, h = (float(v) for v in box)
    return np.array([x, y, x + w, y + h], np.float64)


def load_truth(path: str | Path) -> SceneTruth:
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
        digits = raw["digits"]
        xyxy = np.array([_xywh_to_xyxy(d["box"]) for d in digits], np.float64).reshape(-1, 4)
        labels = np.array([int(d["label"]) for d in digits], np.int64)
        numbers = [dict(n, xyxy=_xywh_to_xyxy(n["box"])) for n in raw["numbers"]]
        image = path.parent / raw.get("image", path.with_suffix(".jpg").name)
        glyphs = raw.get("glyphs", [])
        glyph_xyxy = np.array([_xywh_to_xyxy(g["box"]) for g in glyphs], np.float64).reshape(-1, 4)
        return SceneTruth(path.stem, image, str(raw.get("layout", "?")), xyxy, labels, numbers,
                          int(raw.get("n_distractors", 0)), raw, glyph_xyxy, [str(g["char"]) for g in glyphs])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CamrecError(path, f"not a scene ground-truth file ({exc})") from None


def find_scenes(folder: str | Path) -> list[Path]:
    """The ``scene_*.json`` files of a folder, sorted; a clear error if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CamrecError(folder, "scene folder not found (make one: camrec synth --out DIR)")
    paths = sorted(p for p in folder.glob("*.json") if p.name.startswith("scene_"))
    if not paths:
        raise CamrecError(folder, "no scene_*.json files here (make some: camrec synth --out DIR)")
    return paths


def _greedy(iou: np.ndarray, allowed: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs (row, col) by decreasing IoU, each row and column once, IoU >= threshold."""
    rows, cols = np.nonzero((iou >= threshold) & allowed)
    order = np.argsort(-iou[rows, cols], kind="stable")
    used_r, used_c, pairs = set(), set(), []
    for k in order:
        r, c = int(rows[k]), int(cols[k])
        if r in used_r or c in used_c:
            continue
        used_r.add(r)
        used_c.add(c)
        pairs.append((r, c))
    return pairs


@dataclass
class SceneScore:
    name: str
    layout: str
    n_true: int
    n_pred: int
    hits: int
    located: int
    numbers_true: int
    numbers_hit: int
    numbers_pred: int
    false_on_distractors: int
    n_distractors: int
    missed: list[int] = field(default_factory=list)  # ground-truth digit indices not hit
    wrong_label: list[tuple[int, int, int]] = field(default_factory=list)  # (gt index, true, predicted)
    false_pred: list[int] = field(default_factory=list)  # prediction indices not hit
    distractor_pred: list[int] = field(default_factory=list)  # predictions on no digit at all
    missed_numbers: list[str] = field(default_factory=list)  # displays of unmatched GT numbers
    miss_causes: dict[str, int] = field(default_factory=dict)  # see :func:`diagnose`
    false_causes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def score_scene(truth: SceneTruth, pred: Prediction, iou: float = IOU_HIT) -> SceneScore:
    m = iou_matrix(truth.xyxy, pred.xyxy)
    same = truth.labels[:, None] == pred.labels[None, :]
    hits = _greedy(m, same, iou)
    located = _greedy(m, np.ones_like(same), iou)
    hit_gt = {r for r, _ in hits}
    hit_pred = {c for _, c in hits}
    wrong = [(r, int(truth.labels[r]), int(pred.labels[c])) for r, c in located
             if truth.labels[r] != pred.labels[c] and r not in hit_gt]
    # Predictions lying (almost) wholly outside every ground-truth digit.
    distractor = []
    if len(pred.xyxy):
        p = pred.xyxy
        area = np.maximum((p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1]), 1e-9)
        if len(truth.xyxy):
            t = truth.xyxy
            ix = np.clip(np.minimum(p[:, None, 2], t[None, :, 2]) - np.maximum(p[:, None, 0], t[None, :, 0]), 0, None)
            iy = np.clip(np.minimum(p[:, None, 3], t[None, :, 3]) - np.maximum(p[:, None, 1], t[None, :, 1]), 0, None)
            covered = (ix * iy).max(1) / area
        else:
            covered = np.zeros(len(p))
        distractor = [int(i) for i in np.flatnonzero(covered < DISTRACTOR_OVERLAP)]
    # Numbers: same digit text and IoU >= 0.5.
    n_hit, missed_numbers = 0, []
    if truth.numbers:
        gt_boxes = np.array([n["xyxy"] for n in truth.numbers])
        pr_boxes = np.array([b for _, b in pred.numbers]).reshape(-1, 4)
        nm = iou_matrix(gt_boxes, pr_boxes)
        text_ok = np.array([[g["text"] == t for t, _ in pred.numbers] for g in truth.numbers], bool)
        text_ok = text_ok.reshape(len(truth.numbers), len(pred.numbers))
        pairs = _greedy(nm, text_ok, iou)
        n_hit = len(pairs)
        matched = {r for r, _ in pairs}
        missed_numbers = [truth.numbers[i].get("display", truth.numbers[i]["text"])
                          for i in range(len(truth.numbers)) if i not in matched]
    return SceneScore(
        name=truth.name, layout=truth.layout, n_true=len(truth.labels), n_pred=len(pred.labels), hits=len(hits),
        located=len(located), numbers_true=len(truth.numbers), numbers_hit=n_hit, numbers_pred=len(pred.numbers),
        false_on_distractors=len(distractor), n_distractors=truth.n_distractors,
        missed=[i for i in range(len(truth.labels)) if i not in hit_gt], wrong_label=wrong,
        false_pred=[i for i in range(len(pred.labels)) if i not in hit_pred], distractor_pred=distractor,
        missed_numbers=missed_numbers, **diagnose(truth, pred, [i for i in range(len(truth.labels))
                                                              if i not in hit_gt],
                                                  [i for i in range(len(pred.labels)) if i not in hit_pred],
                                                  {r for r, _ in located}))


def _cover(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)): fraction of each box of ``a`` lying inside each box of ``b``."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area = np.maximum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), 1e-9)
    return ix * iy / area[:, None]


def diagnose(truth: SceneTruth, pred: Prediction, missed: list[int], false: list[int], located: set[int]) -> dict:
    """Why digits were missed and what false digits sit on (counts by cause).

    Misses: ``wrong_label`` (located, IoU >= 0.5, other label); ``merged``
    (inside one prediction together with another digit); ``fragment`` (only
    smaller predictions inside it); ``loose`` (a prediction overlaps, IoU
    0.1-0.5); ``not_found``. Misses of thin ``1`` are also counted as
    ``missed_1``, and of digits under 16 px as ``missed_small``.
    False digits: ``letter:<c>`` / ``symbol:<c>`` (mostly on that glyph),
    ``digit_part`` (inside a digit), ``merged_digits`` (over two or more
    digits), ``other`` (lines, boxes, scribbles, patterns, background).
    """
    miss: dict[str, int] = {}
    fals: dict[str, int] = {}
    add = lambda d, k: d.__setitem__(k, d.get(k, 0) + 1)  # noqa: E731
    gt, pr = truth.xyxy, pred.xyxy
    gt_in_pred = _cover(gt, pr)  # fraction of each GT digit inside each prediction
    pred_in_gt = _cover(pr, gt)
    iou = iou_matrix(gt, pr)
    for g in missed:
        holders = np.flatnonzero(gt_in_pred[g] > 0.6) if len(pr) else []
        if g in located:
            cause = "wrong_label"
        elif any((gt_in_pred[:, p] > 0.6).sum() >= 2 for p in holders):
            cause = "merged"
        elif len(pr) and (pred_in_gt[:, g] > 0.8).any() and iou[g].max() < 0.5:
            cause = "fragment"
        elif len(pr) and iou[g].max() >= 0.1:
            cause = "loose"
        else:
            cause = "not_found"
        add(miss, cause)
        if truth.labels[g] == 1:
            add(miss, "missed_1")
        if gt[g, 3] - gt[g, 1] < 16:
            add(miss, "missed_small")
    glyph_cover = _cover(pr, truth.glyph_xyxy) if len(truth.glyph_xyxy) else None
    for p in false:
        if glyph_cover is not None and glyph_cover[p].max() > 0.5:
            char = truth.glyph_chars[int(glyph_cover[p].argmax())]
            add(fals, ("letter:" if char.isalpha() else "symbol:") + char)
        elif len(gt) and (gt_in_pred[:, p] > 0.6).sum() >= 2:
            add(fals, "merged_digits")
        elif len(gt) and pred_in_gt[p].max() > 0.6:
            add(fals, "digit_part")
        else:
            add(fals, "other")
    return {"miss_causes": miss, "false_causes": fals}


def _ratio(a: float, b: float, empty: float = 1.0) -> float:
    return round(a / b, 4) if b else empty


def detection_scores(hits: int, n_true: int, n_pred: int) -> dict[str, float]:
    """Precision, recall and F1 of digit hits (1.0 for an empty side: nothing to find, nothing claimed)."""
    precision = hits / n_pred if n_pred else 1.0
    recall = hits / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def summarize(scores: list[SceneScore]) -> dict:
    """Totals: precision, recall, F1, label accuracy, number exact match, false digits per scene."""
    t = sum(s.n_true for s in scores)
    p = sum(s.n_pred for s in scores)
    h = sum(s.hits for s in scores)
    loc = sum(s.located for s in scores)
    nt = sum(s.numbers_true for s in scores)
    nh = sum(s.numbers_hit for s in scores)
    fd = sum(s.false_on_distractors for s in scores)
    return {
        "scenes": len(scores), "digits_true": t, "digits_pred": p, "hits": h, **detection_scores(h, t, p),
        "located": loc, "label_accuracy": _ratio(h, loc),
        "numbers_true": nt, "numbers_hit": nh, "number_exact_match": _ratio(nh, nt),
        "false_digits_on_distractors": fd,
        "false_digits_per_scene": round(fd / len(scores), 4) if scores else 0.0,
        "distractors": sum(s.n_distractors for s in scores),
        "miss_causes": _sum_counts(s.miss_causes for s in scores),
        "false_causes": _top(_sum_counts(s.false_causes for s in scores), 12),
    }


def _sum_counts(dicts: Iterable[dict]) -> dict:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _top(counts: dict, n: int) -> dict:
    items = list(counts.items())
    out = dict(items[:n])
    if len(items) > n:
        out["(rest)"] = sum(v for _, v in items[n:])
    return out


def report(scores: list[SceneScore]) -> dict:
    """``summarize`` overall plus one entry per layout."""
    layouts = sorted({s.layout for s in scores})
    return {**summarize(scores),
            "by_layout": {name: summarize([s for s in scores if s.layout == name]) for name in layouts}}
