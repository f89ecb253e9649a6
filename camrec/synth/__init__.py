"""Photo-like scenes and camera clips with exact ground truth, for evaluating the whole pipeline.

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

The modules, bottom up:

* :mod:`~camrec.synth.resources`: usable fonts, MNIST digits by label.
* :mod:`~camrec.synth.glyphs`: ink masks: pen-stroke digits, separators, font
  characters, whole lines of text, scribbles; the ink hull.
* :mod:`~camrec.synth.text`: what gets written, and which characters form a number.
* :mod:`~camrec.synth.document`: the flat page and its record of what was drawn where.
* :mod:`~camrec.synth.materials`: paper and desk textures.
* :mod:`~camrec.synth.distractors`: ruled lines, boxes, grids, patterns, stray marks.
* :mod:`~camrec.synth.layouts`: the document kinds and what is written on each.
* :mod:`~camrec.synth.photo`: perspective, desk, light, shadow, blur, noise, JPEG.
* :mod:`~camrec.synth.scene`: scenes and their ground truth; writing sets; bench frames.
* :mod:`~camrec.synth.negatives`: "not a digit" crops.
* :mod:`~camrec.synth.video`: camera clips over the same documents (``camrec synth
  --clips``); not imported here.

The names below are what other code imports from ``camrec.synth``.
"""

from camrec.synth.document import DigitTruth, Document
from camrec.synth.glyphs import (
    INK_ALPHA,
    Ink,
    font_char,
    hand_digit,
    hand_separator,
    ink_hull,
    scribble,
    text_line,
)
from camrec.synth.layouts import (
    LAYOUT_FUNCS,
    LAYOUT_WEIGHTS,
    LAYOUTS,
    choose_layout,
    draw_document,
)
from camrec.synth.negatives import (
    NEGATIVE_KINDS,
    NEGATIVE_LETTERS,
    NEGATIVE_SYMBOLS,
    render_negatives,
)
from camrec.synth.resources import FontInfo, MnistDigits, usable_fonts
from camrec.synth.scene import (
    GT_VERSION,
    Scene,
    bench_frames,
    generate,
    make_scene,
    write_scene,
)

__all__ = [
    "GT_VERSION", "INK_ALPHA", "LAYOUTS", "LAYOUT_FUNCS", "LAYOUT_WEIGHTS", "NEGATIVE_KINDS", "NEGATIVE_LETTERS",
    "NEGATIVE_SYMBOLS", "DigitTruth", "Document", "FontInfo", "Ink", "MnistDigits", "Scene", "bench_frames",
    "choose_layout", "draw_document", "font_char", "generate", "hand_digit", "hand_separator", "ink_hull",
    "make_scene", "render_negatives", "scribble", "text_line", "usable_fonts", "write_scene",
]
