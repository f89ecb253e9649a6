"""Accuracy of a classifier through its runtime backend (``camrec eval``).

Datasets: the 10,000 MNIST test images; scikit-learn's 1,797 8x8 digits
(other writers, other scanner: upscaled and normalised like a camera crop,
a first cross-writer check); and, when fonts are available, digits rendered
from font families held out of training. Reports per-class accuracy and can
draw a confusion matrix and a mosaic of the worst mistakes (matplotlib).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from camrec.classify.base import Classifier
from camrec.errors import MissingExtraError
from camrec.normalize import batch_to_mnist

log = logging.getLogger("camrec")


@dataclass
class DatasetScore:
    name: str
    labels: np.ndarray
    probs: np.ndarray
    images: np.ndarray = field(repr=False)

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.labels).mean()) if len(self.labels) else 0.0

    def per_class(self) -> dict[str, float]:
        return {str(c): float((self.predicted[self.labels == c] == c).mean())
                for c in range(10) if (self.labels == c).any()}

    def confusion(self) -> np.ndarray:
        n = self.probs.shape[1]
        matrix = np.zeros((10, n), np.int64)
        np.add.at(matrix, (self.labels.astype(int), self.predicted), 1)
        return matrix

    def summary(self) -> dict:
        return {"n": int(len(self.labels)), "accuracy": round(self.accuracy, 5),
                "per_class": {k: round(v, 4) for k, v in self.per_class().items()}}


def predict_all(classifier: Classifier, images: np.ndarray, batch: int = 500) -> np.ndarray:
    """Predict a whole dataset in chunks (the frame loop sends one batch per frame)."""
    if len(images) == 0:
        return np.zeros((0, classifier.meta.n_classes), np.float32)
    return np.concatenate([classifier.predict(images[i : i + batch]) for i in range(0, len(images), batch)])


def sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits, upscaled and normalised to MNIST format."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtraError("scikit-learn", "eval", "the sklearn-digits check") from None
    digits = load_digits()
    ink = digits.images.astype(np.float32) / 16.0  # already white ink on black
    upscaled = [cv2.resize(img, (64, 64), interpolation=cv2.INTER_LINEAR) for img in ink]
    return batch_to_mnist(upscaled), digits.target.astype(np.uint8)


def score(classifier: Classifier, name: str, images: np.ndarray, labels: np.ndarray) -> DatasetScore:
    return DatasetScore(name, labels, predict_all(classifier, images), images)


def save_confusion_png(result: DatasetScore, path: Path, title: str) -> None:
    plt = _pyplot()
    matrix = result.confusion()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    shown = np.log1p(matrix)
    ax.imshow(shown, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > shown.max() * 0.6 else "black")
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}: {result.accuracy:.2%} of {len(result.labels)}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def save_mistakes_png(result: DatasetScore, path: Path, title: str, limit: int = 64) -> int:
    """The most confident mistakes, each captioned true->predicted (p). Returns how many shown."""
    plt = _pyplot()
    wrong = np.flatnonzero(result.predicted != result.labels)
    wrong = wrong[np.argsort(-result.probs[wrong].max(1))][:limit]
    cols = 8
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.35 + 0.4))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(axes).ravel(), wrong):
        ax.imshow(result.images[i], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{result.labels[i]}→{result.predicted[i]} ({result.probs[i].max():.2f})", fontsize=7)
    fig.suptitle(f"{title}: worst {len(wrong)} mistakes (true→predicted, confidence)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return len(wrong)


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never a window from eval
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("matplotlib", "eval", "the confusion-matrix and mistake PNGs") from None
    return plt
