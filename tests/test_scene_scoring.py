"""The scene scorer on hand-made predictions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from camrec.errors import CamrecError
from camrec.scenes import Prediction, SceneTruth, find_scenes, iou_matrix, load_truth, report, score_scene


def truth() -> SceneTruth:
    # Three digits "1", "2", "3" forming number "123", and a lone "7".
    xyxy = np.array([[10, 10, 20, 30], [22, 10, 32, 30], [34, 10, 44, 30], [100, 100, 120, 140]], float)
    labels = np.array([1, 2, 3, 7])
    numbers = [{"text": "123", "display": "1-23", "digits": [0, 1, 2], "xyxy": np.array([10, 10, 44, 30.0])},
               {"text": "7", "display": "7", "digits": [3], "xyxy": np.array([100, 100, 120, 140.0])}]
    return SceneTruth("s", None, "lines", xyxy, labels, numbers, n_distractors=5)


def perfect() -> Prediction:
    t = truth()
    return Prediction(t.xyxy.copy(), t.labels.copy(), [(n["text"], n["xyxy"]) for n in t.numbers])


def test_iou():
    m = iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    np.testing.assert_allclose(m, [[1.0, 1 / 3, 0.0]])


def test_perfect():
    s = score_scene(truth(), perfect())
    r = report([s])
    assert (r["precision"], r["recall"], r["f1"], r["number_exact_match"]) == (1.0, 1.0, 1.0, 1.0)
    assert r["false_digits_per_scene"] == 0 and s.missed == [] and s.false_pred == []
    assert r["by_layout"]["lines"]["f1"] == 1.0


def test_wrong_label():
    p = perfect()
    p.labels[1] = 7
    p.numbers[0] = ("173", p.numbers[0][1])
    s = score_scene(truth(), p)
    assert (s.hits, s.located, s.numbers_hit) == (3, 4, 1)
    assert s.wrong_label == [(1, 2, 7)] and s.missed == [1] and s.false_pred == [1]
    assert s.false_on_distractors == 0
    r = report([s])
    assert r["precision"] == r["recall"] == 0.75 and r["label_accuracy"] == 0.75
    assert r["number_exact_match"] == 0.5


def test_shifted_box():
    p = perfect()
    p.xyxy[3] += [12, 0, 12, 0]  # 20 px wide box moved 12 px: IoU 8/32 = 0.25
    p.xyxy[0] += [2, 0, 2, 0]  # 10 px box moved 2 px: IoU 8/12, still a hit
    s = score_scene(truth(), p)
    assert s.hits == 3 and s.missed == [3]
    assert s.false_on_distractors == 0  # overlaps its digit (40 %), not a distractor


def test_extra_digit_on_distractor():
    p = perfect()
    p.xyxy = np.vstack([p.xyxy, [200, 200, 210, 220], [12, 12, 18, 20]])
    p.labels = np.append(p.labels, [4, 1])
    s = score_scene(truth(), p)
    assert s.hits == 4 and s.false_pred == [4, 5]
    assert s.distractor_pred == [4]  # the second one is a fragment inside the "1"
    r = report([s, score_scene(truth(), perfect())])
    assert r["false_digits_per_scene"] == 0.5
    assert r["precision"] == round(8 / 10, 4)


def test_numbers_need_same_text_and_overlap():
    p = perfect()
    p.numbers = [("12", np.array([10, 10, 32, 30.0])), ("3", np.array([34, 10, 44, 30.0])),
                 ("7", np.array([300, 300, 320, 340.0]))]
    s = score_scene(truth(), p)
    assert s.numbers_hit == 0 and s.missed_numbers == ["1-23", "7"]


def test_rejected_labels_ignored_and_json_input():
    result = {"digits": [{"box": [10, 10, 10, 20], "label": 1, "confidence": 0.9},
                         {"box": [50, 50, 10, 20], "label": -1, "confidence": 0.2}],
              "numbers": [{"text": "1", "box": [10, 10, 10, 20], "confidence": 0.9, "digits": [0]}]}
    p = Prediction.from_result(result)
    assert len(p.labels) == 1 and p.numbers[0][0] == "1"
    np.testing.assert_allclose(p.xyxy[0], [10, 10, 20, 30])


def test_empty_scene():
    t = SceneTruth("blank", None, "blank", np.zeros((0, 4)), np.zeros(0, int), [], 0)
    s = score_scene(t, Prediction(np.array([[0, 0, 5, 9.0]]), np.array([3]), []))
    assert s.false_on_distractors == 1
    r = report([s])
    assert r["recall"] == 1.0 and r["precision"] == 0.0 and r["number_exact_match"] == 1.0


def test_load_truth_and_errors(tmp_path):
    (tmp_path / "scene_0000.json").write_text(json.dumps({
        "image": "scene_0000.jpg", "layout": "plate", "n_distractors": 2,
        "digits": [{"box": [1, 2, 3, 4], "label": 5}], "numbers": [{"text": "5", "display": "5", "digits": [0],
                                                                     "box": [1, 2, 3, 4]}]}))
    t = load_truth(tmp_path / "scene_0000.json")
    np.testing.assert_allclose(t.xyxy, [[1, 2, 4, 6]])
    assert t.layout == "plate" and t.image == tmp_path / "scene_0000.jpg"
    assert find_scenes(tmp_path) == [tmp_path / "scene_0000.json"]
    (tmp_path / "scene_0001.json").write_text("{broken")
    with pytest.raises(CamrecError):
        load_truth(tmp_path / "scene_0001.json")
    with pytest.raises(CamrecError):
        find_scenes(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CamrecError):
        find_scenes(tmp_path / "empty")
