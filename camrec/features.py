"""HOG features of MNIST-format crops, in plain numpy.

OpenCV 5 dropped ``HOGDescriptor`` and scikit-image is not a runtime
dependency, so the SVC's features are computed here, vectorised over the
whole batch. The same function is used for training and at run time, so the
two cannot drift apart.

Design (chosen by measuring accuracy of the SVC on MNIST, see
:mod:`camrec.train.svc`):

* gradients by central differences with zero padding (the background is
  black, so the frame border behaves like more background);
* unsigned orientation (0-180 degrees: a stroke's two edges point opposite
  ways) in ``bins`` bins with linear interpolation between neighbouring bins,
  so a small rotation moves weight smoothly instead of jumping bins;
* histograms summed over square cells, at two cell sizes (4 px for stroke
  detail, 7 px for coarse shape), each in 2x2-cell blocks (stride one cell)
  with L2-Hys normalisation (L2, clip at 0.2, L2 again), which makes the
  features insensitive to ink contrast and stroke width.

A blank crop gives all-zero (finite) features.
"""

from __future__ import annotations

import numpy as np

DEFAULT_CELLS = (4, 7)
DEFAULT_BINS = 9
HYS_CLIP = 0.2
EPS = 1e-6


def hog_params(cells: tuple[int, ...] = DEFAULT_CELLS, bins: int = DEFAULT_BINS) -> dict:
    """The parameters as recorded in model metadata."""
    return {"kind": "hog", "cells": list(cells), "bins": bins, "orientation": "unsigned",
            "block": [2, 2], "block_stride": 1, "block_norm": "L2-Hys", "clip": HYS_CLIP,
            "gradient": "central difference, zero padding", "bin_interpolation": "linear",
            "dim": hog_dim(cells, bins)}


def hog_dim(cells: tuple[int, ...] = DEFAULT_CELLS, bins: int = DEFAULT_BINS, size: int = 28) -> int:
    """Length of the feature vector for these parameters."""
    total = 0
    for cell in cells:
        blocks = size // cell - 1
        total += blocks * blocks * 4 * bins
    return total


def _gradients(batch: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel: the two neighbouring orientation bins and the magnitude weights for each.

    Returns ``low, high`` (n, h, w) bin indices and ``weights`` (2 * n*h*w,):
    the magnitude split linearly between the two bins (low part first).
    """
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    mag = np.sqrt(gx * gx + gy * gy)
    # unsigned angle in [0, pi) -> continuous bin position, bin centres at (k + 0.5) * pi / bins
    pos = (np.arctan2(gy, gx) % np.pi) * (bins / np.pi) - 0.5
    low = np.floor(pos)
    frac = pos - low
    low = low.astype(np.intp) % bins
    high = low + 1
    high[high == bins] = 0
    weights = np.concatenate([(mag * (1.0 - frac)).ravel(), (mag * frac).ravel()])
    return low, high, weights


def _blocks(low: np.ndarray, high: np.ndarray, weights: np.ndarray, cell: int, bins: int) -> np.ndarray:
    """Cell histograms (one ``bincount``), 2x2-cell blocks with L2-Hys: (n, blocks*4*bins).

    Pixels beyond the last whole cell go to a dummy cell that is dropped.
    """
    n, h, w = low.shape
    ch, cw = h // cell, w // cell
    rows = np.minimum(np.arange(h) // cell, ch)
    cols = np.minimum(np.arange(w) // cell, cw)
    n_cells = (ch + 1) * (cw + 1)
    base = (np.arange(n)[:, None, None] * n_cells + rows[:, None] * (cw + 1) + cols[None, :]) * bins
    index = np.concatenate([(base + low).ravel(), (base + high).ravel()])
    hist = np.bincount(index, weights, n * n_cells * bins).reshape(n, ch + 1, cw + 1, bins)[:, :ch, :cw]
    blocks = np.concatenate([hist[:, :-1, :-1], hist[:, :-1, 1:], hist[:, 1:, :-1], hist[:, 1:, 1:]], axis=3)
    blocks = blocks.reshape(n, (ch - 1) * (cw - 1), 4 * bins)
    blocks = blocks / np.sqrt((blocks * blocks).sum(axis=2, keepdims=True) + EPS * EPS)
    np.minimum(blocks, HYS_CLIP, out=blocks)
    blocks = blocks / np.sqrt((blocks * blocks).sum(axis=2, keepdims=True) + EPS * EPS)
    return blocks.reshape(n, -1)


def hog(batch: np.ndarray, cells: tuple[int, ...] = DEFAULT_CELLS, bins: int = DEFAULT_BINS) -> np.ndarray:
    """(n, 28, 28) float in [0, 1] -> (n, hog_dim) float32 HOG features (any n, including 0)."""
    batch = np.asarray(batch, dtype=np.float32)
    if batch.ndim != 3:
        raise ValueError(f"expected a batch of shape (n, h, w), got {batch.shape}")
    if batch.shape[0] == 0:
        return np.zeros((0, hog_dim(tuple(cells), bins, batch.shape[1])), np.float32)
    low, high, weights = _gradients(batch, bins)
    parts = [_blocks(low, high, weights, int(c), bins) for c in cells]
    return np.concatenate(parts, axis=1).astype(np.float32, copy=False)


def hog_chunked(images: np.ndarray, chunk: int = 2000, progress: bool = False, **kwargs) -> np.ndarray:
    """HOG of a large uint8 or float set in chunks (bounded memory), optional tqdm bar."""
    out = []
    starts = range(0, len(images), chunk)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="HOG features", unit="chunk", leave=False)
    for start in starts:
        part = images[start : start + chunk]
        if part.dtype == np.uint8:
            part = part.astype(np.float32) / 255.0
        out.append(hog(part, **kwargs))
    if not out:
        return hog(np.zeros((0,) + images.shape[1:], np.float32), **kwargs)
    return np.concatenate(out)
