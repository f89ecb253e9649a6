"""Train the CNN (any Keras 3 backend) and save it with its training record.

The network is a compact 5-conv BatchNorm net (about 0.4 M parameters, under
1 MB as int8) rather than the classic 1.2 M-parameter MNIST CNN: it reaches
higher accuracy with augmentation and exports small. BatchNorm momentum is
0.9 so the moving statistics are current after short runs.

Training data per epoch: all of MNIST train plus the training fonts
(replicated), every image freshly augmented (:mod:`camrec.train.augment`);
the next epoch is augmented in a background thread while this one trains.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from camrec.datasets.fonts import FontGlyphs
from camrec.datasets.mnist import DigitSet
from camrec.errors import MissingExtraError
from camrec.train.augment import augment_batch

CLASSES = [str(d) for d in range(10)]


@dataclass(frozen=True)
class CnnTrainConfig:
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0
    font_repeats: int = 8  # each training-font glyph appears this often per epoch
    augment: bool = True
    limit: int | None = None  # use only the first N MNIST training images (smoke tests)


def _keras():
    try:
        import keras
    except ImportError:
        raise MissingExtraError("keras", "train", "training the CNN") from None
    return keras


def build_model(n_classes: int = 10):
    """The compact CNN: input (28,28,1) float in [0,1], output softmax probs."""
    keras = _keras()
    layers = keras.layers

    def conv(x, filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input((28, 28, 1), name="digits")
    x = conv(inputs, 32)
    x = conv(x, 32)
    x = layers.MaxPooling2D()(x)  # 14
    x = conv(x, 64)
    x = conv(x, 64)
    x = layers.MaxPooling2D()(x)  # 7
    x = conv(x, 128)
    x = layers.MaxPooling2D()(x)  # 3
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(256, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="camrec_cnn")


def training_arrays(mnist: DigitSet, fonts: FontGlyphs | None, cfg: CnnTrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """MNIST train (optionally limited) plus the replicated training fonts."""
    images = mnist.images[: cfg.limit].astype(np.float32) / 255.0
    labels = mnist.labels[: cfg.limit]
    if fonts is not None and cfg.font_repeats > 0:
        font_x, font_y = fonts.split(held_out=False)
        images = np.concatenate([images] + [font_x] * cfg.font_repeats)
        labels = np.concatenate([labels] + [font_y] * cfg.font_repeats)
    return images.astype(np.float32), labels.astype(np.int32)


def train_cnn(mnist_train: DigitSet, mnist_test: DigitSet, fonts: FontGlyphs | None,
              cfg: CnnTrainConfig, out_dir: Path, command: str) -> Path:
    """Train, evaluate in Keras, save ``cnn.keras`` and ``cnn.train.json``; return the .keras path."""
    keras = _keras()
    from tqdm.auto import tqdm

    keras.utils.set_random_seed(cfg.seed)
    x, y = training_arrays(mnist_train, fonts, cfg)
    model = build_model(len(CLASSES))
    steps = cfg.epochs * int(np.ceil(len(x) / cfg.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(
        cfg.learning_rate * 0.1, steps, alpha=0.01,
        warmup_target=cfg.learning_rate, warmup_steps=max(1, steps // 20))
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def prepare(epoch: int) -> np.ndarray:
        return augment_batch(x, seed=cfg.seed * 1000 + epoch) if cfg.augment else x

    test_x = mnist_test.images.astype(np.float32)[..., None] / 255.0
    history = []
    started = time.time()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(prepare, 0)
        bar = tqdm(range(cfg.epochs), desc="train cnn", unit="epoch", file=sys.stderr)
        for epoch in bar:
            epoch_x = pending.result()
            if epoch + 1 < cfg.epochs:
                pending = pool.submit(prepare, epoch + 1)
            order = np.random.default_rng([cfg.seed, epoch]).permutation(len(x))
            fit = model.fit(epoch_x[order][..., None], y[order], batch_size=cfg.batch_size,
                            epochs=1, verbose=0, shuffle=False)
            _, test_acc = model.evaluate(test_x, mnist_test.labels, batch_size=1000, verbose=0)
            record = {"epoch": epoch + 1, "loss": float(fit.history["loss"][-1]),
                      "train_accuracy": float(fit.history["accuracy"][-1]), "test_accuracy": float(test_acc)}
            history.append(record)
            bar.set_postfix(loss=f"{record['loss']:.4f}", test=f"{test_acc:.4%}")
    seconds = time.time() - started

    out_dir.mkdir(parents=True, exist_ok=True)
    keras_path = out_dir / "cnn.keras"
    model.save(keras_path)
    record = {
        "config": asdict(cfg),
        "command": command,
        "classes": CLASSES,
        "keras_backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "platform": platform.platform(),
        "train_seconds": round(seconds, 1),
        "train_images": int(len(x)),
        "mnist_train_sha256": mnist_train.sha256,
        "mnist_test_sha256": mnist_test.sha256,
        "font_glyphs_train": 0 if fonts is None else int((~fonts.held_out).sum()),
        "history": history,
        "keras_test_accuracy": history[-1]["test_accuracy"] if history else None,
    }
    (out_dir / "cnn.train.json").write_text(json.dumps(record, indent=2))
    return keras_path


def keras_backend_has_tensorflow() -> bool:
    """Export needs TensorFlow; training alone runs under any Keras backend."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return False
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True
