"""The committed scene set through the real recognizer, against committed baseline scores.

The set was made by ``camrec synth --out tests/data/scenes --count 40 --seed 1234``
(1280x720). When the pipeline changes on purpose, refresh the baseline with::

    python -m camrec eval --scenes tests/data/scenes --json > tests/data/scenes/baseline.json

and say in the commit why the figures moved. A score outside the tolerance in
either direction fails: worse is a regression, better means the baseline is stale.
"""

from __future__ import annotations

import json

import cv2
import pytest

from conftest import REPO

SCENES = REPO / "tests" / "data" / "scenes"
BASELINE = SCENES / "baseline.json"
TOLERANCE = {"f1": 0.02, "number_exact_match": 0.02, "false_digits_per_scene": 0.1}
HIGHER_IS_BETTER = {"f1": True, "number_exact_match": True, "false_digits_per_scene": False}


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(BASELINE.read_text())


@pytest.fixture(scope="module")
def current(baseline) -> dict:
    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer
    from camrec.scenes import Prediction, find_scenes, load_truth, report, score_scene

    recognizer = Recognizer(open_classifier(baseline["model"], baseline["backend"]))
    scores = []
    for path in find_scenes(SCENES):
        truth = load_truth(path)
        result = recognizer.process(cv2.imread(str(truth.image)))
        scores.append(score_scene(truth, Prediction.from_result(result)))
    return report(scores)


def test_committed_set_is_complete(baseline):
    jsons = sorted(SCENES.glob("scene_*.json"))
    assert len(jsons) == 40 == baseline["scenes"]
    for path in jsons:
        assert path.with_suffix(".jpg").is_file()


@pytest.mark.parametrize("metric", sorted(TOLERANCE))
def test_scores_match_baseline(metric, baseline, current):
    base, now, tol = baseline[metric], current[metric], TOLERANCE[metric]
    worse = now < base - tol if HIGHER_IS_BETTER[metric] else now > base + tol
    better = now > base + tol if HIGHER_IS_BETTER[metric] else now < base - tol
    assert not worse, f"{metric} regressed: {now} vs baseline {base} (tolerance {tol})"
    assert not better, (f"{metric} improved to {now} (baseline {base}): refresh tests/data/scenes/baseline.json "
                        "(see this file's docstring)")


def test_eval_scenes_cli_json(capsys):
    from camrec import cli

    assert cli.main(["eval", "--scenes", str(SCENES), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("precision", "recall", "f1", "number_exact_match", "false_digits_per_scene", "by_layout"):
        assert key in out
    assert set(out["by_layout"]) >= {"lines", "cheque", "plate", "scattered", "sticky"}
    assert out["scenes"] == 40


def test_eval_scenes_cli_missing_dir(tmp_path, capsys):
    from camrec import cli

    assert cli.main(["eval", "--scenes", str(tmp_path / "none")]) == 2
    assert "camrec: error:" in capsys.readouterr().err
