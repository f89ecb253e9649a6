"""Speed figures (``camrec bench``): printed, never asserted in tests.

Measures what issue #3 promises: classifying a batch of 20 crops with the
default backend (median and p95 over many runs, after warm-up), the same 20
crops one call each (the original app's way), and the cold cost of
``import camrec`` plus loading the default model, in a fresh interpreter so
nothing is cached, with a check that TensorFlow was not imported.

And what issue #4 promises for the whole recognizer (:func:`bench_pipeline`):
per-stage milliseconds (median, p95) on generated 1280x720 frames with about
20 digits, frames per second, the frames' crops classified one at a time for
comparison, the cold wall time of ``python -m camrec --image one.jpg --json``
(:func:`cold_start_image`) and peak memory (:func:`peak_memory_mb`).

And what issue #5 promises for video files (:func:`bench_video`): the frames per second that
``camrec --video CLIP --no-window --json`` itself reports, in fresh processes, on one process and on
the default worker processes.
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import time

import numpy as np

from camrec.classify.base import Classifier

COLD_START = """
import time, sys, json
t0 = time.perf_counter()
import camrec
from camrec.classify import open_classifier
clf = open_classifier({model!r}, {backend!r})
t1 = time.perf_counter()
clf.predict(__import__('numpy').zeros((20, 28, 28), 'float32'))
t2 = time.perf_counter()
print(json.dumps({{"import_and_load_s": t1 - t0, "first_predict_s": t2 - t1,
                  "backend": clf.name, "tensorflow_imported": "tensorflow" in sys.modules}}))
"""


def time_calls(fn, repeats: int, warmup: int = 5) -> np.ndarray:
    """Milliseconds per call of ``fn()``."""
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - start) * 1000
    return out


def bench_classifier(classifier: Classifier, n_crops: int = 20, repeats: int = 300, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    crops = (rng.random((n_crops, 28, 28)) > 0.8).astype(np.float32)
    batched = time_calls(lambda: classifier.predict(crops), repeats)
    single = time_calls(lambda: [classifier.predict(crops[i : i + 1]) for i in range(n_crops)],
                        max(20, repeats // 5))
    return {
        "crops": n_crops,
        "batch_ms_median": round(float(np.median(batched)), 3),
        "batch_ms_p95": round(float(np.percentile(batched, 95)), 3),
        "one_at_a_time_ms_median": round(float(np.median(single)), 3),
        "speedup": round(float(np.median(single) / np.median(batched)), 1),
    }


def bench_original_way(batch_ms_median: float, n_crops: int = 20, repeats: int = 5, seed: int = 0) -> dict:
    """The original pygame app's way: one Keras ``predict`` per crop (needs TensorFlow)."""
    from camrec.classify import open_classifier

    keras_clf = open_classifier("cnn", "keras")
    crops = (np.random.default_rng(seed).random((n_crops, 28, 28)) > 0.8).astype(np.float32)
    per_crop = time_calls(lambda: [keras_clf.predict(crops[i : i + 1]) for i in range(n_crops)], repeats,
                          warmup=1)
    median = float(np.median(per_crop))
    return {"keras_one_at_a_time_ms_median": round(median, 1), "speedup_vs_batch": round(median / batch_ms_median, 1)}


def cold_start(model: str, backend: str | None, repeats: int = 3) -> dict:
    """Best of a few fresh interpreters: import camrec + open the model."""
    runs = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", COLD_START.format(model=model, backend=backend)],
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["import_and_load_s"])
    best["import_and_load_s"] = round(best["import_and_load_s"], 3)
    best["first_predict_s"] = round(best["first_predict_s"], 4)
    best["tensorflow_imported"] = any(r["tensorflow_imported"] for r in runs)
    return best


