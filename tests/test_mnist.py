"""The IDX reader: good files, and every kind of bad file gives one clear error."""

from __future__ import annotations

import gzip
import shutil
import struct

import numpy as np
import pytest

from camrec.cli import main
from camrec.datasets.mnist import FILES, load_mnist, read_idx_images, read_idx_labels
from camrec.errors import CamrecError


def _write_images(path, count=3, rows=28, cols=28, magic=2051, extra=b"", cut=0):
    body = struct.pack(">IIII", magic, count, rows, cols) + np.arange(
        count * rows * cols, dtype=np.uint8).tobytes() + extra
    if cut:
        body = body[:-cut]
    with gzip.open(path, "wb") as fh:
        fh.write(body)


def _write_labels(path, labels, magic=2049):
    with gzip.open(path, "wb") as fh:
        fh.write(struct.pack(">II", magic, len(labels)) + bytes(labels))


def test_real_mnist_is_read_with_checksum(mnist_test):
    assert mnist_test.images.shape == (10000, 28, 28)
    assert mnist_test.images.dtype == np.uint8
    assert np.bincount(mnist_test.labels, minlength=10).min() > 800
    assert mnist_test.sha256 == "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"


def test_small_good_files(tmp_path):
    _write_images(tmp_path / "img.gz", count=3)
    _write_labels(tmp_path / "lab.gz", [1, 2, 3])
    images, digest = read_idx_images(tmp_path / "img.gz")
    assert images.shape == (3, 28, 28) and len(digest) == 64
    assert read_idx_labels(tmp_path / "lab.gz").tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: _write_images(p, cut=100), "truncated"),
        (lambda p: _write_images(p, extra=b"xx"), "trailing data"),
        (lambda p: _write_images(p, magic=2049), "wrong magic number"),
        (lambda p: _write_images(p, rows=32, cols=32), "expected 28x28"),
        (lambda p: p.write_bytes(b"this is not gzip"), "not a readable gzip"),
        (lambda p: gzip.open(p, "wb").close(), "truncated"),
    ],
)
def test_bad_image_files(tmp_path, make, reason):
    path = tmp_path / "bad.gz"
    make(path)
    with pytest.raises(CamrecError) as err:
        read_idx_images(path)
    assert reason in str(err.value) and str(path) in str(err.value)


def test_bad_labels(tmp_path):
    _write_labels(tmp_path / "lab.gz", [1, 12])
    with pytest.raises(CamrecError, match="out of range"):
        read_idx_labels(tmp_path / "lab.gz")
    _write_labels(tmp_path / "lab2.gz", [1, 2], magic=2051)
    with pytest.raises(CamrecError, match="wrong magic"):
        read_idx_labels(tmp_path / "lab2.gz")


def test_missing_file_and_count_mismatch(tmp_path):
    with pytest.raises(CamrecError, match="file not found"):
        load_mnist("test", tmp_path)
    images, labels = FILES["test"]
    _write_images(tmp_path / images, count=3)
    _write_labels(tmp_path / labels, [1, 2])
    with pytest.raises(CamrecError, match="2 labels for 3 images"):
        load_mnist("test", tmp_path)


def test_cli_reports_bad_data_in_one_line(tmp_path, mnist_dir, capsys):
    for name in FILES["test"]:
        shutil.copy(mnist_dir / name, tmp_path / name)
    raw = gzip.open(tmp_path / FILES["test"][0]).read()
    with gzip.open(tmp_path / FILES["test"][0], "wb") as fh:
        fh.write(raw[:5000])
    code = main(["eval", "--data", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("camrec: error: ") and "truncated" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_data_path_resolution(monkeypatch, tmp_path):
    from camrec.datasets.mnist import default_mnist_dir, resolve_mnist_dir

    monkeypatch.delenv("CAMREC_MNIST", raising=False)
    assert resolve_mnist_dir() == default_mnist_dir()
    monkeypatch.setenv("CAMREC_MNIST", str(tmp_path))
    assert resolve_mnist_dir() == tmp_path
    assert resolve_mnist_dir("/x") == __import__("pathlib").Path("/x")
