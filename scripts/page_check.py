"""Generality check on pages camrec's scene generator does not make: MNIST test digits (or printed
digits) isolated on a page, optionally on a wavy security-paper pattern, or written in a form's boxes.

    python3 scripts/page_check.py grid --size 16                    # isolated handwritten digits, 16 px
    python3 scripts/page_check.py grid --size 16 --pattern 175 --pattern-step 5   # on a light guilloche
    python3 scripts/page_check.py grid --size 24 --font --pattern 175 --pattern-step 5   # printed digits
    python3 scripts/page_check.py form --size 24                    # a form: one digit per 24 px box

Prints how many digits were read right (a box of IoU >= 0.5 with the right label) and, for the others,
why: no candidate, rejected (with the reason), or a wrong label. Deterministic (--seed). A development
check, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import sys

import cv2
import numpy as np

from camrec.classify import open_classifier
from camrec.config import PipelineConfig
from camrec.datasets.mnist import load_mnist
from camrec.pipeline import Recognizer
from camrec.scenes import iou_matrix


def _digit(rng, test, size: float, font: bool):
    """An ink image (white on black) of one digit about ``size`` px tall, and its label."""
    if font:
        label, h = int(rng.integers(10)), int(size * (0.9 + 0.2 * rng.random()))
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, h, 1)
        ink = np.zeros((2 * h, 2 * h), np.uint8)
        cv2.putText(ink, str(label), (h // 3, int(h * 1.5)), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, max(1, h // 12),
                    cv2.LINE_AA)
        return ink, label
    k = int(rng.integers(len(test.labels)))
    s = max(1, int(28 * size / 20.0 * (0.85 + 0.3 * rng.random())))
    return cv2.resize(test.images[k], (s, s), interpolation=cv2.INTER_LINEAR), int(test.labels[k])


def _paste(img, ink, x, y, rng, boxes, labels, label) -> None:
    ys, xs = np.nonzero(ink > 60)
    if not len(ys) or y + ink.shape[0] > img.shape[0] or x + ink.shape[1] > img.shape[1] or x < 0 or y < 0:
        return
    roi = img[y:y + ink.shape[0], x:x + ink.shape[1]]
    a = ink.astype(np.float32) / 255.0 * (0.7 + 0.3 * rng.random())
    roi[:] = np.clip(roi * (1 - a) + 30 * a, 0, 255).astype(np.uint8)
    boxes.append([x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1])
    labels.append(label)


def grid_page(rng, test, args):
    h, w = 1100, 850
    img = np.full((h, w), 235, np.uint8)
    if args.pattern:
        xs = np.arange(w)
        for k in range(0, h + 200, args.pattern_step):
            ys = (k + 18 * np.sin(xs / 37.0 + k * 0.3) + 7 * np.sin(xs / 11.0 + k)).astype(int)
            cv2.polylines(img, [np.stack([xs, ys], 1).reshape(-1, 1, 2).astype(np.int32)], False, args.pattern, 1,
                          cv2.LINE_AA)
    boxes, labels = [], []
    step = int(args.size * 2.2)
    for y in range(40, h - step, step):
        for x in range(40, w - step, step):
            ink, label = _digit(rng, test, args.size, args.font)
            _paste(img, ink, x + int(rng.integers(0, args.size // 2)), y + int(rng.integers(0, args.size // 2)), rng,
                   boxes, labels, label)
    return img, boxes, labels


def form_page(rng, test, args):
    h, w, cell = 1100, 850, args.size
    img = np.full((h, w), 232, np.uint8)
    boxes, labels = [], []
    x0, y0 = 60, 80
    ncol = (w - 2 * x0) // cell
    for yy in range(y0, h - y0 - cell, int(cell * 1.6)):
        cv2.line(img, (x0, yy), (x0 + ncol * cell, yy), 90, 1)
        cv2.line(img, (x0, yy + cell), (x0 + ncol * cell, yy + cell), 90, 1)
        for c in range(ncol + 1):
            cv2.line(img, (x0 + c * cell, yy), (x0 + c * cell, yy + cell), 90, 1)
        for c in range(ncol):
            ink, label = _digit(rng, test, cell * 0.75, args.font)
            ys, xs = np.nonzero(ink > 60)
            if not len(ys):
                continue
            cx = x0 + c * cell + cell // 2 + int(rng.normal(0, cell * 0.08))
            cy = yy + cell // 2 + int(rng.normal(0, cell * 0.08))
            _paste(img, ink, cx - (xs.max() + xs.min()) // 2, cy - (ys.max() + ys.min()) // 2, rng, boxes, labels,
                   label)
    return img, boxes, labels


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=("grid", "form"))
    p.add_argument("--size", type=int, default=16, help="digit height (grid) or box size (form), px")
    p.add_argument("--pattern", type=int, default=0, help="gray level of a wavy security pattern (0: none)")
    p.add_argument("--pattern-step", type=int, default=9, help="px between the pattern's lines")
    p.add_argument("--font", action="store_true", help="printed digits instead of MNIST test digits")
    p.add_argument("--pages", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="cnn")
    args = p.parse_args(argv)
    test = load_mnist("test")
    rng = np.random.default_rng(args.seed)
    # (no big-glyph look: it would call the rejecter a second time and the spy below keeps one call)
    recognizer = Recognizer(open_classifier(args.model), PipelineConfig().with_(big_glyphs=False))
    seen = {}
    run = recognizer.rejecter.run

    def spy(xyxy, probs, *a, **k):
        verdict = run(xyxy, probs, *a, **k)
        seen["xyxy"], seen["verdict"] = np.asarray(xyxy, np.float64).copy(), verdict
        return verdict

    recognizer.rejecter.run = spy
    why = collections.Counter()
    for _ in range(args.pages):
        img, boxes, labels = (grid_page if args.kind == "grid" else form_page)(rng, test, args)
        img = cv2.GaussianBlur(img, (3, 3), 0.7)
        img = np.clip(img.astype(np.float32) + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
        img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1], 0)
        recognizer.process(img)
        gt = np.float64(boxes)
        cand, verdict = seen["xyxy"], seen["verdict"]
        iou = iou_matrix(gt, cand) if len(cand) else np.zeros((len(gt), 1))
        for g, label in enumerate(labels):
            j = int(iou[g].argmax())
            if iou[g, j] < 0.5:
                why["no candidate"] += 1
            elif not verdict.keep[j]:
                why[f"rejected: {verdict.reason[j]}"] += 1
            elif verdict.label[j] != label:
                why["wrong label"] += 1
            else:
                why["read"] += 1
    total = sum(why.values())
    print(f"{args.kind} size {args.size}{' font' if args.font else ''}"
          f"{f' pattern {args.pattern}/{args.pattern_step}' if args.pattern else ''}: "
          f"read {why['read']} of {total} ({why['read'] / max(total, 1):.1%})")
    for k, v in why.most_common():
        if k != "read":
            print(f"  {k:<24} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
