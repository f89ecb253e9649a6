"""JSON lines (flushed per line, survive a kill) and the video writer (read back, finalised on SIGTERM)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from camrec.errors import CamrecError
from camrec.output import JsonLinesWriter, VideoWriter
from camrec.types import DigitBoxes, FrameResult, Number

REPO = Path(__file__).resolve().parents[1]


def result(i: int) -> FrameResult:
    digits = DigitBoxes(np.float32([[10, 20, 30, 60], [34, 20, 54, 60]]), [4, 2], [0.9, 0.8], None, [3, 4])
    return FrameResult(frame=i, width=640, height=480, digits=digits, source="clip.mp4",
                       numbers=[Number("42", np.float32([10, 20, 54, 60]), [0, 1], 0.8, track_id=1)],
                       timing_ms={"total": 3.21})


class CountingStream(io.StringIO):
    def __init__(self):
        super().__init__()
        self.flushed_at = []

    def flush(self):
        self.flushed_at.append(self.getvalue().count("\n"))
        super().flush()


def test_json_lines_one_object_per_line_flushed_each():
    stream = CountingStream()
    writer = JsonLinesWriter(stream)
    for i in range(3):
        writer.write(result(i))
    writer.write({"summary": True})
    assert stream.flushed_at == [1, 2, 3, 4]
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4 and writer.lines == 4
    first = json.loads(lines[0])
    assert first["frame"] == 0 and first["digits"][0] == {"box": [10, 20, 20, 40], "label": 4,
                                                         "confidence": 0.9, "track_id": 3}
    assert first["numbers"][0]["text"] == "42" and first["numbers"][0]["track_id"] == 1
    writer.close()
    assert not stream.closed  # a stream it did not open is left open


def test_json_lines_to_a_path_survive_a_kill(tmp_path):
    out = tmp_path / "frames.jsonl"
    code = textwrap.dedent(f"""
        import sys, time
        from camrec.output import JsonLinesWriter
        w = JsonLinesWriter({str(out)!r})
        for i in range(5):
            w.write({{"frame": i}})
        print("written", flush=True)
        time.sleep(30)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"
        proc.kill()  # SIGKILL: no handler, no close
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [json.loads(line)["frame"] for line in out.read_text().splitlines()] == [0, 1, 2, 3, 4]


def test_json_lines_bad_path():
    with pytest.raises(CamrecError, match="cannot write"):
        JsonLinesWriter("/nonexistent-dir/x.jsonl")


def read_back(path: Path) -> tuple[int, int, tuple[int, int], list[float]]:
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened()
    reported = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    means = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        means.append(float(img.mean()))
    cap.release()
    return reported, len(means), size, means


def test_video_writer_file_reads_back_with_the_right_frame_count(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps=15) as writer:
        for i in range(12):
            writer.write(np.full((72, 96, 3), 20 * i, np.uint8))
        writer.write(np.full((144, 192), 240, np.uint8))  # gray, other size: converted and resized
    assert writer.codec in ("mp4v", "avc1") and writer.frames == 13 and writer.size == (96, 72)
    reported, decoded, size, means = read_back(path)
    assert reported == 13 and decoded == 13 and size == (96, 72)
    assert abs(means[5] - 100) < 5 and abs(means[-1] - 240) < 5
    writer.close()  # idempotent
    with pytest.raises(CamrecError, match="closed"):
        writer.write(np.zeros((72, 96, 3), np.uint8))


def test_video_writer_codec_fallback_and_no_frames(tmp_path):
    path = tmp_path / "fallback.mp4"
    with VideoWriter(path, fps=10, codecs=("XXXX", "mp4v")) as writer:  # an unknown FourCC first
        for _ in range(4):
            writer.write(np.zeros((32, 32, 3), np.uint8))
    assert writer.codec == "mp4v" and read_back(path)[1] == 4
    empty = tmp_path / "empty.mp4"
    VideoWriter(empty).close()
    assert not empty.exists()
    with pytest.raises(CamrecError, match="does not exist"):
        VideoWriter(tmp_path / "missing" / "x.mp4")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_finalises_video_and_flushes_json(tmp_path, sig):
    video, jsonl = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    code = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from camrec.output import JsonLinesWriter, VideoWriter, signals_as_interrupt
        n = 0
        try:
            with signals_as_interrupt(), VideoWriter({str(video)!r}, fps=25) as vw, \\
                    JsonLinesWriter({str(jsonl)!r}) as jw:
                while True:
                    vw.write(np.full((48, 64, 3), n % 250, np.uint8))
                    jw.write({{"frame": n}})
                    n += 1
                    if n == 10:
                        print("ready", flush=True)
                    time.sleep(0.005)
        except KeyboardInterrupt:
            print("frames", vw.frames, jw.lines, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        os.kill(proc.pid, sig)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    frames, lines = (int(v) for v in out.split()[-2:])
    assert frames >= 10 and lines >= 10
    reported, decoded, size, _ = read_back(video)  # finalised: the container knows its length
    assert decoded == frames and reported == frames and size == (64, 48)
    assert [json.loads(x)["frame"] for x in jsonl.read_text().splitlines()] == list(range(lines))
