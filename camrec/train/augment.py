"""Augmentation toward what a camera crop looks like after normalisation.

A crop cut from a photo and brought to MNIST format differs from MNIST in
predictable ways: slightly rotated, scaled and off-centre, thicker or thinner
strokes, blurred, noisy, with uneven contrast along the stroke, and writers'
shapes MNIST never saw (elastic distortion). Each image gets a random mix,
with probabilities chosen so clean MNIST-like inputs stay common.

Pure numpy/OpenCV, so it runs under any Keras backend; a thread pool spreads
the per-image OpenCV calls (they release the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 28


@dataclass(frozen=True)
class AugmentConfig:
    rotate_deg: float = 14.0
    scale: tuple[float, float] = (0.8, 1.12)
    shift_px: float = 2.5
    shear: float = 0.25
    p_elastic: float = 0.35
    elastic_alpha: float = 1.2  # std of the coarse displacement grid, px
    p_thickness: float = 0.35
    p_blur: float = 0.25
    p_noise: float = 0.3
    noise_sigma: float = 0.12
    p_contrast: float = 0.35


def _affine(rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    angle = np.deg2rad(rng.uniform(-cfg.rotate_deg, cfg.rotate_deg))
    scale = rng.uniform(*cfg.scale)
    shear = rng.uniform(-cfg.shear, cfg.shear)
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    centre = np.array([SIZE / 2, SIZE / 2])
    offset = centre - linear @ centre + rng.uniform(-cfg.shift_px, cfg.shift_px, 2)
    return np.hstack([linear, offset[:, None]]).astype(np.float32)


def _elastic(img: np.ndarray, rng: np.random.Generator, alpha: float) -> np.ndarray:
    # Smooth random displacement: a coarse 4x4 grid of offsets upsampled.
    coarse = rng.normal(0, alpha, (2, 4, 4)).astype(np.float32)
    dx = cv2.resize(coarse[0], (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)
    gx, gy = np.meshgrid(np.arange(SIZE, dtype=np.float32), np.arange(SIZE, dtype=np.float32))
    return cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)


def augment_one(img: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """One (28,28) float32 [0,1] image, white ink on black, randomly degraded."""
    out = cv2.warpAffine(img, _affine(rng, cfg), (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    if rng.random() < cfg.p_elastic:
        out = _elastic(out, rng, cfg.elastic_alpha)
    if rng.random() < cfg.p_thickness:
        kernel = np.ones((2, 2), np.uint8) if rng.random() < 0.7 else cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        if rng.random() < 0.6:
            out = cv2.dilate(out, kernel)
        elif out.sum() > 40:  # never erode a thin digit away
            eroded = cv2.erode(out, np.ones((2, 2), np.uint8))
            out = eroded if eroded.sum() > 0.45 * out.sum() else out
    if rng.random() < cfg.p_blur:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.1))
    if rng.random() < cfg.p_contrast:
        # Uneven ink: a linear gradient across the digit, and a weaker peak.
        gx, gy = np.meshgrid(np.linspace(-1, 1, SIZE), np.linspace(-1, 1, SIZE))
        direction = rng.uniform(0, 2 * np.pi)
        ramp = 1 - rng.uniform(0, 0.6) * (0.5 + 0.5 * (np.cos(direction) * gx + np.sin(direction) * gy))
        out = out * ramp.astype(np.float32) * rng.uniform(0.6, 1.0)
        peak = out.max()
        if peak > 0 and rng.random() < 0.5:  # the pipeline re-stretches most crops
            out = out / peak
    if rng.random() < cfg.p_noise:
        out = out + rng.normal(0, rng.uniform(0.02, cfg.noise_sigma), out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def augment_batch(images: np.ndarray, seed: int, cfg: AugmentConfig = AugmentConfig(),
                  workers: int | None = None) -> np.ndarray:
    """Augment (n,28,28) float32 images deterministically for a given seed.

    The result depends only on the seed, not on the number of workers (each
    fixed chunk has its own random stream).
    """
    n = len(images)
    workers = workers or min(8, os.cpu_count() or 1)
    out = np.empty_like(images, dtype=np.float32)
    chunks = np.array_split(np.arange(n), max(1, min(16, n)))  # 16 streams, as the shipped model saw

    def work(idx: int) -> None:
        rng = np.random.default_rng([seed, idx])
        for i in chunks[idx]:
            out[i] = augment_one(images[i], rng, cfg)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(len(chunks))))
    return out
