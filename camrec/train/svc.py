"""Train the RBF SVC on HOG features and ship it as plain arrays (``svc.npz`` + ``svc.json``).

Pipeline: HOG (:mod:`camrec.features`) -> PCA -> ``SVC(kernel="rbf")``.
PCA to ``PCA_DIMS`` dimensions keeps the accuracy of the full 1,620-d HOG
(measured: within noise on a 15k/5k split) while making the fit and the
kernel evaluation at run time several times cheaper and the file small.

The last ``HOLDOUT`` training images (or a tenth with ``--limit``) are held
out of the fit to choose the softmax temperature of the probability mapping
(:mod:`camrec.classify.svc`); the test accuracy written to the metadata is
measured by loading the written files through the run-time numpy backend.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import time
from pathlib import Path

import numpy as np

from camrec.classify.base import INPUT_FORMAT, load_meta
from camrec.classify.svc import ARRAY_FORMAT, N_CLASSES, SvcClassifier, arrays_from_dict, class_scores, project
from camrec.datasets.mnist import DigitSet
from camrec.errors import MissingExtraError
from camrec.features import DEFAULT_BINS, DEFAULT_CELLS, hog_chunked, hog_params

log = logging.getLogger("camrec")

CLASSES = [str(d) for d in range(N_CLASSES)]
PCA_DIMS = 100
HOLDOUT = 5000
GAMMA_SCALE = 1.0  # multiplier on sklearn's gamma="scale" (1 / (k * X.var()))
PREPROCESSING = ("MNIST-format crop: white ink on black, float32 in [0, 1], digit fitted into 20x20 and centred "
                 "by centre of mass in 28x28 (camrec.normalize.to_mnist); then HOG (camrec.features.hog), "
                 "PCA projection, RBF SVC one-vs-one decisions, one-vs-rest scores, softmax(scores / temperature)")


def _sklearn():
    try:
        from sklearn.decomposition import PCA
        from sklearn.svm import SVC
    except ImportError:
        raise MissingExtraError("scikit-learn", "train", "training the SVC") from None
    return PCA, SVC


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature minimising the negative log-likelihood of ``labels``."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels, np.int64)

    def nll(log_t: float) -> float:
        z = scores / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    result = minimize_scalar(nll, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return float(np.exp(result.x))


def _evaluate(classifier: SvcClassifier, test: DigitSet, chunk: int = 500) -> float:
    from tqdm import tqdm

    correct = 0
    for start in tqdm(range(0, len(test), chunk), desc="evaluating on MNIST test", unit="chunk", leave=False):
        batch = test.images[start : start + chunk].astype(np.float32) / 255.0
        correct += int((classifier.predict(batch).argmax(axis=1) == test.labels[start : start + chunk]).sum())
    return correct / max(len(test), 1)


def train_svc(train: DigitSet, test: DigitSet, out_dir: Path, seed: int, limit: int | None, C: float,
              command: str) -> Path:
    """Fit, calibrate, write ``svc.npz`` + ``svc.json`` in ``out_dir``; return the JSON path."""
    PCA, SVC = _sklearn()
    started = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images, labels = train.images, train.labels
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    n = len(labels)
    n_hold = min(HOLDOUT, max(1, n // 10))
    n_fit = n - n_hold
    if n_fit < 2 * N_CLASSES or len(np.unique(labels[:n_fit])) != N_CLASSES:
        raise ValueError(f"{n} training images are too few: every digit must appear in the first {n_fit}")

    log.info("HOG features of %d training images (cells %s, %d bins)", n, DEFAULT_CELLS, DEFAULT_BINS)
    features = hog_chunked(images, progress=True, cells=DEFAULT_CELLS, bins=DEFAULT_BINS)
    dims = min(PCA_DIMS, n_fit, features.shape[1])
    pca = PCA(n_components=dims, random_state=seed).fit(features[:n_fit])
    mean = pca.mean_.astype(np.float32)
    components = pca.components_.astype(np.float32)
    x = project(features, mean, components)  # the run-time projection, so training sees the same numbers
    gamma = GAMMA_SCALE / (x.shape[1] * float(x[:n_fit].astype(np.float64).var()))
    log.info("PCA %d -> %d dims (%.1f%% of variance); fitting SVC(rbf, C=%g, gamma=%.4g) on %d images, "
             "holding out %d for calibration", features.shape[1], dims, 100 * pca.explained_variance_ratio_.sum(),
             C, gamma, n_fit, n_hold)
    fit_started = time.time()
    svc = SVC(kernel="rbf", C=C, gamma=gamma, cache_size=1000, random_state=seed).fit(x[:n_fit], labels[:n_fit])
    log.info("SVC fitted in %.0f s: %d support vectors", time.time() - fit_started, int(svc.n_support_.sum()))
    if list(svc.classes_) != list(range(N_CLASSES)):
        raise ValueError(f"expected classes 0..9, got {svc.classes_}")

    arrays = {
        "hog_cells": np.asarray(DEFAULT_CELLS, np.int32),
        "hog_bins": np.asarray(DEFAULT_BINS, np.int32),
        "pca_mean": mean,
        "pca_components": components,
        "support_vectors": svc.support_vectors_.astype(np.float32),
        "n_support": svc.n_support_.astype(np.int32),
        "dual_coef": svc.dual_coef_.astype(np.float64),
        "intercept": svc.intercept_.astype(np.float64),
        "gamma": np.asarray(svc._gamma, np.float64),
        "temperature": np.asarray(1.0, np.float64),
    }
    held_images = images[n_fit:].astype(np.float32) / 255.0
    scores = class_scores(held_images, arrays_from_dict(arrays))
    temperature = fit_temperature(scores, labels[n_fit:])
    arrays["temperature"] = np.asarray(temperature, np.float64)
    log.info("softmax temperature %.4f (held-out accuracy %.4f)", temperature,
             float((scores.argmax(axis=1) == labels[n_fit:]).mean()))
    train_seconds = time.time() - started

    npz_path, json_path = out_dir / "svc.npz", out_dir / "svc.json"
    np.savez_compressed(npz_path, **arrays)
    meta = {
        "model": "svc",
        "classes": CLASSES,
        "input": dict(INPUT_FORMAT),
        "files": {"npz": npz_path.name},
        "features": hog_params(DEFAULT_CELLS, DEFAULT_BINS) | {"pca_dims": dims},
        "svc": {"kernel": "rbf", "C": C, "gamma": float(svc._gamma), "temperature": temperature,
                "probabilities": "softmax(ovr_scores / temperature), ovr_scores = votes + "
                                 "sum_conf / (3 * (|sum_conf| + 1)) as sklearn's ovr aggregation"},
        "preprocessing": PREPROCESSING,
        "accuracy": {},
        "training_command": command,
        "seed": seed,
        "train_images": n_fit,
        "calibration_images": n_hold,
        "train_seconds": round(train_seconds, 1),
        "n_support_vectors": int(svc.n_support_.sum()),
        "mnist_train_sha256": train.sha256,
        "mnist_test_sha256": test.sha256,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "array_format": dict(ARRAY_FORMAT),
    }
    json_path.write_text(json.dumps(meta, indent=2) + "\n")

    # the accuracy is measured through the shipped files and the run-time backend
    classifier = SvcClassifier(load_meta(json_path))
    accuracy = _evaluate(classifier, test)
    meta["accuracy"] = {"mnist-test": round(accuracy, 4)}
    json_path.write_text(json.dumps(meta, indent=2) + "\n")
    log.info("MNIST test accuracy %.4f (numpy backend); wrote %s (%.1f MB) and %s", accuracy, npz_path,
             npz_path.stat().st_size / 1e6, json_path)
    return json_path
