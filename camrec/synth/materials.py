"""Surfaces: smooth noise, paper and desk textures (BGR float32 images in 0..1)."""

from __future__ import annotations

import cv2
import numpy as np


def smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """(h, w) float32 unit-ish noise, smooth over about ``cells`` px (cubic-upscaled white noise)."""
    small = rng.standard_normal((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def paper_texture(rng: np.random.Generator, h: int, w: int, base: tuple) -> np.ndarray:
    """(h, w, 3) paper of colour ``base`` with a faint cloudiness and grain."""
    tone = np.asarray(base, np.float32)
    page = np.ones((h, w, 3), np.float32) * tone
    page *= (1 + 0.02 * smooth_noise(rng, h, w, 40))[..., None]
    page += 0.012 * rng.standard_normal((h, w, 1)).astype(np.float32)
    return np.clip(page, 0, 1)


def desk_texture(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, str]:
    """(h, w, 3) desk: wood, plain, fabric or dark; returns the image and the kind."""
    kind = str(rng.choice(["wood", "plain", "fabric", "dark"]))
    if kind == "wood":
        base = np.float32([0.25, 0.42, 0.6]) * rng.uniform(0.6, 1.1)
        along = np.linspace(0, 1, h, dtype=np.float32)[:, None] if rng.random() < 0.5 else \
            np.linspace(0, 1, w, dtype=np.float32)[None, :]
        grain = np.sin((along * rng.uniform(20, 60) + 0.3 * smooth_noise(rng, h, w, 60)) * np.pi * 2)
        lum = 1 + rng.uniform(0.04, 0.12) * grain + 0.05 * smooth_noise(rng, h, w, 8)
        desk = base * lum[..., None]
    elif kind == "fabric":
        base = rng.uniform(0.2, 0.7, 3).astype(np.float32)
        desk = base * (1 + 0.15 * rng.standard_normal((h, w, 1)).astype(np.float32))
        desk = cv2.GaussianBlur(desk, (0, 0), 1.2)
    elif kind == "dark":
        desk = np.float32([0.12, 0.12, 0.13]) * (1 + 0.2 * smooth_noise(rng, h, w, 30))[..., None]
    else:
        base = rng.uniform(0.35, 0.85, 3).astype(np.float32)
        desk = base * (1 + 0.05 * smooth_noise(rng, h, w, 50))[..., None]
    return np.clip(desk.astype(np.float32), 0, 1), kind
