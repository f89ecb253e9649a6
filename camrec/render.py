"""Render: draw a FrameResult on its image (layer 2). OpenCV drawing only, no windows."""

from __future__ import annotations

import cv2
import numpy as np

from camrec.types import FrameResult

DIGIT_COLOR = (40, 180, 40)  # BGR
NUMBER_COLOR = (200, 90, 20)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _label(img: np.ndarray, text: str, x: int, y: int, scale: float, color: tuple[int, int, int]) -> None:
    """Text with a filled background whose bottom-left corner is at (x, y), kept inside the image."""
    thick = max(1, int(round(scale * 2)))
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
    h, w = img.shape[:2]
    x = int(min(max(0, x), max(0, w - tw - 2)))
    y = int(min(max(th + base + 2, y), h - 1))
    cv2.rectangle(img, (x, y - th - base - 2), (x + tw + 2, y), color, -1)
    cv2.putText(img, text, (x + 1, y - base - 1), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)


def annotate(image: np.ndarray, result: FrameResult) -> np.ndarray:
    """A BGR copy of ``image`` with digit boxes + 'label confidence', and numbers boxed with their text above."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img[:, :, :3].copy()
    img = np.ascontiguousarray(img)
    line = max(1, int(round(min(img.shape[:2]) / 500)))
    for (x, y, w, h), label, score in zip(result.digits.xywh.tolist(), result.digits.label.tolist(),
                                          result.digits.score.tolist()):
        cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), DIGIT_COLOR, line)
        scale = float(np.clip(h / 70.0, 0.35, 1.2))
        _label(img, f"{label} {score:.2f}", x, y + h + int(22 * scale) + 4, scale, DIGIT_COLOR)
    for number in result.numbers:
        x0, y0, x1, y1 = (int(v) for v in number.xyxy)
        pad = max(2, (y1 - y0) // 8)
        cv2.rectangle(img, (x0 - pad, y0 - pad), (x1 + pad, y1 + pad), NUMBER_COLOR, line)
        scale = float(np.clip((y1 - y0) / 50.0, 0.45, 1.6))
        _label(img, f"{number.display or number.text} ({number.confidence:.2f})", x0 - pad, y0 - pad - 2,
               scale, NUMBER_COLOR)
    return img
