"""Printed digits rendered from the system's TrueType/OpenType fonts.

camrec must read print (plates, cheque numbers, forms) as well as handwriting,
so training adds every digit of every usable font, in MNIST format. Fonts are
split by *family* (all weights of one family on the same side) so that the
held-out accuracy measures fonts the model has never seen.

Rendering needs Pillow (the ``train`` extra). The glyphs can be cached to a
``.npz`` file (``camrec train fonts``) and passed to ``camrec train cnn
--fonts FILE.npz`` on a machine without the fonts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camrec.errors import CamrecError, MissingExtraError
from camrec.normalize import to_mnist

DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
# Fonts whose "digits" are not digits (symbols, dingbats, math, icons).
EXCLUDE = re.compile(r"symbol|dingbat|d050000l|math|opensymbol|awesome|emoji|icons?\b|ornament", re.I)
HELD_OUT_EVERY = 5  # one family in five is held out of training


@dataclass(frozen=True)
class FontGlyphs:
    """Rendered digits: images (n, 28, 28) float32 in [0,1], labels, family, held-out flag."""

    images: np.ndarray
    labels: np.ndarray
    family: np.ndarray  # str per glyph
    held_out: np.ndarray  # bool per glyph

    def split(self, held_out: bool) -> tuple[np.ndarray, np.ndarray]:
        keep = self.held_out == held_out
        return self.images[keep], self.labels[keep]

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, images=self.images, labels=self.labels,
                            family=self.family.astype(str), held_out=self.held_out)

    @classmethod
    def load(cls, path: str | Path) -> "FontGlyphs":
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["images"], data["labels"], data["family"], data["held_out"])
        except (OSError, KeyError, ValueError) as exc:
            raise CamrecError(path, f"not a font-glyph .npz file ({exc})") from None


def family_of(path: Path) -> str:
    """Family name from a font file name: DejaVuSans-BoldOblique -> dejavusans."""
    stem = path.stem.lower()
    stem = re.split(r"[-_ ]", stem)[0]
    stem = re.sub(r"(bold|italic|oblique|regular|light|medium|thin|black|semibold|condensed|mono)+$", "", stem)
    return stem or path.stem.lower()


def is_held_out(family: str) -> bool:
    """Deterministic family split, stable across machines and Python runs."""
    return int(hashlib.sha1(family.encode()).hexdigest(), 16) % HELD_OUT_EVERY == 0


def find_font_files(dirs: tuple[str, ...] = DEFAULT_FONT_DIRS) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        root = Path(folder)
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf")]
    return sorted(p for p in files if not EXCLUDE.search(p.name))


def _render_digit(font, digit: str) -> np.ndarray | None:
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(canvas).text((30, 20), digit, fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.float32)
    return ink if ink.max() > 0 else None


def render_fonts(font_files: list[Path], size: int = 64) -> FontGlyphs:
    """Render 0-9 from each font; skip fonts that lack distinct digit glyphs."""
    try:
        from PIL import ImageFont
    except ImportError:
        raise MissingExtraError("pillow", "train", "rendering font digits") from None
    images, labels, families = [], [], []
    for path in font_files:
        try:
            font = ImageFont.truetype(str(path), size)
        except OSError:
            continue
        inks = [_render_digit(font, str(d)) for d in range(10)]
        if any(ink is None for ink in inks):
            continue
        glyphs = [to_mnist(ink) for ink in inks]
        # A font without real digits draws the same placeholder box ten times.
        if np.abs(glyphs[1] - glyphs[8]).mean() < 0.02 or np.abs(glyphs[0] - glyphs[7]).mean() < 0.02:
            continue
        images += glyphs
        labels += list(range(10))
        families += [family_of(path)] * 10
    if not images:
        raise CamrecError("fonts", "no usable fonts found (install the font packages: scripts/install-train-deps.sh)")
    family = np.array(families)
    held = np.array([is_held_out(f) for f in families])
    return FontGlyphs(np.stack(images).astype(np.float32), np.array(labels, np.uint8), family, held)


def load_font_glyphs(source: str | Path | None) -> FontGlyphs:
    """From a ``.npz`` cache, a folder of fonts, or (None) the system font folders."""
    if source is not None and str(source).endswith(".npz"):
        return FontGlyphs.load(source)
    dirs = (str(source),) if source is not None else DEFAULT_FONT_DIRS
    if source is not None and not Path(source).is_dir():
        raise CamrecError(source, "font folder not found")
    return render_fonts(find_font_files(dirs))
