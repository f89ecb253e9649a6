"""Scenes: a document photographed, with its ground truth mapped into the final image.

:func:`make_scene` puts a document from :mod:`~camrec.synth.layouts` through
the camera of :mod:`~camrec.synth.photo`. Also the ways scenes leave the
package: ``scene_XXXX.jpg`` + ``.json`` (:func:`write_scene`, :func:`generate`)
and busy frames for ``camrec bench`` (:func:`bench_frames`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camrec.synth.layouts import LAYOUT_FUNCS, LAYOUTS, choose_layout, draw_document
from camrec.synth.photo import (
    document_quad,
    jpeg_compress,
    photo_effects,
    place_on_desk,
)
from camrec.synth.resources import MnistDigits, mnist_digits, pick_fonts

GT_VERSION = 1


@dataclass
class Scene:
    """One generated photo (already through JPEG) and its ground truth."""

    image: np.ndarray  # BGR uint8, decoded from ``jpeg``
    jpeg: bytes
    truth: dict  # the JSON ground truth (see :func:`make_scene`)


def _frame_box(hull: np.ndarray, H: np.ndarray, size: tuple[int, int]) -> list[float]:
    """[x, y, w, h] of a document hull mapped through ``H``, clipped to the frame, rounded to 0.01 px."""
    fw, fh = size
    pts = cv2.perspectiveTransform(hull.reshape(-1, 1, 2).astype(np.float64), H.astype(np.float64))
    pts = pts.reshape(-1, 2)
    x0, y0 = np.clip(pts.min(0), 0, [fw, fh])
    x1, y1 = np.clip(pts.max(0), 0, [fw, fh])
    return [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2), round(float(y1 - y0), 2)]


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
    mnist = mnist or mnist_digits("test", data_dir)
    layout = layout or choose_layout(rng)
    if layout not in LAYOUT_FUNCS:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    fonts = pick_fonts(rng)
    doc = draw_document(rng, layout, size, mnist, fonts, max_digits)
    dw, dh = doc.width, doc.height

    quad = document_quad(rng, dw, dh, fw, fh,
                         tilt={"scattered": 15.0, "blank": 15.0, "plate": 8.0}.get(layout, 10.0))
    H = cv2.getPerspectiveTransform(np.float32([[0, 0], [dw, 0], [dw, dh], [0, dh]]), quad)
    img, desk_kind = place_on_desk(rng, doc.paper, H, size)
    img, fx = photo_effects(rng, img)
    jpeg, final, quality = jpeg_compress(rng, img)
    fx["jpeg_quality"] = quality
    fx["desk"] = desk_kind

    digits = [{"box": _frame_box(d.hull, H, size), "label": int(d.label), "source": d.source} for d in doc.digits]
    glyphs = [{"box": _frame_box(hull, H, size), "char": char} for char, hull in doc.glyphs]
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
        "layout": layout, "medium": doc.medium, "fonts": [fonts[0].family, fonts[1].family],
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
    mnist = mnist_digits("test", data_dir)
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
    mnist = mnist_digits("test", data_dir)
    out, i = [], 0
    while len(out) < n and i < 20 * n + 20:
        scene = make_scene(seed, i, size, "lines", mnist, max_digits=(digits[0] + digits[1]) // 2 - 3)
        if digits[0] <= len(scene.truth["digits"]) <= digits[1]:
            out.append(scene)
        i += 1
    return out
