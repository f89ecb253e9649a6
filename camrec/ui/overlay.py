"""What the live window adds on top of the annotated frame: HUD, help, debug view."""

from __future__ import annotations

import cv2
import numpy as np

from camrec.types import FrameResult
from camrec.ui.keys import help_lines

FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text_block(image: np.ndarray, lines: list[str], origin: tuple[int, int], scale: float = 0.45) -> None:
    """White text on a translucent dark box, readable on any frame."""
    if not lines:
        return
    x, y = origin
    height = int(22 * scale / 0.45)
    width = max(cv2.getTextSize(line, FONT, scale, 1)[0][0] for line in lines) + 12
    x1, y1 = min(image.shape[1], x + width), min(image.shape[0], y + height * len(lines) + 8)
    roi = image[y:y1, x:x1]
    roi[:] = (roi * 0.35).astype(np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(image, line, (x + 6, y + height * (i + 1)), FONT, scale, (255, 255, 255), 1, cv2.LINE_AA)


def draw_hud(image: np.ndarray, fps: float, timing_ms: dict[str, float], model: str, backend: str,
             paused: bool = False, show_help: bool = False) -> np.ndarray:
    """fps, per-stage milliseconds, model/backend; the key help when asked."""
    stages = " ".join(f"{k[:4]} {v:.1f}" for k, v in timing_ms.items() if k != "total" and v >= 0.05)
    lines = [f"{fps:5.1f} fps   {timing_ms.get('total', 0.0):.1f} ms/frame   {model} ({backend})"
             + ("   PAUSED" if paused else ""), stages, "h: help"]
    _text_block(image, lines, (8, 8))
    if show_help:
        _text_block(image, help_lines(), (8, 8 + 22 * 3 + 16))
    return image


def draw_debug(image: np.ndarray, result: FrameResult, mask: np.ndarray | None = None) -> np.ndarray:
    """Each digit's 28x28 crop (what the classifier saw) pasted beside its box; mask inset."""
    crops = result.crops if result.crops is not None else np.zeros((0, 28, 28), np.float32)
    h, w = image.shape[:2]
    for (x0, y0, x1, y1), crop in zip(result.digits.xyxy.astype(int).tolist(), crops):
        size = int(np.clip((y1 - y0), 28, 84))
        tile = cv2.resize((crop * 255).astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)
        tile = cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR)
        cv2.rectangle(tile, (0, 0), (size - 1, size - 1), (0, 200, 255), 1)
        tx = min(max(0, x1 + 2), w - size)
        ty = min(max(0, y0), h - size)
        image[ty : ty + size, tx : tx + size] = tile
    if mask is not None and mask.size:
        inset_w = w // 4
        inset_h = max(1, int(mask.shape[0] * inset_w / mask.shape[1]))
        inset = cv2.resize(mask, (inset_w, inset_h), interpolation=cv2.INTER_AREA)
        inset = cv2.cvtColor(inset, cv2.COLOR_GRAY2BGR) if inset.ndim == 2 else inset
        image[h - inset_h : h, w - inset_w : w] = inset
    return image
