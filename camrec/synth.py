"""Photo-like scenes with exact ground truth, for evaluating the whole pipeline.

A scene is a sheet, cheque, sticky note, board or number plate, drawn flat in
its own ("document") coordinates, then placed in perspective on a desk
texture, lit unevenly with a soft shadow, blurred, given sensor noise and
JPEG-compressed. Digits come from the MNIST **test** set (upscaled into pen
strokes: cubic upsampling, a soft threshold whose level sets the stroke
width, a random ink colour) and from printed fonts. Letters, symbols, ruled
lines, boxes, grids, security patterns and scribbles are the distractors.

Ground truth is exact: for every digit the convex hull of its ink pixels
(alpha > :data:`INK_ALPHA`) is mapped through the same homography as the
image, and the box is the bounding box of the mapped hull, in final image
pixels. Numbers list their member digits and the text with and without the
separators.

Everything here is a pure function of a seed (no argv, no clock); each scene
draws from ``numpy.random.default_rng([seed, index])``, so scene 17 of seed 7
is the same whatever ``count`` is. :func:`render_negatives` renders
"not a digit" crops in MNIST format for a possible 11th class.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np

from camrec.errors import CamrecError, MissingExtraError
from camrec.normalize import to_mnist

INK_ALPHA = 0.35  # a pixel is ink (for the ground-truth box) above this opacity
LAYOUTS = ("lines", "scattered", "cheque", "plate", "sticky", "blank", "letters")
# How often each layout comes up in a generated set.
LAYOUT_WEIGHTS = {"lines": 0.30, "scattered": 0.17, "cheque": 0.14, "plate": 0.12, "sticky": 0.13,
                  "blank": 0.06, "letters": 0.08}
GT_VERSION = 1

WORDS = ["Tel", "Date", "Total", "Name", "Amount", "Pay", "Ref", "No", "Invoice", "Room", "Order", "Qty",
         "Price", "Phone", "Due", "Code", "Page", "Item", "Call", "Fax", "Box", "Net", "Sum", "Tax",
         "memo", "notes", "call me", "before", "week", "paid", "the", "and", "for", "meeting", "balance",
         "account", "ticket", "seat", "gate", "flight", "delivery", "kitchen", "garage", "parcel"]
SENTENCES = ["Remember to buy milk", "Meeting with the team", "Please sign here", "Thank you",
             "Pay to the order of", "Signature", "Received with thanks", "Keep this copy",
             "Notes from the lecture", "The quick brown fox jumps over the lazy dog", "Shopping list",
             "Call the plumber", "Water the plants", "Do not bend", "Handle with care", "Urgent"]
SYMBOLS = list("#@%&*+=?$<>()!~^") + ["EUR"]
PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# Handwriting-like font families (file-name stems), used for handwritten letters.
HAND_FONTS = ("breip", "kristi", "becausewe", "femkeklaver", "humor", "comicneue", "kleeone", "z003", "dkg")
BAD_FONTS = ("droidsansfallback",)  # huge CJK fallback: slow and not what a page is printed in

INK_COLOURS = {  # BGR 0..1
    "black": (0.12, 0.11, 0.10), "blue": (0.55, 0.20, 0.08), "darkblue": (0.35, 0.12, 0.05),
    "gray": (0.28, 0.28, 0.28), "red": (0.12, 0.12, 0.60), "green": (0.20, 0.40, 0.10),
}


# ----------------------------------------------------------------- resources
@dataclass(frozen=True)
class FontInfo:
    path: str
    family: str
    hand: bool  # handwriting-like
    digit_ratio: float  # ink height of "0" / font size


@lru_cache(maxsize=4)
def usable_fonts(dirs: tuple[str, ...] | None = None) -> tuple[FontInfo, ...]:
    """Fonts that draw ten distinct digits and Latin letters, sorted by path."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise MissingExtraError("pillow", "dev", "rendering scenes") from None
    from camrec.datasets.fonts import DEFAULT_FONT_DIRS, family_of, find_font_files

    out = []
    for path in find_font_files(dirs or DEFAULT_FONT_DIRS):
        name = path.name.lower()
        if any(b in name for b in BAD_FONTS):
            continue
        try:
            font = ImageFont.truetype(str(path), 48)
        except OSError:
            continue
        imgs = []
        for ch in "0178A":
            canvas = Image.new("L", (96, 96), 0)
            ImageDraw.Draw(canvas).text((20, 10), ch, fill=255, font=font)
            imgs.append(np.asarray(canvas, np.float32) / 255)
        if any(im.max() == 0 for im in imgs):
            continue
        if min(np.abs(imgs[i] - imgs[j]).mean() for i in range(5) for j in range(i + 1, 5)) < 0.01:
            continue  # placeholder boxes instead of glyphs
        box = font.getbbox("0", anchor="ls")
        ratio = (box[3] - box[1]) / 48
        if not 0.3 < ratio < 1.2:
            continue
        out.append(FontInfo(str(path), family_of(path), any(h in name for h in HAND_FONTS), ratio))
    if not out:
        raise CamrecError("fonts", "no usable fonts found for scene rendering (install fonts under /usr/share/fonts)")
    return tuple(out)


