"""Sample clips (sample_videos/, made by 'camrec synth --clips') and the clip scorer."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from camrec import cli
from camrec.synth.video import CLIPS, ClipSpec, Placement, write_clip
from camrec.videoscore import (FrameTruth, evaluate_clip, flicker, load_clip_truth, read_json_lines, score_clip,
                               score_frame, summarize)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"
MAX_BYTES = 2_000_000


def _decoded_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened(), path
    n = 0
    while cap.grab():
        n += 1
    cap.release()
    return n


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_committed_clip_matches_its_truth(name):
    video, truth_path = SAMPLES / f"{name}.mp4", SAMPLES / f"{name}.json"
    assert video.is_file() and truth_path.is_file(), "regenerate: camrec synth --clips sample_videos"
    assert video.stat().st_size <= MAX_BYTES, video.stat().st_size
    raw = json.loads(truth_path.read_text())
    spec = CLIPS[name]
    assert raw["name"] == name and raw["seed"] == spec.seed and raw["fps"] == spec.fps
    assert raw["command"].startswith("camrec synth --clips")
    assert 5 <= raw["frames"] / raw["fps"] <= 10
    assert raw["frames"] == len(raw["frame_truth"]) == _decoded_frames(video)
    cap = cv2.VideoCapture(str(video))
    ok, first = cap.read()
    cap.release()
    assert ok and first.shape == (raw["height"], raw["width"], 3)
    truth = load_clip_truth(truth_path)
    labels = {d["gt_id"]: d["label"] for d in raw["digits"]}
    seen = set()
    for ft, f in zip(truth.frames, raw["frame_truth"]):
        if len(ft.xyxy):
            assert (ft.xyxy[:, :2] >= 0).all() and (ft.xyxy[:, 2] <= raw["width"]).all()
            assert (ft.xyxy[:, 3] <= raw["height"]).all()
            assert ((ft.xyxy[:, 2:] - ft.xyxy[:, :2]) > 1).all()
        assert len(set(ft.gt_ids.tolist())) == len(ft.gt_ids)
        assert not set(ft.gt_ids.tolist()) & {r[0] for r in f["partial"]}
        for n in ft.numbers:  # a visible number has all its digits visible, in its box
            assert set(n["digits"]) <= set(ft.gt_ids.tolist())
            assert n["text"] == "".join(str(labels[g]) for g in n["digits"])
            inside = ft.xyxy[np.isin(ft.gt_ids, n["digits"])]
            assert n["xyxy"][0] <= inside[:, 0].min() + 0.11 and n["xyxy"][2] >= inside[:, 2].max() - 0.11
        seen |= set(ft.gt_ids.tolist())
    assert len(seen) >= 3 and sum(len(f.numbers) for f in truth.frames) > 0


def test_one_clip_has_a_blur_burst_and_a_lighting_change():
    events = [json.loads((SAMPLES / f"{n}.json").read_text())["events"] for n in CLIPS]
    assert any(e["blur"] and e["lighting"] for e in events)
    raw = json.loads((SAMPLES / "notes_blur.json").read_text())
    blur = [f["blur"] for f in raw["frame_truth"]]
    light = [f["light"] for f in raw["frame_truth"]]
    b0, b1 = raw["events"]["blur"]
    assert min(blur[b0: b1 + 1]) > 2 * blur[0] and max(light) - min(light) > 0.3


TINY = ClipSpec(name="tiny", seed=7, description="test", world=(900, 600), desk="gray",
                placements=(Placement("plate", (600, 130), (450, 300), 2.0),),
                path=((0.0, 450, 300, 0.5, 0.0), (0.6, 470, 310, 0.6, 1.0)), seconds=0.67, size=(320, 192),
                blur=(0.2, 0.2))


def test_generator_is_deterministic(tmp_path):
    a_video, a_json = write_clip(TINY, tmp_path / "a", count=10)
    b_video, b_json = write_clip(TINY, tmp_path / "b", count=10)
    a, b = json.loads(a_json.read_text()), json.loads(b_json.read_text())
    assert a == b and a["frames"] == 10 and _decoded_frames(a_video) == 10
    assert sum(len(f["digits"]) for f in a["frame_truth"]) > 0
    # the ground truth moves with the camera
    boxes = [f["digits"][0][1:] for f in a["frame_truth"] if f["digits"]]
    assert boxes[0] != boxes[-1]


# ---------------------------------------------------------------- scorer
def _truth(frames: list[list[tuple[int, int, tuple]]], numbers=()) -> list[FrameTruth]:
    """frames: per frame [(gt_id, label, (x0, y0, x1, y1)), ...]; numbers: (text, gt_ids) in every frame."""
    out = []
    for i, digits in enumerate(frames):
        xyxy = np.array([d[2] for d in digits], np.float64).reshape(-1, 4)
        ids = np.array([d[0] for d in digits], np.int64)
        nums = []
        for n, (text, members) in enumerate(numbers):
            m = xyxy[np.isin(ids, members)]
            nums.append({"gt_number": n, "text": text, "digits": list(members),
                         "xyxy": np.array([m[:, 0].min(), m[:, 1].min(), m[:, 2].max(), m[:, 3].max()])})
        out.append(FrameTruth(i, ids, xyxy, np.array([d[1] for d in digits], np.int64), nums,
                              np.zeros((0, 4))))
    return out


def _pred(digits, numbers=()) -> dict:
    """A --json line: digits (label, (x0, y0, x1, y1)); numbers (text, (x0, y0, x1, y1))."""
    return {"digits": [{"box": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "label": lab, "confidence": 0.9}
                       for lab, b in digits],
            "numbers": [{"text": t, "box": [b[0], b[1], b[2] - b[0], b[3] - b[1]]} for t, b in numbers]}


A, B = (10, 10, 30, 50), (35, 10, 55, 50)
NUM = (10, 10, 55, 50)


def test_perfect_predictions_score_one_and_do_not_flicker():
    truth = _truth([[(0, 4, A), (1, 2, B)]] * 6, numbers=[("42", [0, 1])])
    preds = [_pred([(4, A), (2, B)], [("42", NUM)])] * 6
    r = summarize([score_frame(t, p) for t, p in zip(truth, preds)])
    assert r["f1"] == 1.0 and r["f1_mean"] == 1.0 and r["number_exact_match"] == 1.0
    assert r["flicker"] == 0.0 and r["flicker_pairs"] == 10 and r["flicker_changes"] == 0


def test_alternating_label_flicker_is_measured_exactly():
    truth = _truth([[(0, 4, A), (1, 2, B)]] * 5, numbers=[("42", [0, 1])])
    labels = [2, 7, 2, 7, 2]  # digit 1 alternates 2/7: 4 changes over 8 located pairs
    preds = [_pred([(4, A), (lab, B)], [("4" + str(lab), NUM)]) for lab in labels]
    scores = [score_frame(t, p) for t, p in zip(truth, preds)]
    assert flicker(scores) == (4, 8)
    r = summarize(scores)
    assert r["flicker"] == 0.5 and r["hits"] == 8 and r["digits_true"] == 10
    assert r["number_exact_match"] == pytest.approx(3 / 5)
    # a shifted box (IoU < 0.5) is not located: those pairs do not count
    preds[2] = _pred([(4, A), (7, (60, 10, 80, 50))])
    assert flicker([score_frame(t, p) for t, p in zip(truth, preds)]) == (2, 4 + 0 + 2)


def test_predictions_on_digits_cut_by_the_frame_edge_are_ignored():
    ft = _truth([[(0, 4, A)]])[0]
    ft.partial_xyxy = np.array([[0, 60, 8, 100]], np.float64)
    s = score_frame(ft, _pred([(4, A), (1, (0, 62, 7, 98))]))
    assert (s.n_true, s.n_pred, s.hits) == (1, 1, 1)


def test_score_clip_reads_json_lines_and_rejects_extra_frames(tmp_path):
    clip = load_clip_truth(SAMPLES / "plate.json")
    lines = tmp_path / "pred.jsonl"
    preds = []
    for i, ft in enumerate(clip.frames):  # the truth itself, as --json lines
        digits = [(int(lab), tuple(b)) for lab, b in zip(ft.labels, ft.xyxy)]
        preds.append(dict(_pred(digits, [(n["text"], tuple(n["xyxy"])) for n in ft.numbers]), frame=i))
    lines.write_text("\n".join(json.dumps(p) for p in reversed(preds)) + "\n")
    r = score_clip(clip, read_json_lines(lines))
    assert r["f1"] == 1.0 and r["number_exact_match"] == 1.0 and r["flicker"] == 0.0 and r["flicker_pairs"] > 0
    from camrec.errors import CamrecError

    with pytest.raises(CamrecError):
        score_clip(clip, preds + preds[:1])


class _Oracle:
    """A 'recognizer' that reads the truth: checks the runner wiring, not recognition."""

    class classifier:
        name = "oracle"

    def __init__(self, clip):
        self.clip = clip

    def process(self, frame):
        from camrec.types import DigitBoxes, FrameResult, Number

        ft = self.clip.frames[frame.index]
        probs = np.eye(10, dtype=np.float32)[ft.labels] if len(ft.labels) else np.zeros((0, 10), np.float32)
        digits = DigitBoxes(ft.xyxy.astype(np.float32), ft.labels, np.ones(len(ft.labels), np.float32), probs)
        index = {int(g): i for i, g in enumerate(ft.gt_ids)}
        numbers = [Number(text=n["text"], xyxy=n["xyxy"].astype(np.float32),
                          digits=[index[g] for g in n["digits"]], confidence=1.0) for n in ft.numbers]
        return FrameResult(frame=frame.index, width=frame.width, height=frame.height, digits=digits,
                           numbers=numbers, timing_ms={"total": 1.0}, source=frame.source)


def test_evaluate_clip_runs_single_frame_and_tracked():
    clip = load_clip_truth(SAMPLES / "plate.json")
    figures = evaluate_clip(SAMPLES / "plate.mp4", _Oracle(clip), clip)
    assert figures["frames"] == len(clip.frames)
    assert figures["single_frame"]["f1"] == 1.0 and figures["single_frame"]["flicker"] == 0.0
    t = figures["tracked"]  # tracks are reported after a short initialisation delay
    assert t["precision"] == 1.0 and t["recall"] > 0.9 and t["flicker"] == 0.0


def test_cli_eval_video_rejects_a_clip_without_truth(tmp_path, capsys):
    video = tmp_path / "x.mp4"
    video.write_bytes((SAMPLES / "plate.mp4").read_bytes())
    assert cli.main(["eval", "--video", str(video)]) != 0
    assert "synth --clips" in capsys.readouterr().err


def test_cli_synth_needs_out_or_clips(capsys):
    with pytest.raises(SystemExit):
        cli.main(["synth"])
    with pytest.raises(SystemExit):
        cli.main(["synth", "--out", "x", "--clips", "y"])
