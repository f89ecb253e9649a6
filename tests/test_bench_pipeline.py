"""The pipeline part of ``camrec bench`` runs and reports its figures (values never asserted)."""

from __future__ import annotations

from camrec.bench import bench_pipeline, peak_memory_mb
from camrec.synth import bench_frames


def test_bench_frames_have_about_20_digits():
    frames = bench_frames(2, seed=0)
    assert len(frames) == 2
    for scene in frames:
        assert scene.image.shape == (720, 1280, 3)
        assert 16 <= len(scene.truth["digits"]) <= 26


def test_bench_pipeline_figures():
    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer

    frames = [s.image for s in bench_frames(2, seed=1)]
    figures = bench_pipeline(Recognizer(open_classifier("cnn")), frames, repeats=1)
    assert figures["frames"] == 2 and figures["size"] == "1280x720"
    for stage in ("preprocess", "segment", "classify", "total"):
        assert set(figures["stages_ms"][stage]) == {"median", "p95"}
    assert figures["fps"] > 0 and figures["frame_ms_median"] > 0
    assert peak_memory_mb() > 10


def test_bench_video_reads_the_fps_camrec_reports():
    from conftest import REPO

    from camrec.bench import bench_video

    figures = bench_video(str(REPO / "sample_videos" / "plate.mp4"), [1, 2], repeats=1)
    assert [f["workers"] for f in figures] == [1, 2], figures
    assert all(f["fps_best"] > 0 and len(f["fps_runs"]) == 1 for f in figures), figures
    missing = bench_video(str(REPO / "nope.mp4"), [1], repeats=1)
    assert "error" in missing[0] and "nope.mp4" in missing[0]["error"]


def test_bench_times_the_original_apps_way_when_tensorflow_is_there():
    """`camrec bench` also times one Keras predict per crop (the original app's way) when TensorFlow is
    installed (the train extra, which CI installs); figures only, nothing timed is asserted."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "camrec", "bench", "--part", "classify", "--repeats", "5",
                           "--original", "yes", "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    original = figures["original"]
    assert original["keras_one_at_a_time_ms_median"] > 0 and original["speedup_vs_batch"] > 0
