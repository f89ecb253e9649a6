"""Keras backend: the trained ``.keras`` model itself, for parity checks.

Slow to import (TensorFlow, ~3 s) and ~40 ms per call: never the frame loop's
choice, only for checking that the exported files agree with the original.
"""

from __future__ import annotations

import numpy as np

from camrec.classify.base import ModelMeta, check_batch
from camrec.errors import CamrecError, MissingExtraError


class KerasClassifier:
    name = "keras"

    def __init__(self, meta: ModelMeta, threads: int = 1) -> None:
        try:
            import keras
        except ImportError:
            raise MissingExtraError("tensorflow", "train", "the keras backend") from None
        self.meta = meta
        path = meta.file("keras")
        try:
            self._model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except (OSError, ValueError) as exc:
            raise CamrecError(path, f"not a loadable .keras model ({exc})") from None

    def predict(self, batch: np.ndarray) -> np.ndarray:
        batch = check_batch(batch)
        if len(batch) == 0:
            return np.zeros((0, self.meta.n_classes), np.float32)
        return np.asarray(self._model.predict(batch[..., None], batch_size=1024, verbose=0))
