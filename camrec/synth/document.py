"""The flat page ink is drawn on, in its own pixel coordinates.

A :class:`Document` keeps, besides its pixels, the record of every digit
(its ink hull), number, letter and distractor drawn and of the space taken:
the ground truth before the camera's perspective is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from camrec.synth.glyphs import Ink, ink_hull


@dataclass
class DigitTruth:
    """One digit drawn on a document: its label, ink hull and where it came from."""

    label: int
    hull: np.ndarray  # (k, 2) document coordinates
    source: str


@dataclass
class Document:
    """A flat page: paper colour, the ink drawn on it, and what was drawn where."""

    paper: np.ndarray  # (H, W, 3) float32 BGR 0..1
    ink_colour: tuple
    medium: str
    digits: list[DigitTruth] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)
    distractors: dict[str, int] = field(default_factory=dict)
    occupied: list[tuple[float, float, float, float]] = field(default_factory=list)
    glyphs: list[tuple[str, np.ndarray]] = field(default_factory=list)  # letters/symbols: (char, hull)
    max_digits: int | None = None  # layouts that can stop early do so once this many digits are drawn

    @property
    def width(self) -> int:
        return self.paper.shape[1]

    @property
    def height(self) -> int:
        return self.paper.shape[0]

    def count(self, kind: str, n: int = 1) -> None:
        self.distractors[kind] = self.distractors.get(kind, 0) + n

    def free(self, box: tuple[float, float, float, float], margin: float = 0.0) -> bool:
        x0, y0, x1, y1 = box
        if x0 < 0 or y0 < 0 or x1 > self.width or y1 > self.height:
            return False
        for a0, b0, a1, b1 in self.occupied:
            if x0 < a1 + margin and a0 < x1 + margin and y0 < b1 + margin and b0 < y1 + margin:
                return False
        return True

    def draw(self, alpha: np.ndarray, x: float, y: float, colour: tuple, opacity: float = 1.0) -> None:
        x, y = int(round(x)), int(round(y))
        h, w = alpha.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, self.width), min(y + h, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        a = alpha[y0 - y: y1 - y, x0 - x: x1 - x, None] * opacity
        region = self.paper[y0:y1, x0:x1]
        region *= 1 - a
        region += a * np.asarray(colour, np.float32)

    def place(self, items: list[Ink], ox: float, oy: float, colour: tuple, number_groups: list[dict] | None = None,
              opacity: float = 1.0) -> None:
        """Draw items offset by (ox, oy); record digits, distractors and numbers."""
        index_of = {}
        for i, it in enumerate(items):
            x, y = int(round(it.x + ox)), int(round(it.y + oy))
            self.draw(it.alpha, x, y, it.colour or colour, opacity)
            if it.kind == "digit":
                hull = ink_hull(it.alpha)
                if hull is None:
                    continue
                index_of[i] = len(self.digits)
                self.digits.append(DigitTruth(it.label, hull + np.float32([x, y]), it.source))
            elif it.kind in ("letter", "symbol"):
                self.count(it.kind + "s")
                hull = ink_hull(it.alpha)
                if hull is not None:
                    self.glyphs.append((it.char, hull + np.float32([x, y])))
        for group in number_groups or []:
            members = [index_of[i] for i in group["items"] if i in index_of]
            if members:
                self.numbers.append({"display": group["display"], "digits": members})

    def box_of(self, items: list[Ink], ox: float, oy: float) -> tuple[float, float, float, float]:
        xs0 = [it.x + ox for it in items]
        ys0 = [it.y + oy for it in items]
        xs1 = [it.x + ox + it.alpha.shape[1] for it in items]
        ys1 = [it.y + oy + it.alpha.shape[0] for it in items]
        return min(xs0), min(ys0), max(xs1), max(ys1)
