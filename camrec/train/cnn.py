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
REJECT_CLASS = "not-a-digit"


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
    negative_share: float = 0.3  # with negatives: this many per digit image, drawn afresh each epoch
    positive_repeats: int = 3  # each scene positive (a camera crop of a real digit) appears this often per epoch
    init: str | None = None  # start from this saved model (fine-tuning; a 10-class one gains the 11th class)
    reject_prior_shift: float = 2.0  # after training, the "not a digit" logit is lowered by this (see train_cnn)
    negatives_files: tuple = ()  # "name sha256" of each negatives file used (recorded, not read)


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


def training_arrays(mnist: DigitSet, fonts: FontGlyphs | None, cfg: CnnTrainConfig,
                    positives: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST train (optionally limited) plus the replicated training fonts and scene positives (the digit
    classes)."""
    images = mnist.images[: cfg.limit].astype(np.float32) / 255.0
    labels = mnist.labels[: cfg.limit]
    if fonts is not None and cfg.font_repeats > 0:
        font_x, font_y = fonts.split(held_out=False)
        images = np.concatenate([images] + [font_x] * cfg.font_repeats)
        labels = np.concatenate([labels] + [font_y] * cfg.font_repeats)
    if positives is not None and len(positives[0]) and cfg.positive_repeats > 0:
        pos_x = positives[0].astype(np.float32) / (255.0 if positives[0].dtype == np.uint8 else 1.0)
        images = np.concatenate([images] + [pos_x] * cfg.positive_repeats)
        labels = np.concatenate([labels] + [positives[1]] * cfg.positive_repeats)
    return images.astype(np.float32), labels.astype(np.int32)


def start_from(path: str, n_classes: int):
    """A saved model to fine-tune; a 10-class one gets an 11th output (its digit weights kept, the new
    class's weights zero and bias -2, so it starts as the old model with 'not a digit' unlikely)."""
    keras = _keras()
    old = keras.saving.load_model(path)
    old_classes = int(old.output.shape[-1])
    if old_classes == n_classes:
        return old
    if (old_classes, n_classes) != (10, 11):
        raise ValueError(f"cannot start a {n_classes}-class model from a {old_classes}-class one")
    model = build_model(n_classes)
    for new_layer, old_layer in zip(model.layers, old.layers):
        if new_layer.name == "probs":
            kernel, bias = old_layer.get_weights()
            new_layer.set_weights([np.concatenate([kernel, np.zeros((kernel.shape[0], 1), kernel.dtype)], 1),
                                   np.concatenate([bias, np.full(1, -2.0, bias.dtype)])])
        else:
            new_layer.set_weights(old_layer.get_weights())
    return model


def train_cnn(mnist_train: DigitSet, mnist_test: DigitSet, fonts: FontGlyphs | None,
              cfg: CnnTrainConfig, out_dir: Path, command: str, negatives: np.ndarray | None = None,
              positives: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    """Train, evaluate in Keras, save ``cnn.keras`` and ``cnn.train.json``; return the .keras path.

    With ``negatives`` ((n,28,28) "not a digit" crops) the model gets an 11th
    class; each epoch mixes in a fresh sample of them. ``positives`` ((m,28,28) crops, (m,) labels): camera
    crops of real digits from the same scenes, added to the digit classes.
    """
    keras = _keras()
    from tqdm.auto import tqdm

    keras.utils.set_random_seed(cfg.seed)
    digits_x, digits_y = training_arrays(mnist_train, fonts, cfg, positives)
    classes = CLASSES + ([REJECT_CLASS] if negatives is not None else [])
    per_epoch_negatives = 0
    if negatives is not None:
        negatives = negatives.astype(np.float32) / (255.0 if negatives.dtype == np.uint8 else 1.0)
        per_epoch_negatives = min(len(negatives), int(cfg.negative_share * len(digits_x)))
    n_epoch = len(digits_x) + per_epoch_negatives
    model = start_from(cfg.init, len(classes)) if cfg.init else build_model(len(classes))
    steps = cfg.epochs * int(np.ceil(n_epoch / cfg.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(
        cfg.learning_rate * 0.1, steps, alpha=0.01,
        warmup_target=cfg.learning_rate, warmup_steps=max(1, steps // 20))
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def prepare(epoch: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = digits_x, digits_y
        if per_epoch_negatives:
            pick = np.random.default_rng([cfg.seed, epoch, 10]).choice(len(negatives), per_epoch_negatives,
                                                                       replace=False)
            x = np.concatenate([x, negatives[pick]])
            y = np.concatenate([y, np.full(per_epoch_negatives, 10, np.int32)])
        return (augment_batch(x, seed=cfg.seed * 1000 + epoch) if cfg.augment else x), y

    test_x = mnist_test.images.astype(np.float32)[..., None] / 255.0
    history: list[dict] = []
    started = time.time()
    out_dir.mkdir(parents=True, exist_ok=True)

    def save(shifted_accuracy: float | None = None) -> None:
        """``shifted_accuracy``: the test accuracy after the reject-prior shift, once it is done."""
        model.save(out_dir / "cnn.keras")
        record = {
            "config": asdict(cfg),
            "command": command,
            "classes": classes,
            "keras_backend": keras.backend.backend(),
            "keras_version": keras.__version__,
            "platform": platform.platform(),
            "train_seconds": round(time.time() - started, 1),
            "epochs_done": len(history),
            "train_images": int(n_epoch),
            "negatives_available": 0 if negatives is None else int(len(negatives)),
            "negatives_per_epoch": per_epoch_negatives,
            "scene_positives": 0 if positives is None else len(positives[0]),
            "mnist_train_sha256": mnist_train.sha256,
            "mnist_test_sha256": mnist_test.sha256,
            "font_glyphs_train": 0 if fonts is None else int((~fonts.held_out).sum()),
            "history": history,
            "reject_prior_shift": cfg.reject_prior_shift if shifted_accuracy is not None else 0.0,
            "keras_test_accuracy": (shifted_accuracy if shifted_accuracy is not None
                                    else history[-1]["test_accuracy"] if history else None),
        }
        (out_dir / "cnn.train.json").write_text(json.dumps(record, indent=2))

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(prepare, 0)
        bar = tqdm(range(cfg.epochs), desc="train cnn", unit="epoch", file=sys.stderr)
        for epoch in bar:
            epoch_x, epoch_y = pending.result()
            if epoch + 1 < cfg.epochs:
                pending = pool.submit(prepare, epoch + 1)
            order = np.random.default_rng([cfg.seed, epoch]).permutation(len(epoch_x))
            fit = model.fit(epoch_x[order][..., None], epoch_y[order], batch_size=cfg.batch_size,
                            epochs=1, verbose=0, shuffle=False)
            _, test_acc = model.evaluate(test_x, mnist_test.labels, batch_size=1000, verbose=0)
            record = {"epoch": epoch + 1, "loss": float(fit.history["loss"][-1]),
                      "train_accuracy": float(fit.history["accuracy"][-1]), "test_accuracy": float(test_acc)}
            history.append(record)
            bar.set_postfix(loss=f"{record['loss']:.4f}", test=f"{test_acc:.4%}")
            save()  # every epoch, so an interrupted run still leaves a usable model
    if per_epoch_negatives and cfg.reject_prior_shift:
        # Prior correction: training shows a "not a digit" every ~4 images, far more than a page of digits
        # does, and the class then takes ~0.2 % of clean MNIST digits. Lowering its logit makes the model's
        # own argmax favour digits; the pipeline's reject threshold (reject_class_threshold) is set for
        # the shifted output.
        last = model.get_layer("probs")
        kernel, bias = last.get_weights()
        bias[10] -= cfg.reject_prior_shift
        last.set_weights([kernel, bias])
        _, test_acc = model.evaluate(test_x, mnist_test.labels, batch_size=1000, verbose=0)
        save(float(test_acc))
    return out_dir / "cnn.keras"


def keras_backend_has_tensorflow() -> bool:
    """Export needs TensorFlow; training alone runs under any Keras backend."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return False
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True
