"""Export a trained ``cnn.keras`` to the runtime formats and write its metadata.

Two files for two runtimes: a dynamic-range int8 ``.tflite`` (LiteRT, the
default; weights int8, activations float) and an fp32 ``.onnx``
(onnxruntime, the fallback). Accuracy is measured through the *runtime*
backends, not Keras, because that is what users run; the two files must agree.
Needs TensorFlow as the Keras backend.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import numpy as np

from camrec.classify.base import INPUT_FORMAT, load_meta, open_classifier
from camrec.datasets.fonts import FontGlyphs
from camrec.datasets.mnist import DigitSet
from camrec.errors import CamrecError, MissingExtraError
from camrec.evaluate import predict_all

log = logging.getLogger("camrec")


def _tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError:
        raise MissingExtraError("tensorflow", "train", "exporting the CNN") from None
    return tf


def to_tflite(model, path: Path) -> None:
    tf = _tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic-range int8 weights
    path.write_bytes(converter.convert())


def to_onnx(model, path: Path) -> None:
    model.export(str(path), format="onnx", verbose=False)


def export_cnn(train_dir: Path, out_dir: Path, test: DigitSet, fonts: FontGlyphs | None) -> Path:
    """Write cnn.tflite, cnn.onnx, cnn.json into ``out_dir``; return the JSON path."""
    _tensorflow()
    import keras

    train_dir, out_dir = Path(train_dir), Path(out_dir)
    keras_path = train_dir / "cnn.keras"
    record_path = train_dir / "cnn.train.json"
    if not keras_path.is_file():
        raise CamrecError(keras_path, "trained model not found (run: camrec train cnn)")
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    if record.get("mnist_test_sha256", test.sha256) != test.sha256:
        raise CamrecError(record_path, "trained against a different MNIST test file than the one given")
    model = keras.saving.load_model(keras_path, compile=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s -> %s (.tflite int8, .onnx)", keras_path, out_dir)
    to_tflite(model, out_dir / "cnn.tflite")
    to_onnx(model, out_dir / "cnn.onnx")
    # Re-saved without optimizer state: a third of the size, same weights.
    model.save(out_dir / "cnn.keras")

    meta = {
        "model": "cnn",
        "classes": record.get("classes", [str(d) for d in range(10)]),
        "input": INPUT_FORMAT,
        "files": {"tflite": "cnn.tflite", "onnx": "cnn.onnx", "keras": "cnn.keras"},
        "preprocessing": "ink fitted (aspect kept) into a 20x20 box, centre of mass at (14,14) of 28x28; "
        "white ink on black; values in [0,1] (camrec.normalize.to_mnist)",
        "architecture": "5 conv (32,32,64,64,128; 3x3, BatchNorm momentum 0.9, ReLU, 3 max-pools) + "
        "dense 256 (BatchNorm, dropout 0.3) + softmax",
        "parameters": int(model.count_params()),
        "training_command": record.get("command"),
        "seed": record.get("config", {}).get("seed"),
        "training": {k: record.get(k) for k in ("config", "keras_backend", "keras_version", "platform",
                                                 "train_seconds", "train_images", "font_glyphs_train")},
        "mnist_train_sha256": record.get("mnist_train_sha256"),
        "mnist_test_sha256": test.sha256,
        "date": dt.date.today().isoformat(),
        "accuracy": {},
    }
    json_path = out_dir / "cnn.json"
    json_path.write_text(json.dumps(meta, indent=2))

    test_x = test.images.astype(np.float32) / 255.0
    preds = {}
    for backend in ("litert", "onnx"):
        probs = predict_all(open_classifier("cnn", backend, out_dir), test_x)
        preds[backend] = probs.argmax(1)
        meta["accuracy"][f"mnist-test/{backend}"] = round(float((preds[backend] == test.labels).mean()), 5)
    meta["accuracy"]["mnist-test"] = meta["accuracy"]["mnist-test/litert"]
    meta["accuracy"]["litert-onnx-argmax-agreement"] = round(float((preds["litert"] == preds["onnx"]).mean()), 5)
    if record.get("keras_test_accuracy") is not None:
        meta["accuracy"]["mnist-test/keras"] = round(record["keras_test_accuracy"], 5)
    if fonts is not None:
        fx, fy = fonts.split(held_out=True)
        if len(fy):
            pred = predict_all(open_classifier("cnn", "litert", out_dir), fx).argmax(1)
            meta["accuracy"]["fonts-held-out"] = round(float((pred == fy).mean()), 5)
            meta["accuracy"]["fonts-held-out-n"] = int(len(fy))
            meta["accuracy"]["fonts-held-out-families"] = sorted(set(fonts.family[fonts.held_out].tolist()))
    json_path.write_text(json.dumps(meta, indent=2))
    load_meta(json_path)  # what we wrote must pass our own loader
    log.info("accuracy: %s", {k: v for k, v in meta["accuracy"].items() if not k.endswith("families")})
    return json_path
