"""The document kinds and what is written on them.

:func:`draw_document` gives a layout its shape, paper and ink, then fills it
with the layout's function from :data:`LAYOUT_FUNCS`: ``lines`` (a sheet or
board of labelled numbers), ``scattered`` (single digits), ``cheque``,
``plate``, ``sticky`` (a note), ``blank`` and ``letters`` (no digits).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from camrec.synth.distractors import (
    add_extras,
    draw_box,
    draw_grid,
    rule_page,
    security_pattern,
)
from camrec.synth.document import Document
from camrec.synth.glyphs import scribble, text_line
from camrec.synth.materials import paper_texture
from camrec.synth.resources import FontInfo, MnistDigits, usable_fonts
from camrec.synth.text import (
    PLATE_LETTERS,
    SENTENCES,
    WORDS,
    groups_of,
    line_text,
    number_text,
)

LAYOUTS = ("lines", "scattered", "cheque", "plate", "sticky", "blank", "letters")
# How often each layout comes up in a generated set.
LAYOUT_WEIGHTS = {"lines": 0.30, "scattered": 0.17, "cheque": 0.14, "plate": 0.12, "sticky": 0.13,
                  "blank": 0.06, "letters": 0.08}
INK_COLOURS = {  # BGR 0..1
    "black": (0.12, 0.11, 0.10), "blue": (0.55, 0.20, 0.08), "darkblue": (0.35, 0.12, 0.05),
    "gray": (0.28, 0.28, 0.28), "red": (0.12, 0.12, 0.60), "green": (0.20, 0.40, 0.10),
}


def choose_layout(rng: np.random.Generator) -> str:
    """A layout name drawn with :data:`LAYOUT_WEIGHTS`."""
    names = list(LAYOUT_WEIGHTS)
    p = np.asarray([LAYOUT_WEIGHTS[n] for n in names])
    return str(rng.choice(names, p=p / p.sum()))


def _ink_colour(rng: np.random.Generator, printed: bool) -> tuple:
    if printed:
        name = rng.choice(["black", "black", "black", "gray", "darkblue"])
    else:
        name = rng.choice(["black", "blue", "blue", "darkblue", "gray", "red", "green"])
    jitter = rng.uniform(-0.04, 0.04, 3)
    return tuple(np.clip(np.asarray(INK_COLOURS[name]) + jitter, 0, 1))


def _sheet_paper(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, str, bool]:
    if rng.random() < 0.1:  # a dark board with light chalk/marker
        base = (0.20, 0.28, 0.16) if rng.random() < 0.5 else (0.12, 0.12, 0.12)
        return paper_texture(rng, h, w, base), "board", True
    base = rng.choice([(0.97, 0.97, 0.97), (0.86, 0.93, 0.95), (0.93, 0.92, 0.9), (0.9, 0.9, 0.9)])
    return paper_texture(rng, h, w, tuple(base)), "sheet", False


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


def draw_document(rng: np.random.Generator, layout: str, size: tuple[int, int], mnist: MnistDigits,
                  fonts: tuple[FontInfo, FontInfo], max_digits: int | None = None) -> Document:
    """A ``layout`` document for a ``size`` (w, h) frame: its shape, paper and ink, then its content."""
    fw, fh = size
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
    return doc


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
        rule_page(rng, doc, spacing, top + h * 1.05)
    y = top
    while y + h * 1.5 < doc.height * 0.95:
        if doc.max_digits is not None and len(doc.digits) >= doc.max_digits:
            break
        if rng.random() < 0.15:
            y += spacing
            continue
        text = line_text(rng) if rng.random() < 0.85 else str(rng.choice(SENTENCES))
        style = style_page if style_page != "mixed" else ("hand" if rng.random() < 0.5 else "print")
        items, width = text_line(rng, text, h, str(style), mnist, printed, hand)
        x = margin + rng.uniform(0, doc.width * 0.1)
        if items and x + width > doc.width * 0.97:  # too long for the page: the number alone
            text = number_text(rng, str(rng.choice(["phone", "date", "amount", "plain"])))
            items, width = text_line(rng, text, h, str(style), mnist, printed, hand)
            x = min(x, doc.width * 0.05)
        if not items or x + width > doc.width * 0.97:
            y += spacing
            continue
        nonspace = [c for c in text if c != " "]
        if len(items) != len(nonspace):  # a glyph drew nothing: no number ground truth can be trusted
            y += spacing
            continue
        groups = groups_of(text, items)
        box = doc.box_of(items, x, y)
        if ruled is False and rng.random() < 0.15 and any(it.kind == "digit" for it in items):
            pad = h * rng.uniform(0.3, 0.6)
            bx = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            if doc.free(bx):
                draw_box(doc, bx, doc.ink_colour, max(1, int(h * 0.05)))
        doc.place(items, x, y, doc.ink_colour, groups)
        doc.occupied.append(box)
        y += spacing
    add_extras(rng, doc, h, doc.ink_colour, fonts, 0.35)


def layout_letters(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    h = float(np.exp(rng.uniform(np.log(size_px[0]), np.log(size_px[1]))))
    spacing = h * rng.uniform(1.8, 2.5)
    style = "hand" if rng.random() < 0.5 else "print"
    if doc.medium == "sheet" and rng.random() < 0.4:
        rule_page(rng, doc, spacing, doc.height * 0.08 + h * 2.05)
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
        rule_page(rng, doc, h * rng.uniform(1.8, 2.6), doc.height * 0.1)
    elif rng.random() < 0.3:
        draw_grid(rng, doc, (doc.width * 0.1, doc.height * 0.2, doc.width * 0.9, doc.height * 0.7),
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
            doc.place(items, x, y, doc.ink_colour, groups_of(str(label), items))
            doc.occupied.append(box)
            break
    add_extras(rng, doc, (lo + hi) / 3, doc.ink_colour, fonts, 0.5)


def layout_sticky(rng, doc: Document, mnist, fonts, size_px) -> None:
    printed, hand = fonts
    n = int(rng.integers(1, 4))
    lo = max(size_px[0], min(doc.height / 10, size_px[1] * 0.6))
    h = float(np.exp(rng.uniform(np.log(lo), np.log(max(lo + 1, size_px[1])))))
    y = doc.height * rng.uniform(0.12, 0.25)
    for _ in range(n):
        kind = rng.choice(["phone", "plain", "time", "date", "amount"])
        text = number_text(rng, str(kind))
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
            doc.place(items, x, y, doc.ink_colour, groups_of(text, items))
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
    date = number_text(rng, "date")
    items, dw = text_line(rng, date, hw * 0.75, "hand" if rng.random() < 0.6 else "print", mnist, printed, hand)
    if len(items) == len(date):
        doc.place(items, W * 0.92 - dw, H * 0.12, doc.ink_colour, groups_of(date, items))
    # Cheque number, top right corner (printed).
    cno = "".join(str(int(v)) for v in rng.integers(0, 10, int(rng.integers(3, 7))))
    items, cw = text_line(rng, cno, hp, "print", mnist, printed, hand)
    doc.place(items, W * 0.95 - cw, H * 0.03, ink_print, groups_of(cno, items))
    # Amount box with the amount inside.
    amount = number_text(rng, "amount").replace(" EUR", "")
    items, aw = text_line(rng, amount, hw, "hand" if rng.random() < 0.7 else "print", mnist, printed, hand)
    box_w = max(aw + hw * 1.2, W * 0.2)
    bx0, by0 = W * 0.95 - box_w, H * 0.33
    draw_box(doc, (bx0, by0, bx0 + box_w, by0 + hw * 1.7), ink_print, max(1, int(hp * 0.08)))
    cur, cur_w = text_line(rng, "$" if rng.random() < 0.5 else "EUR", hp, "print", mnist, printed, hand)
    doc.place(cur, bx0 - cur_w - hp * 0.5, by0 + hw * 0.5, ink_print)
    if len(items) == len(amount):
        doc.place(items, bx0 + (box_w - aw) / 2, by0 + hw * 0.35, doc.ink_colour, groups_of(amount, items))
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
        doc.place(items, x, H * 0.86, ink_print, groups_of(g, items))
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
    draw_box(doc, (thick, thick, W - thick - 1, H - thick - 1), doc.ink_colour, thick)
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
