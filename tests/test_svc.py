"""The SVC: numpy HOG, the numpy re-implementation of libsvm's decision function,
training through the CLI, the shipped model's accuracy, and refusal of bad files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from camrec.classify.base import default_models_dir, open_classifier
from camrec.classify.svc import arrays_from_dict, load_arrays, ovo_decision, ovr_scores, project
from camrec.errors import CamrecError
from camrec.features import hog, hog_dim


def _mnist(split: str):
    """MNIST, or a skip that becomes a failure under CI (data must be there in CI)."""
    from camrec.datasets.mnist import load_mnist

    try:
        return load_mnist(split)
    except CamrecError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"MNIST is required under CI: {exc}")
        pytest.skip(f"MNIST not available: {exc}")


@pytest.fixture(scope="module")
def mnist_test():
    return _mnist("test")


@pytest.fixture(scope="module")
def mnist_train():
    return _mnist("train")


def _floats(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 255.0


# ------------------------------------------------------------------ features
def test_hog_shape_dtype_and_determinism(mnist_test):
    batch = _floats(mnist_test.images[:32])
    first, second = hog(batch), hog(batch.copy())
    assert first.shape == (32, hog_dim()) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    # per-image: a batch gives the same features as one image at a time
    np.testing.assert_allclose(hog(batch[5:6])[0], first[5], atol=1e-6)
    assert hog(np.zeros((0, 28, 28), np.float32)).shape == (0, hog_dim())


def test_hog_blank_and_shifted_images(mnist_test):
    blank = hog(np.zeros((2, 28, 28), np.float32))
    assert np.isfinite(blank).all() and not blank.any()
    constant = hog(np.full((1, 28, 28), 0.7, np.float32))
    assert np.isfinite(constant).all()
    image = _floats(mnist_test.images[:1])
    # L2-Hys: every block has norm <= 1, so features are bounded
    assert 0 <= hog(image).min() and hog(image).max() <= 1.0
    shifted = np.roll(image, 1, axis=2)
    far = np.roll(image, 8, axis=2)
    base = hog(image)[0]
    # a one-pixel shift changes the features far less than an 8-pixel shift
    assert np.linalg.norm(hog(shifted)[0] - base) < np.linalg.norm(hog(far)[0] - base)
    # contrast does not matter (up to the normalisation epsilon)
    np.testing.assert_allclose(hog(image * 0.5), hog(image), atol=1e-3)


# ------------------------------------------------- decision values vs sklearn
def test_numpy_decision_values_match_sklearn(mnist_train):
    import sklearn.decomposition as pca_mod  # the dev extra installs scikit-learn: no skip
    import sklearn.svm as sklearn_svm
    images, labels = _floats(mnist_train.images[:1000]), mnist_train.labels[:1000]
    features = hog(images)
    pca = pca_mod.PCA(40, random_state=0).fit(features)
    mean, comps = pca.mean_.astype(np.float32), pca.components_.astype(np.float32)
    x = project(features, mean, comps)
    svc = sklearn_svm.SVC(kernel="rbf", C=10, gamma="scale", decision_function_shape="ovo").fit(x[:800], labels[:800])
    model = arrays_from_dict({
        "hog_cells": np.asarray((4, 7), np.int32), "hog_bins": np.asarray(9, np.int32),
        "pca_mean": mean, "pca_components": comps,
        "support_vectors": svc.support_vectors_.astype(np.float32), "n_support": svc.n_support_.astype(np.int32),
        "dual_coef": svc.dual_coef_, "intercept": svc.intercept_, "gamma": np.asarray(svc._gamma),
        "temperature": np.asarray(1.0),
    })
    ours = ovo_decision(x[800:], model)
    theirs = svc.decision_function(x[800:])
    assert ours.shape == theirs.shape == (200, 45)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    # the one-vs-rest scores pick the same class as sklearn's predict
    np.testing.assert_array_equal(ovr_scores(ours).argmax(axis=1), svc.predict(x[800:]))
    svc.decision_function_shape = "ovr"
    np.testing.assert_allclose(ovr_scores(ours), svc.decision_function(x[800:]), atol=1e-4)


# ----------------------------------------------------- training via the CLI
@pytest.fixture(scope="module")
def small_model(tmp_path_factory, mnist_train):
    from camrec.cli import main

    out = tmp_path_factory.mktemp("svc")
    assert main(["train", "svc", "--limit", "600", "--out", str(out)]) == 0
    return out


def test_train_cli_smoke_and_predict(small_model, mnist_test):
    meta = json.loads((small_model / "svc.json").read_text())
    for key in ("features", "preprocessing", "accuracy", "training_command", "seed", "train_seconds",
                "n_support_vectors", "mnist_train_sha256", "mnist_test_sha256", "date", "array_format"):
        assert key in meta, key
    assert meta["accuracy"]["mnist-test"] > 0.85
    clf = open_classifier("svc", models_dir=small_model)
    assert clf.name == "numpy"
    for n in (0, 1, 64):
        probs = clf.predict(_floats(mnist_test.images[:n]))
        assert probs.shape == (n, 10) and probs.dtype == np.float32
        assert np.isfinite(probs).all()
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # nothing in the model file needs pickle
    with np.load(small_model / "svc.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype.kind in "iuf" for name in npz.files)


# --------------------------------------------------------- corrupted files
def _copy_model(src: Path, dst: Path) -> Path:
    for name in ("svc.json", "svc.npz"):
        shutil.copy(src / name, dst / name)
    return dst


def test_truncated_npz_is_refused(small_model, tmp_path):
    folder = _copy_model(small_model, tmp_path)
    data = (folder / "svc.npz").read_bytes()
    (folder / "svc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CamrecError, match="not a valid SVC model file"):
        open_classifier("svc", models_dir=folder)


def test_wrong_shapes_and_pickles_are_refused(small_model, tmp_path):
    with np.load(small_model / "svc.npz") as npz:
        arrays = {name: npz[name] for name in npz.files}
    bad = dict(arrays, support_vectors=arrays["support_vectors"][:, :-1])
    np.savez(tmp_path / "bad.npz", **bad)
    with pytest.raises(CamrecError, match="support_vectors"):
        load_arrays(tmp_path / "bad.npz")
    missing = {k: v for k, v in arrays.items() if k != "dual_coef"}
    np.savez(tmp_path / "missing.npz", **missing)
    with pytest.raises(CamrecError, match="dual_coef"):
        load_arrays(tmp_path / "missing.npz")
    pickled = dict(arrays, gamma=np.array([{"evil": 1}], dtype=object))
    np.savez(tmp_path / "pickled.npz", **pickled)
    with pytest.raises(CamrecError):
        load_arrays(tmp_path / "pickled.npz")
    nan = dict(arrays, intercept=np.full_like(arrays["intercept"], np.nan))
    np.savez(tmp_path / "nan.npz", **nan)
    with pytest.raises(CamrecError, match="NaN"):
        load_arrays(tmp_path / "nan.npz")


# ------------------------------------------------------------ shipped model
@pytest.mark.slow
def test_shipped_svc_accuracy(mnist_test):
    assert (default_models_dir() / "svc.json").is_file(), "models/svc.json is not shipped"
    clf = open_classifier("svc")
    correct = 0
    for start in range(0, len(mnist_test), 1000):
        probs = clf.predict(_floats(mnist_test.images[start : start + 1000]))
        correct += int((probs.argmax(axis=1) == mnist_test.labels[start : start + 1000]).sum())
    accuracy = correct / len(mnist_test)
    assert len(mnist_test) == 10000
    assert accuracy >= 0.985, accuracy
    assert abs(accuracy - clf.meta.extra["accuracy"]["mnist-test"]) < 1e-3
