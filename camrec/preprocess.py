"""Preprocess: a frame -> gray, ink contrast map and binary ink mask (layer 1).

Illumination-robust binarisation:

1. gray (and downscale to the working resolution when the frame is huge);
2. ink polarity: the local median of a small copy is the background (ink is
   the minority almost everywhere), so the sum of darker-than-background
   against lighter-than-background deviations tells dark ink on light paper
   from chalk/marker on a dark board;
3. background: a morphological closing (dark ink) of a 4x smaller copy with
   a kernel wider than the widest expected stroke, smoothed and upsampled:
   shadows and light gradients are in it, strokes are not;
4. contrast = (background - gray) / background, a relative ink strength that
   is the same under bright and dim light;
5. threshold: Otsu on the contrast map, clamped to [min_contrast,
   max_contrast] (the lower clamp keeps a blank page blank: noise never
   reaches 12 % of the background).

Pure computation: no windows, files or clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camrec.config import PipelineConfig


@dataclass
class Preprocessed:
    """What the later stages work on, all at the working resolution."""

    gray: np.ndarray  # uint8, ink polarity as in the frame
    contrast: np.ndarray  # uint8, 0 = background, 255 = ink as strong as can be
    binary: np.ndarray  # uint8 0/1 ink mask
    dark_ink: bool  # True: dark ink on light paper
    scale: float  # working / original size
    threshold: float  # contrast threshold used, fraction of background


def to_gray(image: np.ndarray) -> np.ndarray:
    """BGR, BGRA or gray of any dtype -> gray uint8."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        else:
            image = image.astype(np.float32)
            hi = float(image.max()) if image.size else 1.0
            image = np.clip(image * (255.0 / (hi if hi > 1.0 else 1.0)), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise ValueError(f"not an image: shape {image.shape}")


class Preprocessor:
    """``run(image) -> Preprocessed``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def run(self, image: np.ndarray) -> Preprocessed:
        cfg = self.config
        gray = to_gray(image)
        h, w = gray.shape
        scale = 1.0
        if max(h, w) > cfg.work_max_side:
            scale = cfg.work_max_side / max(h, w)
            gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                              interpolation=cv2.INTER_AREA)
            h, w = gray.shape
        smooth = cv2.GaussianBlur(gray, (3, 3), 0) if cfg.denoise and min(h, w) >= 3 else gray

        f = cfg.background_scale
        sw, sh = max(1, w // f), max(1, h // f)
        small = cv2.resize(smooth, (sw, sh), interpolation=cv2.INTER_AREA)
        tiny = cv2.resize(small, (max(1, sw // 2), max(1, sh // 2)), interpolation=cv2.INTER_AREA)
        dark_ink = self._dark_ink(tiny)
        if not dark_ink:
            smooth = 255 - smooth
            small = 255 - small
        # Kernel (in small pixels) wider than the widest stroke: min side * max_stroke_frac * 2.
        k = int(max(3, round(2 * cfg.max_stroke_frac * min(h, w) / f)) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
        # a little darker than the closing: where paper meets a darker desk or shadow, the upsampled
        # background must not reach over the dark side (a strip of false 'ink' along every paper edge)
        background = cv2.erode(background, np.ones((5, 5), np.uint8))
        background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
        # A pixel brighter than the smoothed background is background too.
        background = cv2.max(background, smooth)
        diff = cv2.subtract(background, smooth)
        contrast = cv2.divide(diff, cv2.max(background, 1), scale=255)

        sample = np.ascontiguousarray(contrast[::2, ::2]) if min(h, w) >= 64 else contrast
        t_otsu, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        t = float(np.clip(t_otsu / 255.0, cfg.min_contrast, cfg.max_contrast))
        _, binary = cv2.threshold(contrast, t * 255.0, 1, cv2.THRESH_BINARY)
        return Preprocessed(gray=gray, contrast=contrast, binary=binary, dark_ink=dark_ink, scale=scale,
                            threshold=t)

    @staticmethod
    def _dark_ink(small: np.ndarray) -> bool:
        """Is the ink darker than its surroundings? (Background = local median.)"""
        if min(small.shape) < 5:
            return True
        # three 5x5 medians approximate one wide median (a 15x15 one costs 15x more in OpenCV)
        median = cv2.medianBlur(cv2.medianBlur(cv2.medianBlur(small, 5), 5), 5)
        darker = cv2.subtract(median, small)
        lighter = cv2.subtract(small, median)
        # Only clear deviations count (noise is symmetric and small).
        d = float(np.sum(darker[darker > 20], dtype=np.float64))
        l = float(np.sum(lighter[lighter > 20], dtype=np.float64))
        return d >= l
