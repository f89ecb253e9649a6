""""Not a digit" examples for an 11-class CNN (``camrec train negatives``).

Two sources of negatives, both free of MNIST *test* pixels so the MNIST test
accuracy stays honest:

* **mined**: generated scenes (a seed apart from every evaluation seed) run
  through the real pipeline stages up to the crops; every candidate that
  touches no ground-truth digit at all is a negative. These are exactly the
  clutter the classifier meets: letters, texture, box corners, rule pieces.
* **rendered**: :func:`camrec.synth.render_negatives` (letters, symbols,
  MNIST *train* half-digits, corners, blobs, scribbles).

And **scene positives**: the pipeline's crops of the real digits of the same
scenes, with their true labels. Without them the 11th class learns "looks
like a camera crop" rather than "is not a digit" (mined negatives are
camera crops, MNIST digits are clean scans): an 11-class model trained on
negatives alone rejected most true digits of the generated scenes. The
mining scenes draw their handwriting from MNIST *train* and skip font
families held out of training, so no test image and no held-out font is
learnt.
"""

from __future__ import annotations

import logging

import numpy as np

from camrec.pipeline import Recognizer
from camrec.scenes import iou_matrix

log = logging.getLogger("camrec")


def _touches_any(box: np.ndarray, digits_xyxy: np.ndarray, margin: float = 0.1) -> bool:
    if len(digits_xyxy) == 0:
        return False
    pad = margin * (box[3] - box[1])
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    return bool(((digits_xyxy[:, 0] < x1) & (digits_xyxy[:, 2] > x0) &
                 (digits_xyxy[:, 1] < y1) & (digits_xyxy[:, 3] > y0)).any())


def _boxes(items: list[dict]) -> np.ndarray:
    return np.array([[x, y, x + w, y + h] for x, y, w, h in (d["box"] for d in items)], np.float32).reshape(-1, 4)


def narrow(crops: np.ndarray, max_aspect: float = 0.4) -> np.ndarray:
    """True for crops whose ink is a thin upright bar: a 1 as much as an l or a rule piece."""
    ink = crops > 0.2
    cols, rows = ink.any(1), ink.any(2)
    width = cols.shape[1] - np.argmax(cols, 1) - np.argmax(cols[:, ::-1], 1)
    height = rows.shape[1] - np.argmax(rows, 1) - np.argmax(rows[:, ::-1], 1)
    return width < max_aspect * np.maximum(height, 1)


def mine_candidates(recognizer: Recognizer, image: np.ndarray, truth: dict,
                    positives: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crops of the pipeline's candidates that are surely not digits: (k,28,28).

    With ``positives``: (negatives, crops of the candidates that match a true
    digit (IoU >= 0.5), their true labels).

    Dropped as ambiguous: anything touching a ground-truth digit, anything on
    a letter that is shaped like a digit (O, l, S, B...: only letters and
    symbols in ``NEGATIVE_LETTERS``/``NEGATIVE_SYMBOLS`` count), and thin
    upright bars, which look like a 1 whatever made them.
    """
    from camrec.synth import NEGATIVE_LETTERS, NEGATIVE_SYMBOLS

    pre = recognizer.preprocessor.run(image)
    seg = recognizer.segmenter.run(pre)
    crops = recognizer.normalizer.run(pre, seg)
    boxes = seg.xyxy / pre.scale
    digits = _boxes(truth["digits"])
    lookalikes = _boxes([g for g in truth.get("glyphs", []) if g["char"] not in NEGATIVE_LETTERS + NEGATIVE_SYMBOLS])
    keep = [i for i in range(len(boxes))
            if not _touches_any(boxes[i], digits) and not _touches_any(boxes[i], lookalikes, margin=0.0)]
    images = crops.images[keep]
    negatives = images[~narrow(images)]
    if not positives:
        return negatives
    if len(digits) and len(boxes):
        iou = iou_matrix(boxes, digits)
        best = iou.argmax(1)
        hit = np.flatnonzero(iou.max(1) >= 0.5)
        labels = np.array([truth["digits"][int(best[i])]["label"] for i in hit], np.uint8)
        return negatives, crops.images[hit], labels
    return negatives, np.zeros((0, 28, 28), np.float32), np.zeros(0, np.uint8)


def _to_u8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)


def build_negatives(recognizer: Recognizer, scenes: int, rendered: int, seed: int,
                    data_dir: str | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """Mined + rendered negatives and the scene positives, as uint8 arrays, and a small report.

    Returns ({"images": negatives (n,28,28), "positives": (m,28,28), "positive_labels": (m,)}, report)."""
    from tqdm.auto import tqdm

    from camrec.datasets.fonts import is_held_out
    from camrec.datasets.mnist import load_mnist
    from camrec.synth import MnistDigits, make_scene, render_negatives

    train = load_mnist("train", data_dir)
    handwriting = MnistDigits(train.images, train.labels)  # never the test set: it is what we measure on
    mined, pos, pos_labels, skipped = [], [], [], 0
    for index in tqdm(range(scenes), desc="mine scenes", unit="scene"):
        scene = make_scene(seed, index, mnist=handwriting)
        negatives, crops, labels = mine_candidates(recognizer, scene.image, scene.truth, positives=True)
        mined.append(negatives)
        if any(is_held_out(str(f)) for f in scene.truth.get("fonts", [])):
            skipped += 1  # its printed digits are in a family kept for testing
        else:
            pos.append(crops)
            pos_labels.append(labels)
    empty = np.zeros((0, 28, 28), np.float32)
    mined_arr = np.concatenate(mined) if mined else empty
    drawn = render_negatives(rendered, seed, data_dir=data_dir) if rendered else empty
    images = np.concatenate([mined_arr, drawn])
    images = images[images.reshape(len(images), -1).max(1) > 0]  # empty crops teach nothing
    positives = np.concatenate(pos) if pos else empty
    labels = np.concatenate(pos_labels) if pos_labels else np.zeros(0, np.uint8)
    report = {"mined": len(mined_arr), "rendered": len(drawn), "scenes": scenes, "seed": seed,
              "positives": len(positives), "positive_scenes_skipped_held_out_fonts": skipped,
              "mnist_train_sha256": train.sha256}
    arrays = {"images": _to_u8(images), "positives": _to_u8(positives), "positive_labels": labels}
    return arrays, report
