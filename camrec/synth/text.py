"""What gets written: numbers (phone, date, amount, time, plain), label words, sentences.

:func:`groups_of` says which characters of a line form each number, which is
what the number ground truth is made of.
"""

from __future__ import annotations

import numpy as np

from camrec.synth.glyphs import Ink

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


def number_text(rng: np.random.Generator, kind: str) -> str:
    """A random number as people write it: ``kind`` is phone, date, amount, time or plain."""
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


def groups_of(text: str, items: list[Ink], offset: int = 0) -> list[dict]:
    """Numbers in ``text`` (digits joined by thin separators) -> item indices of their digits.

    Items map to the non-space characters of ``text`` in order, as
    :func:`~camrec.synth.glyphs.text_line` produces them (a character that drew
    nothing breaks the mapping, so callers only pass text whose glyphs all draw).
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


def line_text(rng: np.random.Generator) -> str:
    """One line of a page of numbers: a number, mostly with a label word or a second number."""
    kind = rng.choice(["phone", "date", "amount", "plain", "time"], p=[0.25, 0.2, 0.25, 0.22, 0.08])
    number = number_text(rng, str(kind))
    r = rng.random()
    label = {"phone": ["Tel", "Phone", "Call", "Fax"], "date": ["Date", "Due", "Born"],
             "amount": ["Total", "Amount", "Price", "Sum", "Net"],
             "time": ["Time", "at"]}.get(str(kind), ["No", "Ref", "Room", "Order", "Qty", "Page", "Item"])
    if kind == "amount" and rng.random() < 0.3:
        number = ("$" + number) if rng.random() < 0.5 else (number + " EUR")
    if r < 0.55:
        return f"{rng.choice(label)}: {number}" if rng.random() < 0.6 else f"{rng.choice(label)} {number}"
    if r < 0.7:
        other = number_text(rng, "plain")
        return f"{number}   {rng.choice(WORDS)}   {other}"
    if r < 0.8:
        return f"{number}   {rng.choice(WORDS)}"
    return number