# ------------------------------------------------------------- whole pipeline
def bench_pipeline(recognizer, frames: list[np.ndarray], repeats: int = 3) -> dict:
    """Per-stage ms (median, p95 over all frames x repeats), frames/s, batch vs one-crop-at-a-time.

    ``recognizer`` is a :class:`camrec.pipeline.Recognizer`; ``frames`` BGR
    images (e.g. from :func:`camrec.synth.bench_frames`). The one-at-a-time
    figure re-classifies the crops each frame produced, one ``predict`` call
    per crop, as the original app did.
    """
    for frame in frames[:2]:  # warm-up
        recognizer.process(frame)
    gc.freeze()  # as the run modes do: what exists now is not walked by the garbage collector again
    stages: dict[str, list[float]] = {}
    wall, crops = [], []
    for _ in range(repeats):
        for frame in frames:
            start = time.perf_counter()
            result = recognizer.process(frame)
            wall.append((time.perf_counter() - start) * 1000)
            for name, ms in result.timing_ms.items():
                stages.setdefault(name, []).append(ms)
            if _ == 0:
                crops.append(result.crops if result.crops is not None else np.zeros((0, 28, 28), np.float32))
    gc.unfreeze()
    clf = recognizer.classifier
    batch_ms, single_ms = [], []
    for batch in crops:
        batch = np.ascontiguousarray(batch, np.float32)
        if not len(batch):
            continue
        batch_ms.append(float(np.median(time_calls(lambda: clf.predict(batch), 10, warmup=2))))
        single_ms.append(float(np.median(time_calls(
            lambda: [clf.predict(batch[i: i + 1]) for i in range(len(batch))], 3, warmup=1))))
    per_stage = {name: {"median": round(float(np.median(v)), 3), "p95": round(float(np.percentile(v, 95)), 3)}
                 for name, v in stages.items()}
    n_digits = [len(c) for c in crops]
    return {
        "frames": len(frames), "repeats": repeats,
        "size": f"{frames[0].shape[1]}x{frames[0].shape[0]}" if frames else "",
        "digits_per_frame_median": float(np.median(n_digits)) if n_digits else 0.0,
        "stages_ms": per_stage,
        "frame_ms_median": round(float(np.median(wall)), 3),
        "frame_ms_p95": round(float(np.percentile(wall, 95)), 3),
        "fps": round(1000.0 / float(np.median(wall)), 1),
        "classify_batch_ms_median": round(float(np.median(batch_ms)), 3) if batch_ms else None,
        "classify_one_at_a_time_ms_median": round(float(np.median(single_ms)), 3) if single_ms else None,
        "batch_speedup": round(float(np.median(single_ms) / np.median(batch_ms)), 1) if batch_ms else None,
    }


def cold_start_image(image_path: str, model: str = "cnn", backend: str | None = None, repeats: int = 3) -> dict:
    """Wall time of ``python -m camrec --image PATH --json`` in fresh processes (best and all runs)."""
    cmd = [sys.executable, "-m", "camrec", "--image", str(image_path), "--json", "--model", model]
    if backend:
        cmd += ["--backend", backend]
    runs, rc, out = [], 0, ""
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        rc = rc or done.returncode
        out = done.stdout.strip() or done.stderr.strip()[-300:]
    try:
        digits = len(json.loads(out.splitlines()[0])["digits"]) if rc == 0 else None
    except (ValueError, KeyError, IndexError):
        digits = None
    # One more run, wrapped, to read the child's own peak memory (VmHWM is reset at exec,
    # unlike ru_maxrss, which a forked child inherits from this big process).
    done = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *cmd[3:]], capture_output=True, text=True)
    peak = None
    for line in done.stderr.splitlines():
        if line.startswith("CAMREC_PEAK_KB "):
            peak = round(int(line.split()[1]) / 1024, 1)
    return {"wall_s_best": round(min(runs), 3), "wall_s_runs": [round(r, 3) for r in runs], "exit_code": rc,
            "digits": digits, "peak_memory_mb": peak, **({"error": out} if rc else {})}


PEAK_WRAPPER = """
import runpy, sys, resource
sys.argv = ["camrec"] + sys.argv[1:]
try:
    runpy.run_module("camrec", run_name="__main__")
except SystemExit:
    pass
finally:
    kb = None
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                kb = int(line.split()[1])
    except OSError:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
    print("CAMREC_PEAK_KB", kb, file=sys.stderr)
"""


def peak_memory_mb() -> float:
    """Peak resident memory (ru_maxrss) of this process, in MiB."""
    import resource

    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / per_mb, 1)


def bench_video(clip: str, workers: list[int | None], repeats: int = 2) -> list[dict]:
    """``camrec --video CLIP --no-window --json`` (output discarded) in fresh processes, per entry of
    ``workers`` (None: the default): the processing frames per second it reports, best of ``repeats``."""
    out = []
    for count in workers:
        cmd = [sys.executable, "-m", "camrec", "--video", clip, "--no-window", "--json"]
        if count is not None:
            cmd += ["--workers", str(count)]
        runs, line = [], ""
        for _ in range(repeats):
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            found = [ln for ln in done.stderr.splitlines() if "fps processing" in ln]
            if done.returncode != 0 or not found:
                return out + [{"workers": count, "error": (done.stderr.strip().splitlines() or ["?"])[-1]}]
            line = found[-1]
            runs.append(float(re.search(r"([0-9.]+) fps processing", line).group(1)))
        on = re.search(r"on (\d+) worker processes", line)
        out.append({"workers": int(on.group(1)) if on else 1, "fps_best": max(runs), "fps_runs": runs})
    return out
