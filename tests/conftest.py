"""Shared fixtures. Data and models come from the repo and ../shared: a test
that lacks them fails (it never skips), so CI cannot pass without running it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"


@pytest.fixture(scope="session")
def mnist_test():
    from camrec.datasets.mnist import load_mnist

    return load_mnist("test")  # raises (test fails) when the data is missing


@pytest.fixture(scope="session")
def mnist_test_x(mnist_test) -> np.ndarray:
    return mnist_test.images.astype(np.float32) / 255.0


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    from camrec.datasets.mnist import resolve_mnist_dir

    folder = resolve_mnist_dir()
    assert folder.is_dir(), f"MNIST not found at {folder}: set $CAMREC_MNIST"
    return folder
