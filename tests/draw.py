"""Small synthetic pages for the pipeline tests (drawn with OpenCV, MNIST test digits pasted)."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
PAPER = 225
INK = 35


def page(h: int = 400, w: int = 800, value: int = PAPER, noise: float = 3.0, seed: int = 0,
         gradient: bool = True) -> np.ndarray:
    """A gray 'paper' BGR image with a lighting gradient and sensor noise."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w), float(value), np.float32)
    if gradient:
        img *= np.linspace(0.7, 1.05, w, dtype=np.float32)[None, :]
    img += rng.normal(0, noise, img.shape).astype(np.float32)
    return cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def text(img: np.ndarray, s: str, org: tuple[int, int], scale: float = 2.0, thick: int = 4,
         color: int = INK, font: int = FONT) -> np.ndarray:
    cv2.putText(img, s, org, font, scale, (color, color, color), thick, cv2.LINE_AA)
    return img


def paste_mnist(img: np.ndarray, digit: np.ndarray, x: int, y: int, size: int) -> tuple[int, int, int, int]:
    """Paste an MNIST digit (white on black 28x28) as dark ink; returns its ink box x0,y0,x1,y1."""
    big = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255.0
    roi = img[y:y + size, x:x + size].astype(np.float32)
    roi = roi * (1 - big[:, :, None]) + INK * big[:, :, None]
    img[y:y + size, x:x + size] = np.clip(roi, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(big > 0.3)
    return x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1
