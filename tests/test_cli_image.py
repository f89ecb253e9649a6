"""`camrec --image`: output contract, summary lines, --save, and every bad input from issue 4."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from camrec import cli
from camrec.sources.images import expand, read_image
from draw import page, text
from contract import check_contract

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, img: np.ndarray, params=()) -> Path:
    ok, buf = cv2.imencode(path.suffix, img, list(params))
    assert ok
    path.write_bytes(buf.tobytes())
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    img = text(page(400, 900), "0712-345-678", (40, 120), 2.0, 4)
    text(img, "42", (40, 300), 2.0, 4)
    return write(folder / "page.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(capsys, good):
    code, out, err = run(capsys, "--image", str(good), "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    check_contract(obj)
    assert obj["source"] == str(good) and (obj["width"], obj["height"]) == (900, 400)
    assert [n["text"] for n in obj["numbers"]] == ["0712345678", "42"]
    assert obj["numbers"][0]["display"] == "0712-345-678"
    assert "Traceback" not in err


def test_summary_line(capsys, good):
    code, out, _ = run(capsys, "--image", str(good))
    assert code == 0
    assert out.startswith("page.jpg  2 numbers: 0712-345-678, 42  (12 digits, ")
    assert out.rstrip().endswith(" ms)")


def test_save_annotated_copies(capsys, good, tmp_path):
    code, out, _ = run(capsys, "--image", str(good), "--save", str(tmp_path / "out"))
    assert code == 0 and "page.jpg" in out
    saved = cv2.imread(str(tmp_path / "out" / "page.png"))
    original = cv2.imread(str(good))
    assert saved.shape == original.shape
    assert np.abs(saved.astype(int) - original.astype(int)).sum(2).astype(bool).mean() > 0.005


def test_folders_and_globs_in_order(tmp_path):
    for name in ("b.png", "a.png", "c.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "z.png").write_bytes(b"x")
    items = expand([str(tmp_path), str(sub / "*.png"), str(tmp_path / "a.png")])
    assert [p.name for p in items] == ["a.png", "b.png", "c.jpg", "z.png"]  # a.png once


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("odd")
    img = text(page(300, 600), "1234", (40, 150), 2.0, 4)
    files = {}
    files["missing"] = d / "missing.png"
    (d / "empty_dir").mkdir()
    files["empty_dir"] = d / "empty_dir"
    files["text_png"] = d / "text.png"
    files["text_png"].write_text("this is not a picture\n")
    jpg = write(d / "full.jpg", img)
    files["truncated_jpg"] = d / "truncated.jpg"
    files["truncated_jpg"].write_bytes(jpg.read_bytes()[: len(jpg.read_bytes()) // 2])
    files["zero"] = d / "zero.png"
    files["zero"].write_bytes(b"")
    files["one_px"] = write(d / "one.png", np.full((1, 1, 3), 200, np.uint8))
    files["png16"] = write(d / "deep.png", cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257)
    files["gray"] = write(d / "gray.png", cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    rgba = np.zeros((300, 600, 4), np.uint8)  # black ink on a fully transparent background
    rgba[:, :, 3] = 255 - cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    files["rgba"] = write(d / "rgba.png", rgba)
    huge = np.full((8000, 8000), 230, np.uint8)
    cv2.putText(huge, "86", (1000, 4000), cv2.FONT_HERSHEY_SIMPLEX, 30, 30, 80, cv2.LINE_AA)
    files["huge"] = write(d / "huge.png", huge, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return files


BAD = ("missing", "empty_dir", "text_png", "truncated_jpg", "zero")


@pytest.mark.parametrize("case", BAD)
def test_each_bad_input_is_one_line_and_the_rest_still_runs(capsys, odd_files, good, case):
    bad = odd_files[case]
    code, out, err = run(capsys, "--image", str(good), str(bad), str(good.parent), "--json")
    assert code == 1
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("camrec: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"camrec: error: {bad}: ")
    assert len(errors[0]) < 200
    objs = [json.loads(line) for line in out.strip().splitlines()]
    assert len(objs) == 1  # the good page (given twice: once by name, once by its folder) ran once
    check_contract(objs[0])


def test_read_image_reasons(odd_files):
    reasons = {}
    for case in ("text_png", "truncated_jpg", "zero"):
        with pytest.raises(cli.CamrecError) as info:
            read_image(odd_files[case])
        reasons[case] = info.value.reason
    assert "truncated" in reasons["truncated_jpg"]
    assert "empty" in reasons["zero"]
    assert "decode" in reasons["text_png"]
    assert "no images" in expand([odd_files["empty_dir"]])[0].reason
    assert "no such" in expand([odd_files["missing"]])[0].reason


@pytest.mark.parametrize("case,numbers", [("one_px", []), ("png16", ["1234"]), ("gray", ["1234"]),
                                          ("rgba", ["1234"]), ("huge", ["86"])])
def test_unusual_but_valid_images_work(capsys, odd_files, case, numbers):
    code, out, err = run(capsys, "--image", str(odd_files[case]), "--json")
    assert code == 0, err
    obj = json.loads(out)
    check_contract(obj)
    assert [n["text"] for n in obj["numbers"]] == numbers
    assert read_image(odd_files[case]).dtype == np.uint8


def test_all_bad_inputs_together(capsys, odd_files, good):
    paths = [str(odd_files[c]) for c in BAD]
    code, out, err = run(capsys, "--image", *paths, str(good))
    assert code == 1 and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("camrec: error:")]) == len(BAD)
    assert out.startswith("page.jpg  2 numbers")


def test_live_modes_refuse_bad_sources_in_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), np.full((20, 20, 3), 255, np.uint8))
    cases = [(["--video", str(tmp_path / "x.mp4"), "--no-window"], "no such file"),
             (["--video", str(still), "--no-window"], "is an image, not a video"),
             (["--draw"], "needs a display")]
    for flags, reason in cases:
        code, out, err = run(capsys, *flags)
        lines = [line for line in err.strip().splitlines() if line.startswith("camrec: error:")]
        assert code == 2 and len(lines) == 1 and reason in lines[0], err
        assert "Traceback" not in err


def test_no_arguments_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "--image" in err


def test_help_teaches(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "--image" in out and "--json" in out and "--save" in out
    for sub in ("train", "eval", "bench", "synth"):
        assert f"camrec {sub}" in out


def test_bad_model_dir_is_one_line(capsys, good, tmp_path):
    code, _, err = run(capsys, "--image", str(good), "--models-dir", str(tmp_path))
    assert code == 2 and err.startswith("camrec: error: ") and "Traceback" not in err


def test_real_subprocess(good, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "camrec", "--image", str(good), str(tmp_path / "nope.png"),
                           "--json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"camrec: error: {tmp_path / 'nope.png'}: no such file or folder" in proc.stderr
    (line,) = proc.stdout.strip().splitlines()
    obj = json.loads(line)
    check_contract(obj)
    assert [n["text"] for n in obj["numbers"]] == ["0712345678", "42"]
