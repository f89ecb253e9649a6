"""The classifier interface, model metadata, and the one place models are opened.

Every backend takes a batch of MNIST-format crops, ``(n, 28, 28)`` float32 in
[0, 1], white ink on black, and returns class probabilities ``(n, C)`` where
``C = len(meta.classes)`` (10 digits, or 11 with a "not a digit" class). Any
n works, including 0. A model file is only opened together with its metadata
JSON, and the metadata must say it expects exactly this input: so the
preprocessing can never drift from what the model was trained on.

Heavy runtimes (LiteRT, onnxruntime, TensorFlow) are imported only inside
their backend module, when that backend is opened.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from camrec.errors import CamrecError

INPUT_SHAPE = [28, 28]
INPUT_FORMAT = {"shape": INPUT_SHAPE, "dtype": "float32", "range": [0.0, 1.0], "polarity": "white-on-black"}


@runtime_checkable
class Classifier(Protocol):
    """What the pipeline needs from a classifier."""

    meta: "ModelMeta"
    name: str  # backend name, e.g. "litert"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """(n, 28, 28) float32 -> (n, len(meta.classes)) probabilities, rows summing to 1."""
        ...


@dataclass(frozen=True)
class ModelMeta:
    """The metadata JSON that travels beside every model file."""

    model: str  # "cnn" or "svc"
    classes: list[str]
    input: dict
    files: dict[str, str]  # format -> file name in the same folder, e.g. {"tflite": "cnn.tflite"}
    path: Path  # the JSON file itself
    extra: dict = field(default_factory=dict)  # accuracy, training command, checksums, date...

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def file(self, fmt: str) -> Path:
        if fmt not in self.files:
            raise CamrecError(self.path, f"metadata lists no {fmt!r} file (has: {', '.join(self.files) or 'none'})")
        target = self.path.parent / self.files[fmt]
        if not target.is_file():
            raise CamrecError(target, f"model file listed in {self.path.name} is missing")
        return target


def load_meta(path: str | Path) -> ModelMeta:
    """Read and validate a model metadata JSON; refuse anything inconsistent."""
    path = Path(path)
    if not path.is_file():
        raise CamrecError(path, "model metadata not found; a model is only loaded with its metadata JSON")
    try:
        raw = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CamrecError(path, f"model metadata is not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise CamrecError(path, "model metadata must be a JSON object")
    missing = [k for k in ("model", "classes", "input", "files") if k not in raw]
    if missing:
        raise CamrecError(path, f"model metadata lacks {', '.join(missing)}")
    classes = raw["classes"]
    if not (isinstance(classes, list) and classes[:10] == [str(d) for d in range(10)] and len(classes) in (10, 11)):
        raise CamrecError(path, f"classes must be '0'..'9' (plus one reject class), got {classes!r}")
    spec = raw["input"]
    for key, want in INPUT_FORMAT.items():
        if not isinstance(spec, dict) or spec.get(key) != want:
            got = spec.get(key) if isinstance(spec, dict) else spec
            raise CamrecError(path, f"model expects input {key}={got!r}; camrec feeds {want!r}")
    if not isinstance(raw["files"], dict) or not raw["files"]:
        raise CamrecError(path, "metadata 'files' must map formats to file names")
    extra = {k: v for k, v in raw.items() if k not in ("model", "classes", "input", "files")}
    return ModelMeta(str(raw["model"]), list(classes), dict(spec), dict(raw["files"]), path, extra)


# backend name -> (module, class, model kinds it serves, metadata file key)
BACKENDS: dict[str, tuple[str, str]] = {
    "litert": ("camrec.classify.litert", "LiteRTClassifier"),
    "onnx": ("camrec.classify.onnx", "OnnxClassifier"),
    "keras": ("camrec.classify.keras", "KerasClassifier"),
    "numpy": ("camrec.classify.svc", "SvcClassifier"),
}
DEFAULT_BACKEND = {"cnn": "litert", "svc": "numpy"}
FALLBACK = {"litert": "onnx"}


def default_threads() -> int:
    """Two where there are two cores: LiteRT classified 20 crops in 0.62 ms on two threads against 1.12 ms
    on one, and 60 in 1.89 against 3.45 ms, on the 2-core development machine (the rest of the frame
    waits for it meanwhile)."""
    return max(1, min(2, os.cpu_count() or 1))


def open_classifier(model: str = "cnn", backend: str | None = None, models_dir: str | Path | None = None,
                    threads: int | None = None) -> Classifier:
    """Open ``models_dir/<model>.json`` with a backend (default: the fastest for that model) running on
    ``threads`` threads (default: :func:`default_threads`).

    If the default backend's runtime is not installed, the fallback (LiteRT ->
    onnxruntime) is tried; an explicitly chosen backend is never swapped.
    """
    from camrec.errors import MissingExtraError

    threads = threads or default_threads()

    folder = Path(models_dir) if models_dir is not None else default_models_dir()
    meta = load_meta(folder / f"{model}.json")
    if meta.model != model:
        raise CamrecError(meta.path, f"metadata describes model {meta.model!r}, not {model!r}")
    chosen = backend or DEFAULT_BACKEND.get(model, "onnx")
    if chosen not in BACKENDS:
        raise CamrecError("--backend", f"unknown backend {chosen!r}; choose from {', '.join(BACKENDS)}")
    try:
        return _instantiate(chosen, meta, threads)
    except MissingExtraError:
        if backend is None and chosen in FALLBACK:
            return _instantiate(FALLBACK[chosen], meta, threads)
        raise


def _instantiate(backend: str, meta: ModelMeta, threads: int) -> Classifier:
    module_name, class_name = BACKENDS[backend]
    cls = getattr(import_module(module_name), class_name)
    return cls(meta, threads=threads)


def default_models_dir() -> Path:
    """``models/`` at the top of the checkout (where the shipped models live)."""
    return Path(__file__).resolve().parents[2] / "models"


def check_batch(batch: np.ndarray) -> np.ndarray:
    """Validate and coerce a batch to contiguous (n, 28, 28) float32."""
    batch = np.asarray(batch, dtype=np.float32)
    if batch.ndim != 3 or batch.shape[1:] != (28, 28):
        raise ValueError(f"expected a batch of shape (n, 28, 28), got {batch.shape}")
    return np.ascontiguousarray(batch)
