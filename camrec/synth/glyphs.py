"""Ink: opacity masks of single characters and of whole lines of text.

Handwritten digits are MNIST digits upscaled into pen strokes, handwritten
separators are drawn with OpenCV, letters and printed digits come from fonts.
Each mask is an :class:`Ink` at a position in document coordinates;
:func:`ink_hull` is the outline the ground truth is built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from camrec.synth.resources import FontInfo, MnistDigits

INK_ALPHA = 0.35  # a pixel is ink (for the ground-truth box) above this opacity


@dataclass
class Ink:
    """An opacity mask placed at (x, y) of the document; what it is, and its label."""

    alpha: np.ndarray  # float32 (h, w) in [0, 1]
    x: float
    y: float
    kind: str  # digit | sep | letter | symbol | scribble | line | box | pattern
    label: int = -1
    source: str = ""
    colour: tuple | None = None
    char: str = ""


def soft_threshold(v: np.ndarray, level: float, softness: float) -> np.ndarray:
    """Opacity from a smooth field: 0.5 at ``level``, from 0 to 1 across a band ``softness`` wide."""
    return np.clip((v - level) / softness + 0.5, 0.0, 1.0).astype(np.float32)


def hand_digit(rng: np.random.Generator, mnist: MnistDigits, label: int, height: float) -> tuple[np.ndarray, str]:
    """An MNIST test digit upscaled into a pen stroke ``height`` px tall."""
    img, idx = mnist.pick(rng, label)
    img = img.astype(np.float32) / 255
    rows = np.flatnonzero(img.max(1) > 0.1)
    cols = np.flatnonzero(img.max(0) > 0.1)
    img = np.pad(img[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1], 1)
    h, w = img.shape
    scale = height / max(h - 2, 1)
    aspect = rng.uniform(0.85, 1.15)
    new_w = max(3, int(round(w * scale * aspect)))
    new_h = max(3, int(round(h * scale)))
    big = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_CUBIC)
    sigma = max(0.0, 0.025 * height)
    if sigma > 0.4:
        big = cv2.GaussianBlur(big, (0, 0), sigma)
    level = rng.uniform(0.3, 0.62)  # higher level = thinner pen
    softness = max(0.05, min(0.35, 1.2 / max(height * 0.1, 1)))
    return soft_threshold(big, level, softness), f"mnist-test:{idx}"


def hand_separator(rng: np.random.Generator, ch: str, height: float, stroke: float) -> tuple[np.ndarray, float, float]:
    """A handwritten '-', '/', '.', ',', ':' or '+'; returns (alpha, width, top offset from digit top)."""
    t = max(1, int(round(stroke)))
    if ch == "-":
        w, hh = int(height * rng.uniform(0.3, 0.5)) + 2 * t, 2 * t + 3
        canvas = np.zeros((hh, w), np.uint8)
        cv2.line(canvas, (t, hh // 2 + int(rng.integers(-1, 2))), (w - t - 1, hh // 2), 255, t, cv2.LINE_AA)
        return canvas / 255.0, w, height * rng.uniform(0.45, 0.6) - hh / 2
    if ch == "/":
        w, hh = int(height * 0.45) + 2 * t, int(height * 1.0) + 2 * t
        canvas = np.zeros((hh, w), np.uint8)
        cv2.line(canvas, (w - t - 1, t), (t, hh - t - 1), 255, t, cv2.LINE_AA)
        return canvas / 255.0, w, -t
    if ch in ".,":
        r = max(1, int(round(stroke * 0.8)))
        hh = 4 * r + (int(height * 0.18) if ch == "," else 0) + 2
        w = 2 * r + 4
        canvas = np.zeros((hh, w), np.uint8)
        cv2.circle(canvas, (w // 2, 2 * r), r, 255, -1, cv2.LINE_AA)
        if ch == ",":
            cv2.line(canvas, (w // 2, 2 * r), (max(0, w // 2 - r - 1), hh - 1), 255, t, cv2.LINE_AA)
        return canvas / 255.0, w, height - 3 * r
    if ch == ":":
        r = max(1, int(round(stroke * 0.8)))
        hh, w = int(height * 0.6), 2 * r + 4
        canvas = np.zeros((hh, w), np.uint8)
        cv2.circle(canvas, (w // 2, 2 * r), r, 255, -1, cv2.LINE_AA)
        cv2.circle(canvas, (w // 2, hh - 2 * r - 1), r, 255, -1, cv2.LINE_AA)
        return canvas / 255.0, w, height * 0.3
    if ch == "+":
        s = int(height * 0.5) + 2 * t
        canvas = np.zeros((s, s), np.uint8)
        cv2.line(canvas, (t, s // 2), (s - t - 1, s // 2), 255, t, cv2.LINE_AA)
        cv2.line(canvas, (s // 2, t), (s // 2, s - t - 1), 255, t, cv2.LINE_AA)
        return canvas / 255.0, s, height * 0.25
    raise ValueError(ch)


@lru_cache(maxsize=256)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, max(6, int(size)))


def font_char(font_info: FontInfo, ch: str, digit_height: float, stroke: int = 0
              ) -> tuple[np.ndarray, float, float, float]:
    """One character; returns (alpha, x offset, y offset from the baseline, advance)."""
    from PIL import Image, ImageDraw

    size = max(6, int(round(digit_height / font_info.digit_ratio)))
    font = _font(font_info.path, size)
    box = font.getbbox(ch, anchor="ls", stroke_width=stroke)
    pad = 2
    w, h = box[2] - box[0] + 2 * pad, box[3] - box[1] + 2 * pad
    advance = font.getlength(ch) + stroke
    if w <= 2 * pad or h <= 2 * pad:
        return np.zeros((1, 1), np.float32), 0.0, 0.0, advance
    canvas = Image.new("L", (w, h), 0)
    ImageDraw.Draw(canvas).text((pad - box[0], pad - box[1]), ch, fill=255, font=font, anchor="ls",
                                stroke_width=stroke, stroke_fill=255)
    return np.asarray(canvas, np.float32) / 255, box[0] - pad, box[1] - pad, advance


def _kind(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if ch.isalpha():
        return "letter"
    if ch in "-/.,: ":
        return "sep"
    return "symbol"


def text_line(rng: np.random.Generator, text: str, height: float, style: str, mnist: MnistDigits,
              font_info: FontInfo | None, hand_font: FontInfo | None) -> tuple[list[Ink], float]:
    """Lay out ``text`` from x=0 with digit tops at y=0; returns items and the total width.

    ``style`` is "hand" (MNIST digits, hand-drawn separators, a handwriting
    font for letters) or "print" (everything from ``font_info``).
    """
    items: list[Ink] = []
    x = 0.0
    if style == "print":
        stroke = 0
        for ch in text:
            alpha, ox, oy, adv = font_char(font_info, ch, height, stroke)
            if ch != " " and alpha.max() > 0:
                kind = _kind(ch)
                items.append(Ink(alpha, x + ox, height + oy, kind, int(ch) if kind == "digit" else -1,
                                 f"font:{font_info.family}", char=ch))
            x += adv
        return items, x
    stroke = max(1.0, height * rng.uniform(0.06, 0.11))
    for ch in text:
        h = height * rng.uniform(0.9, 1.08)
        dy = height * rng.uniform(-0.05, 0.05) + (height - h)
        if ch.isdigit():
            alpha, src = hand_digit(rng, mnist, int(ch), h)
            items.append(Ink(alpha, x, dy, "digit", int(ch), src))
            x += alpha.shape[1] + height * rng.uniform(-0.04, 0.3)
        elif ch == " ":
            x += height * rng.uniform(0.35, 0.6)
        elif ch in "-/.,:+":
            alpha, w, top = hand_separator(rng, ch, height, stroke)
            x += height * rng.uniform(0.05, 0.15)
            items.append(Ink(alpha.astype(np.float32), x, top + dy * 0.5, "sep" if ch != "+" else "symbol",
                             char=ch))
            x += w + height * rng.uniform(0.05, 0.15)
        else:
            info = hand_font or font_info
            alpha, ox, oy, adv = font_char(info, ch, height * rng.uniform(0.9, 1.1))
            if alpha.max() > 0:
                items.append(Ink(alpha, x + ox, height + oy + dy, _kind(ch), -1, f"font:{info.family}", char=ch))
            x += adv + height * 0.05
    return items, x


def scribble(rng: np.random.Generator, w: int, h: int, thickness: int) -> np.ndarray:
    """A signature-like smooth random curve in a (h, w) box."""
    n = int(rng.integers(6, 14))
    xs = np.sort(rng.uniform(0, 1, n)) * (w - 2 * thickness) + thickness
    ys = rng.uniform(0.1, 0.9, n) * (h - 2 * thickness) + thickness
    t = np.linspace(0, 1, n)
    tt = np.linspace(0, 1, n * 12)
    px = np.interp(tt, t, xs) + np.sin(tt * rng.uniform(8, 30)) * w * 0.03
    py = np.interp(tt, t, ys) + np.cos(tt * rng.uniform(8, 30)) * h * 0.2
    pts = np.stack([np.clip(px, 0, w - 1), np.clip(py, 0, h - 1)], 1).astype(np.int32)
    canvas = np.zeros((h, w), np.uint8)
    cv2.polylines(canvas, [pts], False, 255, max(1, thickness), cv2.LINE_AA)
    return canvas / np.float32(255)


def ink_hull(alpha: np.ndarray) -> np.ndarray | None:
    """Convex hull (k,2 float32, x,y) of the corners of the ink pixels of ``alpha``."""
    ys, xs = np.nonzero(alpha > INK_ALPHA)
    if xs.size == 0:
        return None
    pts = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)]).astype(np.float32)
    return cv2.convexHull(pts).reshape(-1, 2)
