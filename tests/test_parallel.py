"""Worker processes for video files: same results, in order; a lost frame ends the run with one error."""

from __future__ import annotations

import time

import numpy as np
import pytest

import camrec.parallel as parallel
from camrec.errors import CamrecError
from camrec.types import Frame
from draw import page, text


def _frames(n: int) -> list[Frame]:
    frames = []
    for k in range(n):
        img = text(page(240, 480, seed=k), f"{k}{k + 3}{(k * 7) % 10}", (40, 150), 2.2, 5)
        frames.append(Frame(img, index=k, source="synthetic"))
    return frames


def test_pool_results_match_one_process_in_order():
    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer

    frames = _frames(6)
    serial = Recognizer(open_classifier("cnn", None))
    with parallel.FramePool(workers=2, ahead=3) as pool:
        got = list(pool.results(iter(frames)))
    assert [f.index for f, _ in got] == list(range(6))
    for (frame, result), original in zip(got, frames):
        assert frame is original  # the colour frame comes back for drawing and writing
        expected = serial.process(original)
        assert [n.text for n in result.numbers] == [n.text for n in expected.numbers]
        assert np.array_equal(result.digits.label, expected.digits.label)
        assert np.allclose(result.digits.xyxy, expected.digits.xyxy)
    assert [n.text for n in got[2][1].numbers] == ["254"]


def _stuck(frame, model):
    time.sleep(30)


def test_a_frame_that_never_comes_back_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(parallel, "_recognize", _stuck)  # (forked workers see the patched module)
    monkeypatch.setattr(parallel, "_STUCK_S", 1)
    with parallel.FramePool(workers=2) as pool:
        started = time.monotonic()
        with pytest.raises(CamrecError, match="no result from the worker processes"):
            list(pool.results(iter(_frames(1))))
        assert time.monotonic() - started < 10
