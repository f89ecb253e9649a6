"""Distractors: the non-digit marks a page carries besides its text.

Ruled lines, boxes, grids, cheque security patterns, and stray words, symbols
and scribbles. Each is counted in the document's ``distractors``: they are
what false digits are made of.
"""

from __future__ import annotations

import cv2
import numpy as np

from camrec.synth.document import Document
from camrec.synth.glyphs import scribble, text_line
from camrec.synth.text import SYMBOLS, WORDS


def security_pattern(rng: np.random.Generator, doc: Document, colour: tuple) -> None:
    """Fine guilloche-like wavy lines over the whole page (cheques)."""
    h, w = doc.height, doc.width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    f1, f2 = rng.uniform(0.05, 0.12), rng.uniform(0.005, 0.02)
    wave = np.sin(yy * f1 + 6 * np.sin(xx * f2 + rng.uniform(0, 6)) + rng.uniform(0, 6))
    wave2 = np.sin(xx * f1 * 0.8 + 5 * np.sin(yy * f2 * 1.3))
    pattern = np.clip((np.maximum(wave, wave2) - 0.75) * 4, 0, 1) * rng.uniform(0.15, 0.35)
    doc.draw(pattern.astype(np.float32), 0, 0, colour)
    doc.count("pattern")


def rule_page(rng: np.random.Generator, doc: Document, spacing: float, top: float) -> list[float]:
    """Light ruled lines (and sometimes a red margin); returns their y positions."""
    colour = (0.85, 0.7, 0.55) if rng.random() < 0.7 else (0.6, 0.6, 0.6)
    ys = list(np.arange(top, doc.height - spacing * 0.3, spacing))
    thick = max(1, int(round(spacing / 40)))
    for y in ys:
        canvas = np.zeros((thick + 2, doc.width), np.float32)
        canvas[1:1 + thick] = 0.8
        doc.draw(canvas, 0, y - 1, colour)
    doc.count("lines", len(ys))
    if rng.random() < 0.5:
        mx = int(doc.width * rng.uniform(0.08, 0.14))
        canvas = np.zeros((doc.height, thick + 2), np.float32)
        canvas[:, 1:1 + thick] = 0.8
        doc.draw(canvas, mx, 0, (0.35, 0.35, 0.85))
        doc.count("lines")
    return ys


def draw_box(doc: Document, box: tuple, colour: tuple, thick: int) -> None:
    """A rectangle outline along ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    canvas = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    cv2.rectangle(canvas, (0, 0), (x1 - x0, y1 - y0), 255, thick)
    doc.draw(canvas / np.float32(255), x0, y0, colour)
    doc.count("boxes")


def draw_grid(rng: np.random.Generator, doc: Document, box: tuple, colour: tuple, thick: int) -> None:
    """A table grid filling ``box``; the space is taken."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    canvas = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    nx, ny = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    for i in range(nx + 1):
        x = int(i * (x1 - x0) / nx)
        cv2.line(canvas, (x, 0), (x, y1 - y0), 255, thick)
    for j in range(ny + 1):
        y = int(j * (y1 - y0) / ny)
        cv2.line(canvas, (0, y), (x1 - x0, y), 255, thick)
    doc.draw(canvas / np.float32(255), x0, y0, colour)
    doc.count("grids")
    doc.occupied.append((x0, y0, x1, y1))


def add_extras(rng: np.random.Generator, doc: Document, h: float, colour: tuple, fonts, p: float = 0.4) -> None:
    """Scribbles, symbols, a grid or a word in free space."""
    printed, hand = fonts
    for _ in range(int(rng.integers(0, 4))):
        if rng.random() > p:
            continue
        what = rng.choice(["scribble", "symbol", "grid", "word"])
        for _try in range(8):
            if what == "scribble":
                w, hh = int(h * rng.uniform(2, 5)), int(h * rng.uniform(0.8, 1.6))
            elif what == "grid":
                w, hh = int(h * rng.uniform(3, 7)), int(h * rng.uniform(2, 4))
            else:
                w, hh = int(h * 4), int(h * 1.5)
            if doc.width - w - 2 <= 2 or doc.height - hh - 2 <= 2:
                break
            x, y = rng.uniform(2, doc.width - w - 2), rng.uniform(2, doc.height - hh - 2)
            if not doc.free((x, y, x + w, y + hh), h * 0.5):
                continue
            if what == "scribble":
                doc.draw(scribble(rng, w, hh, max(1, int(h * 0.07))), x, y, colour)
                doc.count("scribbles")
            elif what == "grid":
                draw_grid(rng, doc, (x, y, x + w, y + hh), colour, max(1, int(h * 0.05)))
            else:
                text = str(rng.choice(SYMBOLS)) if what == "symbol" else str(rng.choice(WORDS))
                items, _tw = text_line(rng, text, h, "hand" if rng.random() < 0.5 else "print", None,
                                      printed, hand)
                if not items:
                    continue
                doc.place(items, x, y, colour)
            doc.occupied.append((x, y, x + w, y + hh))
            break
