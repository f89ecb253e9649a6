"""The command line: help that teaches, version, eval's JSON and figures, bench."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from camrec import __version__
from camrec.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"camrec {__version__}"


@pytest.mark.parametrize("argv", [["train", "--help"], ["train", "cnn", "--help"], ["eval", "--help"],
                                  ["bench", "--help"]])
def test_help_shows_examples(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "camrec " in out


def test_eval_json_and_figures(tmp_path, capsys):
    code = main(["eval", "--json", "--out", str(tmp_path)])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "cnn" and report["backend"] == "litert"
    mnist = report["datasets"]["mnist-test"]
    assert mnist["n"] == 10000 and mnist["accuracy"] >= 0.996
    assert report["datasets"]["sklearn-digits"]["n"] == 1797
    assert set(mnist["per_class"]) == {str(d) for d in range(10)}
    for name in ("mnist-test", "sklearn-digits"):
        for kind in ("confusion", "mistakes"):
            png = tmp_path / f"cnn-{name}-{kind}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_backend_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["eval", "--backend", "nope"])
    assert done.value.code == 2


def test_bench_prints_figures(capsys):
    assert main(["bench", "--repeats", "20", "--json", "--original", "no"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["classify"]["crops"] == 20 and figures["classify"]["batch_ms_median"] > 0
    assert figures["cold"]["tensorflow_imported"] is False
    assert figures["original"] is None  # (not asked for: no TensorFlow import here)
    assert main(["bench", "--part", "classify", "--repeats", "5", "--original", "no"]) == 0
    assert "original app's way (Keras predict per crop): not timed (--original no)" in capsys.readouterr().out


def test_console_script_runs_as_subprocess():
    done = subprocess.run([sys.executable, "-m", "camrec", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("camrec ")
