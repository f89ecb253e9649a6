"""Training smoke test through the real `camrec train` code path."""

from __future__ import annotations

import json

import numpy as np

from camrec.classify import open_classifier
from camrec.cli import main
from camrec.datasets.fonts import FontGlyphs, family_of, is_held_out
from camrec.train.augment import augment_batch


def test_train_cnn_smoke_exports_loadable_models(tmp_path, mnist_test_x, mnist_test):
    fonts = tmp_path / "glyphs.npz"
    assert main(["train", "fonts", "--out", str(fonts)]) == 0
    out = tmp_path / "model"
    code = main(["train", "cnn", "--limit", "1000", "--epochs", "2", "--font-repeats", "1",
                 "--fonts", str(fonts), "--out", str(out)])
    assert code == 0
    for name in ("cnn.keras", "cnn.tflite", "cnn.onnx", "cnn.json", "cnn.train.json"):
        assert (out / name).is_file(), name
    meta = json.loads((out / "cnn.json").read_text())
    assert meta["training_command"].startswith("camrec train cnn --limit 1000")
    assert 0.0 <= meta["accuracy"]["mnist-test"] <= 1.0
    assert meta["accuracy"]["fonts-held-out-n"] > 0
    for backend in ("litert", "onnx"):
        clf = open_classifier("cnn", backend, out)
        probs = clf.predict(mnist_test_x[:50])
        assert probs.shape == (50, 10)
        # Two short epochs already learn something real (chance is 0.1).
        assert (probs.argmax(1) == mnist_test.labels[:50]).mean() > 0.3


def test_negatives_and_eleven_class_fine_tune(tmp_path, mnist_test_x, mnist_test):
    """`camrec train negatives` mines scenes (negatives + scene positives); `camrec train cnn --init
    --negatives` fine-tunes the shipped 11-class model, which still reads digits."""
    import keras

    from camrec.cli.common import MODELS_DIR

    neg = tmp_path / "neg.npz"
    assert main(["train", "negatives", "--scenes", "4", "--rendered", "40", "--seed", "7", "--out", str(neg)]) == 0
    with np.load(neg, allow_pickle=False) as data:
        assert data["images"].dtype == np.uint8 and data["images"].shape[1:] == (28, 28)
        assert len(data["images"]) > 40  # the rendered ones plus mined candidates
        assert len(data["positives"]) == len(data["positive_labels"]) > 0
        assert set(data["positive_labels"].tolist()) <= set(range(10))
    out = tmp_path / "m11"
    code = main(["train", "cnn", "--limit", "300", "--epochs", "1", "--no-fonts", "--lr", "1e-4",
                 "--init", str(MODELS_DIR / "cnn.keras"), "--negatives", str(neg), "--negatives", str(neg),
                 "--no-export", "--out", str(out)])
    assert code == 0
    record = json.loads((out / "cnn.train.json").read_text())
    assert record["classes"][-1] == "not-a-digit" and len(record["classes"]) == 11
    assert record["scene_positives"] > 0 and record["reject_prior_shift"] > 0
    model = keras.saving.load_model(out / "cnn.keras")
    probs = np.asarray(model.predict(mnist_test_x[:200, ..., None], verbose=0))
    assert probs.shape == (200, 11)
    # started from the shipped weights: one short, gentle epoch keeps it reading digits
    assert (probs[:, :10].argmax(1) == mnist_test.labels[:200]).mean() > 0.9


def test_augmentation_is_seeded_and_keeps_ink(mnist_test_x):
    batch = mnist_test_x[:200]
    a, b = augment_batch(batch, seed=3), augment_batch(batch, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, augment_batch(batch, seed=4))
    assert a.min() >= 0 and a.max() <= 1 and a.dtype == np.float32
    assert (a.reshape(200, -1).max(1) > 0.3).all(), "an augmented digit lost its ink"


def test_font_split_is_by_family_and_stable(tmp_path):
    from pathlib import Path

    assert family_of(Path("DejaVuSans-BoldOblique.ttf")) == family_of(Path("DejaVuSans.ttf"))
    assert is_held_out("dejavusans") == is_held_out("dejavusans")
    glyphs = FontGlyphs(np.zeros((20, 28, 28), np.float32), np.arange(20) % 10,
                        np.array(["a"] * 10 + ["b"] * 10), np.array([False] * 10 + [True] * 10))
    glyphs.save(tmp_path / "g.npz")
    again = FontGlyphs.load(tmp_path / "g.npz")
    assert again.split(held_out=True)[0].shape == (10, 28, 28)


def test_start_from_gives_a_ten_class_model_an_eleventh_output(tmp_path):
    """`--init` from a 10-class model: the digit weights are kept, the new 'not a digit' column starts at
    zero weights and bias -2 (so the model starts as the old one); other class counts are refused."""
    import pytest

    from camrec.train.cnn import build_model, start_from

    ten = build_model(10)
    path = tmp_path / "ten.keras"
    ten.save(path)
    eleven = start_from(str(path), 11)
    assert int(eleven.output.shape[-1]) == 11
    old_k, old_b = ten.get_layer("probs").get_weights()
    new_k, new_b = eleven.get_layer("probs").get_weights()
    np.testing.assert_array_equal(new_k[:, :10], old_k)
    np.testing.assert_array_equal(new_b[:10], old_b)
    assert not new_k[:, 10].any() and new_b[10] == -2.0
    first_conv = [layer for layer in ten.layers if layer.name.startswith("conv2d")][0]
    new_conv = [layer for layer in eleven.layers if layer.name.startswith("conv2d")][0]  # (names are numbered)
    np.testing.assert_array_equal(new_conv.get_weights()[0], first_conv.get_weights()[0])
    with pytest.raises(ValueError):
        start_from(str(path), 12)
