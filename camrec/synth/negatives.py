"""Negatives: "not a digit" crops in MNIST format, for a possible 11th class.

Drawn with the scene's own glyph and texture helpers (fonts, scribbles, MNIST
digits cut in half, noise blobs), then normalised like a real crop.
"""

from __future__ import annotations

import cv2
import numpy as np

from camrec.normalize import to_mnist
from camrec.synth.glyphs import font_char, scribble, soft_threshold
from camrec.synth.materials import smooth_noise
from camrec.synth.resources import FontInfo, MnistDigits, mnist_digits, usable_fonts

# Letters whose shape is a digit's in many fonts stay out of the "not a digit" class.
NEGATIVE_LETTERS = "ACEFHKMNPRUVWXYacdefhkmnprtuvwxy"
NEGATIVE_SYMBOLS = "#@%&*+=?$<>!~^{}[]"
NEGATIVE_KINDS = ("letter", "symbol", "fragment", "half_digit", "corner", "blob", "line", "scribble")


def _negative(rng: np.random.Generator, kind: str, mnist: MnistDigits, fonts: tuple[FontInfo, ...]) -> np.ndarray:
    size = 64
    t = int(rng.integers(2, 9))
    if kind in ("letter", "symbol"):
        chars = NEGATIVE_LETTERS if kind == "letter" else NEGATIVE_SYMBOLS
        for _ in range(5):
            font = fonts[int(rng.integers(len(fonts)))]
            alpha, *_ = font_char(font, str(rng.choice(list(chars))), 48)
            if alpha.max() > 0:
                return alpha
        return np.zeros((2, 2), np.float32)
    canvas = np.zeros((size, size), np.uint8)
    if kind == "fragment":  # an arc or short bent stroke
        c = (int(rng.integers(16, 48)), int(rng.integers(16, 48)))
        ax = (int(rng.integers(8, 28)), int(rng.integers(8, 28)))
        start = float(rng.uniform(0, 360))
        cv2.ellipse(canvas, c, ax, float(rng.uniform(0, 180)), start, start + rng.uniform(70, 200), 255, t,
                    cv2.LINE_AA)
    elif kind == "line":  # never steep: normalised, a steep line is a slanted 1
        angle = rng.uniform(-40, 40)
        length = rng.uniform(20, 60)
        dx, dy = np.cos(np.deg2rad(angle)) * length / 2, np.sin(np.deg2rad(angle)) * length / 2
        cv2.line(canvas, (int(32 - dx), int(32 - dy)), (int(32 + dx), int(32 + dy)), 255, t, cv2.LINE_AA)
        if rng.random() < 0.3:
            cv2.line(canvas, (int(32 - dx), int(32 - dy) + 3 * t), (int(32 + dx), int(32 + dy) + 3 * t), 255, t,
                     cv2.LINE_AA)
    elif kind == "corner":  # box corners, T and + junctions of grids
        x, y = int(rng.integers(10, 54)), int(rng.integers(10, 54))
        shape = rng.integers(0, 3)
        cv2.line(canvas, (0 if shape else x, y), (63, y), 255, t)
        cv2.line(canvas, (x, 0 if shape == 2 else y), (x, 63), 255, t)
    elif kind == "scribble":
        return scribble(rng, int(rng.integers(30, 64)), int(rng.integers(20, 64)), t)
    elif kind == "blob":
        field_ = smooth_noise(rng, size, size, int(rng.integers(4, 16)))
        alpha = soft_threshold(field_, rng.uniform(0.3, 1.2), 0.3)
        if rng.random() < 0.5:  # speckle / paper texture
            alpha *= (rng.random((size, size)) < rng.uniform(0.2, 0.6))
        return alpha.astype(np.float32)
    elif kind == "half_digit":
        label = int(rng.choice([0, 2, 4, 5, 6, 8, 9]))
        img, _ = mnist.pick(rng, label)
        img = cv2.resize(img.astype(np.float32) / 255, (56, 56), interpolation=cv2.INTER_CUBIC)
        cut = int(rng.integers(22, 34))
        side = rng.integers(0, 2)
        img = img.copy()
        if side == 0:
            img[:, cut:] = 0
        else:
            img[:, :cut] = 0
        return np.clip(img, 0, 1)
    return canvas / np.float32(255)


def render_negatives(n: int, seed: int, data_dir: str | None = None, split: str = "train") -> np.ndarray:
    """``n`` "not a digit" crops in MNIST format: (n, 28, 28) float32, white on black.

    Letters (printed and handwriting-like fonts, without the ones shaped like
    digits: O, I, l, S, Z, B, g, q...), symbols, stroke fragments, half digits
    (left or right half of an MNIST ``split`` digit; never of 1, 3 or 7),
    box corners and grid junctions, texture blobs, lines (never
    near-vertical) and scribbles, each normalised by
    :func:`camrec.normalize.to_mnist` like a real crop. Some get a blur or a
    different stroke weight.
    """
    rng = np.random.default_rng([int(seed), 11])
    mnist = mnist_digits(split, data_dir)
    fonts = usable_fonts()
    out = np.zeros((n, 28, 28), np.float32)
    for i in range(n):
        kind = NEGATIVE_KINDS[int(rng.integers(len(NEGATIVE_KINDS)))]
        alpha = _negative(rng, kind, mnist, fonts)
        if rng.random() < 0.3:
            k = np.ones((2, 2), np.uint8)
            alpha = cv2.dilate(alpha, k) if rng.random() < 0.5 else cv2.erode(alpha, k)
        if rng.random() < 0.3:
            alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.5, 1.5))
        out[i] = to_mnist(alpha)
    return out
