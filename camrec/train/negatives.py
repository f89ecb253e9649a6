""""Not a digit" examples for an 11-class CNN (``camrec train negatives``).

Two sources, both free of MNIST *test* pixels so the MNIST test accuracy
stays honest:

* **mined**: generated scenes (a seed apart from every evaluation seed) run
  through the real pipeline stages up to the crops; every candidate that
  touches no ground-truth digit at all is a negative. These are exactly the
  clutter the classifier meets: letters, texture, box corners, rule pieces.
* **rendered**: :func:`camrec.synth.render_negatives` (letters, symbols,
  MNIST *train* half-digits, corners, blobs, scribbles).
"""

from __future__ import annotations

import logging

import numpy as np

from camrec.pipeline import Recognizer

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


def mine_candidates(recognizer: Recognizer, image: np.ndarray, truth: dict) -> np.ndarray:
    """Crops of the pipeline's candidates that are surely not digits: (k,28,28).

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
    return images[~narrow(images)]


def build_negatives(recognizer: Recognizer, scenes: int, rendered: int, seed: int,
                    data_dir: str | None = None) -> tuple[np.ndarray, dict]:
    """Mined + rendered negatives as (n,28,28) uint8 and a small report."""
    from tqdm.auto import tqdm

    from camrec.synth import make_scene, render_negatives

    mined = []
    for index in tqdm(range(scenes), desc="mine negatives", unit="scene"):
        scene = make_scene(seed, index)
        mined.append(mine_candidates(recognizer, scene.image, scene.truth))
    mined_arr = np.concatenate(mined) if mined else np.zeros((0, 28, 28), np.float32)
    drawn = render_negatives(rendered, seed, data_dir=data_dir) if rendered else np.zeros((0, 28, 28), np.float32)
    images = np.concatenate([mined_arr, drawn])
    images = images[images.reshape(len(images), -1).max(1) > 0]  # empty crops teach nothing
    report = {"mined": int(len(mined_arr)), "rendered": int(len(drawn)), "scenes": scenes, "seed": seed}
    return np.round(images * 255).astype(np.uint8), report