@lru_cache(maxsize=256)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, max(6, int(size)))


class MnistDigits:
    """MNIST images indexed by label, for drawing handwritten digits."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.by_label = [np.flatnonzero(labels == d) for d in range(10)]

    def pick(self, rng: np.random.Generator, label: int) -> tuple[np.ndarray, int]:
        idx = int(rng.choice(self.by_label[label]))
        return self.images[idx], idx


@lru_cache(maxsize=2)
def _mnist(split: str, data_dir: str | None) -> MnistDigits:
    from camrec.datasets.mnist import load_mnist

    data = load_mnist(split, data_dir)
    return MnistDigits(data.images, data.labels)


# ------------------------------------------------------------------- glyphs
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


def _soft_threshold(v: np.ndarray, level: float, softness: float) -> np.ndarray:
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
    return _soft_threshold(big, level, softness), f"mnist-test:{idx}"


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


# ------------------------------------------------------------------ document
@dataclass
class DigitTruth:
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


def ink_hull(alpha: np.ndarray) -> np.ndarray | None:
    """Convex hull (k,2 float32, x,y) of the corners of the ink pixels of ``alpha``."""
    ys, xs = np.nonzero(alpha > INK_ALPHA)
    if xs.size == 0:
        return None
    pts = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)]).astype(np.float32)
    return cv2.convexHull(pts).reshape(-1, 2)


def _number_text(rng: np.random.Generator, kind: str) -> str:
    d = lambda n: "".join(str(int(v)) for v in rng.integers(0, 10, n))  # noqa: E731
    if kind == "phone":
        fmt = rng.integers(0, 4)
        if fmt == 0:
            return f"0{d(3)}-{d(3)}-{d(3)}"
        if fmt == 1:
            return f"{d(3)} {d(3)} {d(4)}"
        if fmt == 2:
            return f"+{d(2)} {d(4)} {d(6)}"
        return f"{d(3)}-{d(4)}"
    if kind == "date":
        sep = "/" if rng.random() < 0.5 else "."
        year = str(int(rng.integers(1990, 2031))) if rng.random() < 0.7 else f"{int(rng.integers(0, 100)):02d}"
        return f"{int(rng.integers(1, 29)):02d}{sep}{int(rng.integers(1, 13)):02d}{sep}{year}"
    if kind == "amount":
        whole = int(rng.integers(1, 100000)) if rng.random() < 0.7 else int(rng.integers(1, 1000))
        text = f"{whole:,}"
        if rng.random() < 0.7:
            text += f".{int(rng.integers(0, 100)):02d}"
        if rng.random() < 0.3:  # continental style: 1.234,56
            text = text.replace(",", "#").replace(".", ",").replace("#", ".")
        return text
    if kind == "time":
        return f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"
    n = int(rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 8]))
    return d(n) if n == 1 else str(int(rng.integers(1, 10))) + d(n - 1)


def _groups_of(text: str, items: list[Ink], offset: int = 0) -> list[dict]:
    """Numbers in ``text`` (digits joined by thin separators) -> item indices of their digits.

    Items map to the non-space characters of ``text`` in order, as :func:`text_line`
    produces them (a character that drew nothing breaks the mapping, so callers
    only pass text whose glyphs all draw).
    """
    groups = []
    current = None
    item_i = offset
    chars = list(text)
    for pos, ch in enumerate(chars):
        if ch == " ":
            nxt = chars[pos + 1] if pos + 1 < len(chars) else ""
            if current is not None and not nxt.isdigit():
                groups.append(current)
                current = None
            elif current is not None:
                current["display"] += " "
            continue
        it_index = item_i
        item_i += 1
        if ch.isdigit():
            if current is None:
                current = {"display": "", "items": []}
            current["display"] += ch
            current["items"].append(it_index)
        elif ch in "-/.,:" and current is not None and pos + 1 < len(chars) and chars[pos + 1].isdigit():
            current["display"] += ch
        else:
            if current is not None:
                groups.append(current)
            current = None
    if current is not None:
        groups.append(current)
    return groups


# --------------------------------------------------------------- materials
def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    small = rng.standard_normal((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def paper_texture(rng: np.random.Generator, h: int, w: int, base: tuple) -> np.ndarray:
    tone = np.asarray(base, np.float32)
    page = np.ones((h, w, 3), np.float32) * tone
    page *= (1 + 0.02 * _smooth_noise(rng, h, w, 40))[..., None]
    page += 0.012 * rng.standard_normal((h, w, 1)).astype(np.float32)
    return np.clip(page, 0, 1)


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


def desk_texture(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, str]:
    kind = str(rng.choice(["wood", "plain", "fabric", "dark"]))
    if kind == "wood":
        base = np.float32([0.25, 0.42, 0.6]) * rng.uniform(0.6, 1.1)
        along = np.linspace(0, 1, h, dtype=np.float32)[:, None] if rng.random() < 0.5 else \
            np.linspace(0, 1, w, dtype=np.float32)[None, :]
        grain = np.sin((along * rng.uniform(20, 60) + 0.3 * _smooth_noise(rng, h, w, 60)) * np.pi * 2)
        lum = 1 + rng.uniform(0.04, 0.12) * grain + 0.05 * _smooth_noise(rng, h, w, 8)
        desk = base * lum[..., None]
    elif kind == "fabric":
        base = rng.uniform(0.2, 0.7, 3).astype(np.float32)
        desk = base * (1 + 0.15 * rng.standard_normal((h, w, 1)).astype(np.float32))
        desk = cv2.GaussianBlur(desk, (0, 0), 1.2)
    elif kind == "dark":
        desk = np.float32([0.12, 0.12, 0.13]) * (1 + 0.2 * _smooth_noise(rng, h, w, 30))[..., None]
    else:
        base = rng.uniform(0.35, 0.85, 3).astype(np.float32)
        desk = base * (1 + 0.05 * _smooth_noise(rng, h, w, 50))[..., None]
    return np.clip(desk.astype(np.float32), 0, 1), kind


# ------------------------------------------------------------------ layouts
def _ink_colour(rng: np.random.Generator, printed: bool) -> tuple:
    if printed:
        name = rng.choice(["black", "black", "black", "gray", "darkblue"])
    else:
        name = rng.choice(["black", "blue", "blue", "darkblue", "gray", "red", "green"])
    jitter = rng.uniform(-0.04, 0.04, 3)
    return tuple(np.clip(np.asarray(INK_COLOURS[name]) + jitter, 0, 1))


def _fonts(rng: np.random.Generator) -> tuple[FontInfo, FontInfo]:
    """A printing font (half the time from a family held out of training) and a handwriting one."""
    from camrec.datasets.fonts import is_held_out

    fonts = usable_fonts()
    printed = [f for f in fonts if not f.hand]
    held = [f for f in printed if is_held_out(f.family)]
    pool = held if (held and rng.random() < 0.5) else printed
    hand = [f for f in fonts if f.hand] or printed
    return pool[int(rng.integers(len(pool)))], hand[int(rng.integers(len(hand)))]


def _line_text(rng: np.random.Generator) -> str:
    kind = rng.choice(["phone", "date", "amount", "plain", "time"], p=[0.25, 0.2, 0.25, 0.22, 0.08])
    number = _number_text(rng, str(kind))
    r = rng.random()
    label = {"phone": ["Tel", "Phone", "Call", "Fax"], "date": ["Date", "Due", "Born"],
             "amount": ["Total", "Amount", "Price", "Sum", "Net"],
             "time": ["Time", "at"]}.get(str(kind), ["No", "Ref", "Room", "Order", "Qty", "Page", "Item"])
    if kind == "amount" and rng.random() < 0.3:
        number = ("$" + number) if rng.random() < 0.5 else (number + " EUR")
    if r < 0.55:
        return f"{rng.choice(label)}: {number}" if rng.random() < 0.6 else f"{rng.choice(label)} {number}"
    if r < 0.7:
        other = _number_text(rng, "plain")
        return f"{number}   {rng.choice(WORDS)}   {other}"
    if r < 0.8:
        return f"{number}   {rng.choice(WORDS)}"
    return number


def _sheet_paper(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, str, bool]:
    if rng.random() < 0.1:  # a dark board with light chalk/marker
        base = (0.20, 0.28, 0.16) if rng.random() < 0.5 else (0.12, 0.12, 0.12)
        return paper_texture(rng, h, w, base), "board", True
    base = rng.choice([(0.97, 0.97, 0.97), (0.86, 0.93, 0.95), (0.93, 0.92, 0.9), (0.9, 0.9, 0.9)])
    return paper_texture(rng, h, w, tuple(base)), "sheet", False


def _rule_page(rng: np.random.Generator, doc: Document, spacing: float, top: float) -> list[float]:
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


def _draw_box(doc: Document, box: tuple, colour: tuple, thick: int) -> None:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    canvas = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    cv2.rectangle(canvas, (0, 0), (x1 - x0, y1 - y0), 255, thick)
    doc.draw(canvas / np.float32(255), x0, y0, colour)
    doc.count("boxes")


def _draw_grid(rng: np.random.Generator, doc: Document, box: tuple, colour: tuple, thick: int) -> None:
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


def _add_extras(rng: np.random.Generator, doc: Document, h: float, colour: tuple, fonts, p: float = 0.4) -> None:
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
                _draw_grid(rng, doc, (x, y, x + w, y + hh), colour, max(1, int(h * 0.05)))
            else:
                text = str(rng.choice(SYMBOLS)) if what == "symbol" else str(rng.choice(WORDS))
                items, tw = text_line(rng, text, h, "hand" if rng.random() < 0.5 else "print", None,
                                      printed, hand)
                if not items:
                    continue
                doc.place(items, x, y, colour)
            doc.occupied.append((x, y, x + w, y + hh))
            break


def layout_lines(rng, doc: Document, mnist, fonts, size_px: tuple[float, float]) -> None:
    printed, hand = fonts
    style_page = rng.choice(["hand", "print", "mixed"], p=[0.4, 0.35, 0.25])
    hi = max(size_px[0] + 1, min(size_px[1], doc.width * 0.8 / 14))  # about 18 characters fit a line
    h = float(np.exp(rng.uniform(np.log(size_px[0]), np.log(hi))))
    spacing = h * rng.uniform(1.8, 2.6)
    margin = doc.width * 0.12
    top = doc.height * 0.08 + h
    ruled = doc.medium == "sheet" and rng.random() < 0.35
    if ruled:
        _rule_page(rng, doc, spacing, top + h * 1.05)
    y = top
    while y + h * 1.5 < doc.height * 0.95:
        if doc.max_digits is not None and len(doc.digits) >= doc.max_digits:
            break
        if rng.random() < 0.15:
            y += spacing
            continue
        text = _line_text(rng) if rng.random() < 0.85 else str(rng.choice(SENTENCES))
        style = style_page if style_page != "mixed" else ("hand" if rng.random() < 0.5 else "print")
        items, width = text_line(rng, text, h, str(style), mnist, printed, hand)
        x = margin + rng.uniform(0, doc.width * 0.1)
        if items and x + width > doc.width * 0.97:  # too long for the page: the number alone
            text = _number_text(rng, str(rng.choice(["phone", "date", "amount", "plain"])))
            items, width = text_line(rng, text, h, str(style), mnist, printed, hand)
            x = min(x, doc.width * 0.05)
        if not items or x + width > doc.width * 0.97:
            y += spacing
            continue
        nonspace = [c for c in text if c != " "]
        if len(items) != len(nonspace):  # a glyph drew nothing: no number ground truth can be trusted
            y += spacing
            continue
        groups = _groups_of(text, items)
        box = doc.box_of(items, x, y)
        if ruled is False and rng.random() < 0.15 and any(it.kind == "digit" for it in items):
            pad = h * rng.uniform(0.3, 0.6)
            bx = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            if doc.free(bx):
                _draw_box(doc, bx, doc.ink_colour, max(1, int(h * 0.05)))
        doc.place(items, x, y, doc.ink_colour, groups)
        doc.occupied.append(box)
        y += spacing
    _add_extras(rng, doc, h, doc.ink_colour, fonts, 0.35)


def layout_letters(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    h = float(np.exp(rng.uniform(np.log(size_px[0]), np.log(size_px[1]))))
    spacing = h * rng.uniform(1.8, 2.5)
    style = "hand" if rng.random() < 0.5 else "print"
    if doc.medium == "sheet" and rng.random() < 0.4:
        _rule_page(rng, doc, spacing, doc.height * 0.08 + h * 2.05)
    y = doc.height * 0.08 + h
    while y + h * 1.5 < doc.height * 0.95:
        text = str(rng.choice(SENTENCES)) if rng.random() < 0.6 else " ".join(rng.choice(WORDS, 3))
        items, width = text_line(rng, text, h, style, mnist, printed, hand)
        x = doc.width * 0.1
        if items and x + width < doc.width * 0.97:
            doc.place(items, x, y, doc.ink_colour)
            doc.occupied.append(doc.box_of(items, x, y))
        y += spacing
    if rng.random() < 0.5:
        w, hh = int(h * 4), int(h * 1.5)
        x, y = doc.width * 0.55, doc.height * 0.85 - hh
        if doc.free((x, y, x + w, y + hh)):
            doc.draw(scribble(rng, w, hh, max(1, int(h * 0.07))), x, y, doc.ink_colour)
            doc.count("scribbles")


def layout_blank(rng, doc: Document, mnist, fonts, size_px) -> None:
    h = float(np.exp(rng.uniform(np.log(size_px[0]), np.log(size_px[1]))))
    if doc.medium == "sheet" and rng.random() < 0.5:
        _rule_page(rng, doc, h * rng.uniform(1.8, 2.6), doc.height * 0.1)
    elif rng.random() < 0.3:
        _draw_grid(rng, doc, (doc.width * 0.1, doc.height * 0.2, doc.width * 0.9, doc.height * 0.7),
                   doc.ink_colour, max(1, int(h * 0.05)))


def layout_scattered(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    n = int(rng.integers(4, 16))
    lo, hi = size_px
    for _ in range(n):
        for _try in range(12):
            h = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            label = int(rng.integers(0, 10))
            style = "hand" if rng.random() < 0.7 else "print"
            items, width = text_line(rng, str(label), h, style, mnist, printed, hand)
            if not items:
                break
            x = rng.uniform(h * 0.3, max(h * 0.31, doc.width - width - h * 0.3))
            y = rng.uniform(h * 0.3, max(h * 0.31, doc.height - h * 1.3))
            box = doc.box_of(items, x, y)
            if not doc.free(box, margin=max(h, 10) * 0.8):
                continue
            doc.place(items, x, y, doc.ink_colour, _groups_of(str(label), items))
            doc.occupied.append(box)
            break
    _add_extras(rng, doc, (lo + hi) / 3, doc.ink_colour, fonts, 0.5)


def layout_sticky(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    n = int(rng.integers(1, 4))
    lo = max(size_px[0], min(doc.height / 10, size_px[1] * 0.6))
    h = float(np.exp(rng.uniform(np.log(lo), np.log(max(lo + 1, size_px[1])))))
    y = doc.height * rng.uniform(0.12, 0.25)
    for _ in range(n):
        kind = rng.choice(["phone", "plain", "time", "date", "amount"])
        text = _number_text(rng, str(kind))
        if rng.random() < 0.35:
            text = f"{rng.choice(WORDS)} {text}"
        items, width = text_line(rng, text, h, "hand", mnist, printed, hand)
        x = doc.width * rng.uniform(0.06, 0.15)
        if items and x + width >= doc.width * 0.96:  # write smaller to fit the note
            h_fit = h * (doc.width * 0.93 - x) / width
            if h_fit >= size_px[0]:
                items, width = text_line(rng, text, h_fit, "hand", mnist, printed, hand)
        if y + h * 1.3 > doc.height * 0.95:
            break
        if items and x + width < doc.width * 0.96 and len(items) == len(text.replace(" ", "")):
            doc.place(items, x, y, doc.ink_colour, _groups_of(text, items))
            box = doc.box_of(items, x, y)
            doc.occupied.append(box)
            if rng.random() < 0.25:  # underline
                canvas = np.zeros((max(2, int(h * 0.08)) + 2, int(box[2] - box[0])), np.float32)
                canvas[1:-1] = 1
                doc.draw(canvas, box[0], box[3] + h * 0.2, doc.ink_colour)
                doc.count("lines")
        y += h * rng.uniform(1.6, 2.2)


def layout_cheque(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    security_pattern(rng, doc, tuple(np.clip(np.asarray(doc.paper[0, 0]) * 0.75, 0, 1)))
    W, H = doc.width, doc.height
    hp = H * rng.uniform(0.05, 0.075)  # printed text height
    hw = H * rng.uniform(0.08, 0.13)  # handwritten height
    ink_print = _ink_colour(rng, True)
    # Bank name and "Pay to the order of" line (letters), payee handwritten.
    for text, x, y in (("BANK OF " + str(rng.choice(["NORTH", "EAST", "RIVER", "HILL"])), W * 0.05, H * 0.06),
                       ("Pay to the order of", W * 0.05, H * 0.36)):
        items, _ = text_line(rng, text, hp, "print", mnist, printed, hand)
        doc.place(items, x, y, ink_print)
    line = np.zeros((max(2, int(hp * 0.1)), int(W * 0.5)), np.float32) + 0.9
    doc.draw(line, W * 0.3, H * 0.36 + hp * 1.3, ink_print)
    doc.count("lines")
    payee, _ = text_line(rng, str(rng.choice(["John Smith", "A. Jones", "Maria Lopez", "Rent", "Cash"])),
                         hw * 0.8, "hand", mnist, printed, hand)
    doc.place(payee, W * 0.33, H * 0.36 + hp * 1.2 - hw * 0.8, doc.ink_colour)
    # Date (handwritten or printed) at the top right.
    date = _number_text(rng, "date")
    items, dw = text_line(rng, date, hw * 0.75, "hand" if rng.random() < 0.6 else "print", mnist, printed, hand)
    if len(items) == len(date):
        doc.place(items, W * 0.92 - dw, H * 0.12, doc.ink_colour, _groups_of(date, items))
    # Cheque number, top right corner (printed).
    cno = "".join(str(int(v)) for v in rng.integers(0, 10, int(rng.integers(3, 7))))
    items, cw = text_line(rng, cno, hp, "print", mnist, printed, hand)
    doc.place(items, W * 0.95 - cw, H * 0.03, ink_print, _groups_of(cno, items))
    # Amount box with the amount inside.
    amount = _number_text(rng, "amount").replace(" EUR", "")
    items, aw = text_line(rng, amount, hw, "hand" if rng.random() < 0.7 else "print", mnist, printed, hand)
    box_w = max(aw + hw * 1.2, W * 0.2)
    bx0, by0 = W * 0.95 - box_w, H * 0.33
    _draw_box(doc, (bx0, by0, bx0 + box_w, by0 + hw * 1.7), ink_print, max(1, int(hp * 0.08)))
    cur, cur_w = text_line(rng, "$" if rng.random() < 0.5 else "EUR", hp, "print", mnist, printed, hand)
    doc.place(cur, bx0 - cur_w - hp * 0.5, by0 + hw * 0.5, ink_print)
    if len(items) == len(amount):
        doc.place(items, bx0 + (box_w - aw) / 2, by0 + hw * 0.35, doc.ink_colour, _groups_of(amount, items))
    # Amount in words on a line; memo; signature scribble.
    words, _ = text_line(rng, str(rng.choice(["One hundred and ten", "Forty two only", "Three thousand"])),
                         hw * 0.7, "hand", mnist, printed, hand)
    doc.place(words, W * 0.06, H * 0.55, doc.ink_colour)
    doc.draw(scribble(rng, int(W * 0.25), int(H * 0.14), max(1, int(hw * 0.07))), W * 0.65, H * 0.66,
             doc.ink_colour)
    doc.count("scribbles")
    # MICR-like line: three printed groups with wide gaps.
    groups = ["".join(str(int(v)) for v in rng.integers(0, 10, int(k))) for k in (6, 9, 8)]
    x = W * 0.08
    h_micr = hp * rng.uniform(0.9, 1.2)
    for g in groups:
        items, gw = text_line(rng, g, h_micr, "print", mnist, printed, hand)
        if x + gw > W * 0.97:
            break
        doc.place(items, x, H * 0.86, ink_print, _groups_of(g, items))
        x += gw + h_micr * rng.uniform(2.5, 4)


def layout_plate(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, _ = fonts
    from camrec.datasets.fonts import is_held_out

    bold = [f for f in usable_fonts() if not f.hand and ("bold" in Path(f.path).name.lower()
                                                           or "black" in Path(f.path).name.lower())]
    held = [f for f in bold if is_held_out(f.family)]
    pool = held if (held and rng.random() < 0.5) else (bold or [printed])
    font = pool[int(rng.integers(len(pool)))]
    W, H = doc.width, doc.height
    thick = max(2, int(H * 0.04))
    _draw_box(doc, (thick, thick, W - thick - 1, H - thick - 1), doc.ink_colour, thick)
    fmt = rng.integers(0, 4)
    L = lambda n: "".join(rng.choice(list(PLATE_LETTERS), n))  # noqa: E731
    D = lambda n: "".join(str(int(v)) for v in rng.integers(0, 10, n))  # noqa: E731
    text = [f"{L(2)} {D(3)} {L(2)}", f"{L(2)}{D(2)} {L(3)}", f"{D(3)} {L(3)}", f"{L(3)} {D(4)}"][fmt]
    h = H * rng.uniform(0.5, 0.68)
    items, width = text_line(rng, text, h, "print", mnist, font, None)
    if width > W * 0.9:
        h *= W * 0.9 / width
        items, width = text_line(rng, text, h, "print", mnist, font, None)
    if len(items) != len(text.replace(" ", "")):
        return
    # Letters beside digits are not separators: each digit run is its own number.
    groups = []
    cur = None
    for i, ch in enumerate(text.replace(" ", "")):
        if ch.isdigit():
            cur = cur or {"display": "", "items": []}
            cur["display"] += ch
            cur["items"].append(i)
        elif cur is not None:
            groups.append(cur)
            cur = None
    if cur is not None:
        groups.append(cur)
    doc.place(items, (W - width) / 2, (H - h) / 2, doc.ink_colour, groups)


LAYOUT_FUNCS: dict[str, Callable] = {
    "lines": layout_lines, "scattered": layout_scattered, "cheque": layout_cheque, "plate": layout_plate,
    "sticky": layout_sticky, "blank": layout_blank, "letters": layout_letters,
}


# -------------------------------------------------------------------- scenes
@dataclass
class Scene:
    """One generated photo (already through JPEG) and its ground truth."""

    image: np.ndarray  # BGR uint8, decoded from ``jpeg``
    jpeg: bytes
    truth: dict  # the JSON ground truth (see :func:`make_scene`)


def _doc_shape(rng: np.random.Generator, layout: str, fw: int, fh: int) -> tuple[int, int, str]:
    """Document width/height in (approximately) final pixels, and the medium."""
    if layout == "plate":
        aspect = rng.choice([4.7, 4.7, 2.0])
        w = fw * rng.uniform(0.35, 0.85)
        w = min(w, fh * 0.85 * aspect)
        return int(w), int(w / aspect), "plate"
    if layout == "cheque":
        w = min(fw * rng.uniform(0.7, 0.95), fh * 0.9 * 2.3)
        return int(w), int(w / 2.3), "cheque"
    if layout == "sticky":
        s = fh * rng.uniform(0.45, 0.9)
        return int(s), int(s), "sticky"
    portrait = rng.random() < 0.5
    aspect = 1 / 1.414 if portrait else 1.414
    hh = fh * rng.uniform(0.75, 0.98)
    w = min(hh * aspect, fw * 0.95)
    return int(w), int(w / aspect), "sheet"


def _quad(rng: np.random.Generator, w: int, h: int, fw: int, fh: int, tilt: float) -> np.ndarray:
    """Where the document's corners land: rotated, keystoned, inside the frame."""
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) - np.float32([w / 2, h / 2])
    angle = np.deg2rad(rng.uniform(-tilt, tilt))
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = corners @ rot.T
    quad += rng.uniform(-0.05, 0.05, (4, 2)).astype(np.float32) * np.float32([w, h])  # keystone
    span = quad.max(0) - quad.min(0)
    scale = min(1.0, (fw * 0.98) / span[0], (fh * 0.98) / span[1])
    quad *= scale
    lo, hi = quad.min(0), quad.max(0)
    cx = rng.uniform(-lo[0] + 2, fw - hi[0] - 2) if fw - hi[0] - 2 > -lo[0] + 2 else fw / 2
    cy = rng.uniform(-lo[1] + 2, fh - hi[1] - 2) if fh - hi[1] - 2 > -lo[1] + 2 else fh / 2
    return (quad + np.float32([cx, cy])).astype(np.float32)


