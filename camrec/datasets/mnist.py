"""MNIST in its original IDX ``.gz`` files: strict reading with clear errors.

Every defect (missing file, bad gzip, wrong magic number, truncated data,
images and labels that disagree) raises :class:`~camrec.errors.CamrecError`
naming the file, so the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camrec.errors import CamrecError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
EXPECTED_COUNTS = {"train": 60000, "test": 10000}
ENV_VAR = "CAMREC_MNIST"


@dataclass(frozen=True)
class DigitSet:
    """Images (n, 28, 28) uint8, white ink on black, and labels (n,) uint8."""

    images: np.ndarray
    labels: np.ndarray
    sha256: str  # of the uncompressed images file, for model metadata

    def __len__(self) -> int:
        return len(self.labels)


def default_mnist_dir() -> Path:
    """``../shared/data/mnist`` beside the checkout this package lives in."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout.parent / "shared" / "data" / "mnist"


def resolve_mnist_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``--data`` if given, else ``$CAMREC_MNIST``, else the shared folder."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return default_mnist_dir()


def _read_gz(path: Path) -> bytes:
    if not path.exists():
        raise CamrecError(path, "file not found (pass --data DIR or set $CAMREC_MNIST)")
    if not path.is_file():
        raise CamrecError(path, "not a regular file")
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise CamrecError(path, f"not a readable gzip file ({exc})") from None


def _header(path: Path, raw: bytes, magic: int, n_dims: int) -> tuple[int, ...]:
    size = 4 + 4 * n_dims
    if len(raw) < size:
        raise CamrecError(path, f"truncated: {len(raw)} bytes, the IDX header alone is {size}")
    values = tuple(int(v) for v in np.frombuffer(raw[:size], dtype=">u4"))
    if values[0] != magic:
        raise CamrecError(path, f"wrong magic number {values[0]} (expected {magic}); not an IDX file of this kind")
    return values[1:]


def read_idx_images(path: str | os.PathLike) -> tuple[np.ndarray, str]:
    """Images as (n, rows, cols) uint8 and the sha256 of the uncompressed bytes."""
    path = Path(path)
    raw = _read_gz(path)
    count, rows, cols = _header(path, raw, IMAGES_MAGIC, 3)
    if (rows, cols) != (28, 28):
        raise CamrecError(path, f"images are {rows}x{cols}, expected 28x28")
    expected = 16 + count * rows * cols
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing data"
        raise CamrecError(path, f"{what}: {len(raw)} bytes, header promises {expected}")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows, cols)
    return images.copy(), hashlib.sha256(raw).hexdigest()


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    """Labels as (n,) uint8, each checked to be 0-9."""
    path = Path(path)
    raw = _read_gz(path)
    (count,) = _header(path, raw, LABELS_MAGIC, 1)
    expected = 8 + count
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing data"
        raise CamrecError(path, f"{what}: {len(raw)} bytes, header promises {expected}")
    labels = np.frombuffer(raw, dtype=np.uint8, offset=8).copy()
    if labels.size and labels.max() > 9:
        raise CamrecError(path, f"label {int(labels.max())} out of range 0-9")
    return labels


def load_mnist(split: str, data_dir: str | os.PathLike | None = None) -> DigitSet:
    """Load ``train`` or ``test`` from ``data_dir`` (see :func:`resolve_mnist_dir`)."""
    if split not in FILES:
        raise ValueError(f"split must be one of {sorted(FILES)}, not {split!r}")
    folder = resolve_mnist_dir(data_dir)
    if not folder.is_dir():
        raise CamrecError(folder, "MNIST folder not found (pass --data DIR or set $CAMREC_MNIST)")
    image_file, label_file = (folder / name for name in FILES[split])
    images, digest = read_idx_images(image_file)
    labels = read_idx_labels(label_file)
    if len(images) != len(labels):
        raise CamrecError(label_file, f"{len(labels)} labels for {len(images)} images in {image_file.name}")
    return DigitSet(images=images, labels=labels, sha256=digest)
