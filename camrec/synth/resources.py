"""What scenes are drawn from: fonts that can draw digits, and MNIST digits by label.

Finding usable fonts and loading MNIST are slow, so both are cached per
process; :func:`pick_fonts` is the per-document choice among the fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from camrec.errors import CamrecError, MissingExtraError

# Handwriting-like font families (file-name stems), used for handwritten letters.
HAND_FONTS = ("breip", "kristi", "becausewe", "femkeklaver", "humor", "comicneue", "kleeone", "z003", "dkg")
BAD_FONTS = ("droidsansfallback",)  # huge CJK fallback: slow and not what a page is printed in


@dataclass(frozen=True)
class FontInfo:
    """A font file that draws digits, and how tall its digits are for a given size."""

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


class MnistDigits:
    """MNIST images indexed by label, for drawing handwritten digits."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.by_label = [np.flatnonzero(labels == d) for d in range(10)]

    def pick(self, rng: np.random.Generator, label: int) -> tuple[np.ndarray, int]:
        idx = int(rng.choice(self.by_label[label]))
        return self.images[idx], idx


@lru_cache(maxsize=2)
def mnist_digits(split: str, data_dir: str | None) -> MnistDigits:
    """The MNIST ``split`` ("train" or "test") by label; cached, as loading it takes a while."""
    from camrec.datasets.mnist import load_mnist

    data = load_mnist(split, data_dir)
    return MnistDigits(data.images, data.labels)


def pick_fonts(rng: np.random.Generator) -> tuple[FontInfo, FontInfo]:
    """A printing font (half the time from a family held out of training) and a handwriting one."""
    from camrec.datasets.fonts import is_held_out

    fonts = usable_fonts()
    printed = [f for f in fonts if not f.hand]
    held = [f for f in printed if is_held_out(f.family)]
    pool = held if (held and rng.random() < 0.5) else printed
    hand = [f for f in fonts if f.hand] or printed
    return pool[int(rng.integers(len(pool)))], hand[int(rng.integers(len(hand)))]
