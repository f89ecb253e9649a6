"""Speed figures (``camrec bench``): printed, never asserted in tests.

Measures what issue #3 promises: classifying a batch of 20 crops with the
default backend (median and p95 over many runs, after warm-up), the same 20
crops one call each (the original app's way), and the cold cost of
``import camrec`` plus loading the default model, in a fresh interpreter so
nothing is cached, with a check that TensorFlow was not imported.
"""

from __future__ import annotations

import json
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
