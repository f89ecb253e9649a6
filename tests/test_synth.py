"""The scene generator: deterministic, exact and sane ground truth, negatives."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from camrec import cli
from camrec.normalize import to_mnist
from camrec.synth import LAYOUTS, make_scene, render_negatives, write_scene


@pytest.fixture(scope="module")
def scenes():
    return {layout: [make_scene(21, i, (1280, 720), layout) for i in range(3)] for layout in LAYOUTS}


def test_same_seed_same_scene():
    a, b = make_scene(5, 3), make_scene(5, 3)
    assert a.jpeg == b.jpeg and a.truth == b.truth
    c = make_scene(5, 4)
    assert c.jpeg != a.jpeg


def test_scene_index_independent_of_count(tmp_path):
    from camrec.synth import generate

    generate(tmp_path / "a", 3, 9)
    generate(tmp_path / "b", 5, 9)
    for name in ("scene_0000", "scene_0002"):
        assert (tmp_path / "a" / f"{name}.jpg").read_bytes() == (tmp_path / "b" / f"{name}.jpg").read_bytes()


def test_boxes_inside_image_and_numbers_consistent(scenes):
    for layout, items in scenes.items():
        for scene in items:
            t = scene.truth
            assert t["layout"] == layout and (t["width"], t["height"]) == (1280, 720)
            assert scene.image.shape == (720, 1280, 3)
            for d in t["digits"]:
                x, y, w, h = d["box"]
                assert 0 <= x and 0 <= y and x + w <= 1280 and y + h <= 720, (layout, d)
                assert w >= 1 and 8 <= h <= 720 / 3, (layout, d)
                assert 0 <= d["label"] <= 9
            member = set()
            for n in t["numbers"]:
                assert n["text"] == "".join(str(t["digits"][i]["label"]) for i in n["digits"])
                assert "".join(ch for ch in n["display"] if ch.isdigit()) == n["text"]
                assert not member & set(n["digits"])
                member |= set(n["digits"])
                xs = [t["digits"][i]["box"] for i in n["digits"]]
                assert n["box"][0] == pytest.approx(min(b[0] for b in xs), abs=0.02)


def test_every_digit_layout_has_digits_and_blank_pages_have_none(scenes):
    for layout in ("lines", "scattered", "cheque", "plate", "sticky"):
        assert all(len(s.truth["digits"]) > 0 for s in scenes[layout]), layout
    for layout in ("blank", "letters"):
        for s in scenes[layout]:
            assert s.truth["digits"] == [] and s.truth["numbers"] == []
    assert all(s.truth["n_distractors"] > 0 for s in scenes["letters"])
    assert all(s.truth["distractors"].get("letters", 0) > 0 for s in scenes["letters"])


def _crop_ink(scene, box):
    gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    x, y, w, h = box
    crop = gray[int(np.floor(y)): int(np.ceil(y + h)), int(np.floor(x)): int(np.ceil(x + w))]
    light_ink = scene.truth["medium"] == "board"
    bg = np.percentile(crop, 10 if light_ink else 90)
    ink = np.abs(crop - bg)
    ink = ink / max(float(ink.max()), 1.0)
    ink[ink < 0.3] = 0
    return to_mnist(ink)


def test_ground_truth_labels_are_what_is_drawn(scenes):
    """The shipped CNN reads the ground-truth crops as their labels (an oracle-box check)."""
    from camrec.classify import open_classifier

    clf = open_classifier("cnn")
    crops, labels = [], []
    for layout in ("lines", "scattered", "cheque", "plate", "sticky"):
        for s in scenes[layout]:
            for d in s.truth["digits"]:
                crops.append(_crop_ink(s, d["box"]))
                labels.append(d["label"])
    pred = clf.predict(np.stack(crops)).argmax(1)
    assert len(labels) > 100
    assert (pred == np.array(labels)).mean() >= 0.95


def test_write_scene_files(tmp_path):
    path = write_scene(make_scene(1, 7, (640, 480)), tmp_path)
    assert path.name == "scene_0007.json"
    truth = json.loads(path.read_text())
    image = cv2.imread(str(tmp_path / truth["image"]))
    assert image.shape == (480, 640, 3)


def test_cli_synth(tmp_path, capsys):
    assert cli.main(["synth", "--out", str(tmp_path), "--count", "2", "--seed", "3", "--size", "320x240",
                     "--layout", "plate"]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["scene_0000.jpg", "scene_0000.json", "scene_0001.jpg", "scene_0001.json"]
    assert json.loads((tmp_path / "scene_0001.json").read_text())["layout"] == "plate"


def test_cli_synth_help_and_bad_size(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["synth", "--help"])
    assert done.value.code == 0
    assert "camrec synth --out" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        cli.main(["synth", "--out", "/tmp/x", "--size", "big"])
    assert done.value.code == 2


def test_negatives():
    neg = render_negatives(64, seed=3)
    assert neg.shape == (64, 28, 28) and neg.dtype == np.float32
    assert 0 <= neg.min() and neg.max() <= 1
    assert (neg.reshape(64, -1).max(1) > 0.5).mean() > 0.9  # almost all have ink
    np.testing.assert_array_equal(neg, render_negatives(64, seed=3))
    assert not np.array_equal(neg, render_negatives(64, seed=4))