def _photo_effects(rng: np.random.Generator, img: np.ndarray) -> tuple[np.ndarray, dict]:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.35, 0.35, 2)
    light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    r2 = ((xx - w * rng.uniform(0.3, 0.7)) / w) ** 2 + ((yy - h * rng.uniform(0.3, 0.7)) / h) ** 2
    light *= 1 - rng.uniform(0, 0.35) * r2
    light *= rng.uniform(0.75, 1.08)
    fx = {"gradient": [round(float(gx), 3), round(float(gy), 3)]}  # light falls off across the frame
    if rng.random() < 0.5:  # a soft shadow: a hand, phone or the camera itself
        mask = np.zeros((h // 4, w // 4), np.float32)
        c = rng.uniform([0, 0], [w / 4, h / 4])
        pts = (c + rng.normal(0, [w / 10, h / 8], (6, 2))).astype(np.int32)
        cv2.fillPoly(mask, [cv2.convexHull(pts)], 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(3, 12))
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        depth = rng.uniform(0.2, 0.45)
        light *= 1 - depth * mask
        fx["shadow"] = round(float(depth), 3)
    tint = 1 + rng.uniform(-0.07, 0.07, 3).astype(np.float32)
    img = img * light[..., None] * tint
    if rng.random() < 0.15:
        length = int(rng.integers(3, 7))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
        fx["motion_blur"] = length
    sigma = float(rng.uniform(0.0, 1.3))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    fx["blur_sigma"] = round(sigma, 2)
    noise = float(rng.uniform(0.004, 0.025))
    img = img + rng.standard_normal(img.shape).astype(np.float32) * noise
    fx["noise"] = round(noise, 4)
    return np.clip(img * 255, 0, 255).astype(np.uint8), fx


def choose_layout(rng: np.random.Generator) -> str:
    names = list(LAYOUT_WEIGHTS)
    p = np.asarray([LAYOUT_WEIGHTS[n] for n in names])
    return str(rng.choice(names, p=p / p.sum()))


def make_scene(seed: int, index: int = 0, size: tuple[int, int] = (1280, 720), layout: str | None = None,
               mnist: MnistDigits | None = None, data_dir: str | None = None,
               max_digits: int | None = None) -> Scene:
    """Scene ``index`` of ``seed``: the image (after JPEG) and its ground truth.

    ``truth`` holds ``width``, ``height``, ``layout``, ``medium``, ``digits``
    (``box`` [x, y, w, h] float pixels of the final image, ``label``,
    ``source``), ``numbers`` (``text`` digits only, ``display`` with
    separators, ``digits`` member indices, ``box``), ``distractors`` (count by
    kind), ``n_distractors``, ``glyphs`` (box and character of every letter
    and symbol drawn, for failure analysis), plus the photo settings. ``max_digits``
    stops the "lines" layout once that many digits are on the page (bench
    frames with a set load).
    """
    rng = np.random.default_rng([int(seed), int(index)])
    fw, fh = size
    mnist = mnist or _mnist("test", data_dir)
    layout = layout or choose_layout(rng)
    if layout not in LAYOUT_FUNCS:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    fonts = _fonts(rng)
    dw, dh, medium = _doc_shape(rng, layout, fw, fh)
    light_ink = False
    if medium == "sheet":
        paper, medium, light_ink = _sheet_paper(rng, dh, dw)
    elif medium == "cheque":
        base = rng.choice([(0.93, 0.95, 0.97), (0.85, 0.93, 0.95), (0.9, 0.95, 0.88), (0.95, 0.9, 0.93)])
        paper = paper_texture(rng, dh, dw, tuple(base))
    elif medium == "sticky":
        base = rng.choice([(0.55, 0.93, 0.98), (0.75, 0.7, 0.98), (0.7, 0.95, 0.75), (0.95, 0.85, 0.6)])
        paper = paper_texture(rng, dh, dw, tuple(base))
    else:
        base = (0.95, 0.95, 0.95) if rng.random() < 0.6 else (0.15, 0.8, 0.95)
        paper = paper_texture(rng, dh, dw, base)
    if light_ink:
        ink = tuple(rng.uniform(0.85, 0.98, 3))
    elif medium == "plate":
        ink = (0.08, 0.08, 0.08)
    else:
        ink = _ink_colour(rng, False)
    doc = Document(paper, ink, medium, max_digits=max_digits)
    lo = 14.0
    hi = {"scattered": fh / 4, "sticky": min(dh / 4, fh / 6)}.get(layout, min(fh / 12, dh / 10))
    LAYOUT_FUNCS[layout](rng, doc, mnist, fonts, (lo, max(lo + 1, hi)))

    quad = _quad(rng, dw, dh, fw, fh, tilt={"scattered": 15.0, "blank": 15.0, "plate": 8.0}.get(layout, 10.0))
    H = cv2.getPerspectiveTransform(np.float32([[0, 0], [dw, 0], [dw, dh], [0, dh]]), quad)
    desk, desk_kind = desk_texture(rng, fh, fw)
    page = cv2.warpPerspective(doc.paper, H, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    cover = cv2.warpPerspective(np.ones((dh, dw), np.float32), H, (fw, fh), flags=cv2.INTER_LINEAR)
    if rng.random() < 0.6:  # the page casts a little shadow on the desk
        drop = cv2.GaussianBlur(np.roll(cover, (3, 3), (0, 1)), (0, 0), 4)
        desk = desk * (1 - 0.35 * drop[..., None])
    img = desk * (1 - cover[..., None]) + page * cover[..., None]
    img, fx = _photo_effects(rng, img)
    quality = int(rng.integers(40, 93))
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    jpeg = enc.tobytes()
    final = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    fx["jpeg_quality"] = quality
    fx["desk"] = desk_kind

    digits = []
    for d in doc.digits:
        pts = cv2.perspectiveTransform(d.hull.reshape(-1, 1, 2).astype(np.float64), H.astype(np.float64))
        pts = pts.reshape(-1, 2)
        x0, y0 = np.clip(pts.min(0), 0, [fw, fh])
        x1, y1 = np.clip(pts.max(0), 0, [fw, fh])
        digits.append({"box": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2),
                               round(float(y1 - y0), 2)], "label": int(d.label), "source": d.source})
    glyphs = []
    for char, hull in doc.glyphs:
        pts = cv2.perspectiveTransform(hull.reshape(-1, 1, 2).astype(np.float64), H.astype(np.float64))
        pts = pts.reshape(-1, 2)
        x0, y0 = np.clip(pts.min(0), 0, [fw, fh])
        x1, y1 = np.clip(pts.max(0), 0, [fw, fh])
        glyphs.append({"box": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2),
                               round(float(y1 - y0), 2)], "char": char})
    numbers = []
    for n in doc.numbers:
        boxes = np.array([digits[i]["box"] for i in n["digits"]], np.float64)
        x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
        x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
        text = "".join(str(digits[i]["label"]) for i in n["digits"])
        numbers.append({"text": text, "display": n["display"].strip(), "digits": list(n["digits"]),
                        "box": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2),
                                round(float(y1 - y0), 2)]})
    truth = {
        "version": GT_VERSION, "seed": int(seed), "index": int(index), "width": fw, "height": fh,
        "layout": layout, "medium": medium, "fonts": [fonts[0].family, fonts[1].family],
        "quad": [[round(float(v), 2) for v in p] for p in quad],
        "digits": digits, "numbers": numbers,
        "distractors": dict(sorted(doc.distractors.items())),
        "glyphs": glyphs,  # letters and symbols (distractors), for failure analysis
        "n_distractors": int(sum(doc.distractors.values())),
        "photo": fx,
    }
    return Scene(final, jpeg, truth)


def write_scene(scene: Scene, out_dir: str | Path, name: str | None = None) -> Path:
    """Write ``scene_XXXX.jpg`` and ``scene_XXXX.json``; returns the JSON path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = name or f"scene_{scene.truth['index']:04d}"
    (out / f"{name}.jpg").write_bytes(scene.jpeg)
    truth = dict(scene.truth, image=f"{name}.jpg")
    path = out / f"{name}.json"
    path.write_text(json.dumps(truth, indent=1) + "\n")
    return path


def generate(out_dir: str | Path, count: int, seed: int, size: tuple[int, int] = (1280, 720),
             data_dir: str | None = None, layouts: Iterable[str] | None = None,
             progress: Callable[[Iterable], Iterable] | None = None) -> list[Path]:
    """Write ``count`` scenes; ``layouts`` restricts the mix (cycled in order)."""
    mnist = _mnist("test", data_dir)
    chosen = list(layouts) if layouts else None
    indices = range(count)
    paths = []
    for i in (progress(indices) if progress else indices):
        layout = chosen[i % len(chosen)] if chosen else None
        paths.append(write_scene(make_scene(seed, i, size, layout, mnist), out_dir))
    return paths


def bench_frames(n: int, seed: int = 0, size: tuple[int, int] = (1280, 720), digits: tuple[int, int] = (16, 26),
                 data_dir: str | None = None) -> list[Scene]:
    """``n`` busy frames with about 20 digits each ("lines" pages stopped at ~20 digits)."""
    mnist = _mnist("test", data_dir)
    out, i = [], 0
    while len(out) < n and i < 20 * n + 20:
        scene = make_scene(seed, i, size, "lines", mnist, max_digits=(digits[0] + digits[1]) // 2 - 3)
        if digits[0] <= len(scene.truth["digits"]) <= digits[1]:
            out.append(scene)
        i += 1
    return out


# ----------------------------------------------------------------- negatives
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
        field_ = _smooth_noise(rng, size, size, int(rng.integers(4, 16)))
        alpha = _soft_threshold(field_, rng.uniform(0.3, 1.2), 0.3)
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
    mnist = _mnist(split, data_dir)
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
