"""onnxruntime backend: the fallback when LiteRT is not available."""

from __future__ import annotations

import numpy as np

from camrec.classify.base import ModelMeta, check_batch
from camrec.errors import CamrecError, MissingExtraError


class OnnxClassifier:
    name = "onnx"

    def __init__(self, meta: ModelMeta, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise MissingExtraError("onnxruntime", "runtime", "the onnx backend") from None
        self.meta = meta
        path = meta.file("onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise CamrecError(path, f"not a loadable .onnx model ({str(exc).splitlines()[0]})") from None
        inp = self._session.get_inputs()[0]
        self._input = inp.name
        self._rank = len(inp.shape)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        batch = check_batch(batch)
        if len(batch) == 0:
            return np.zeros((0, self.meta.n_classes), np.float32)
        feed = batch[..., None] if self._rank == 4 else batch
        return self._session.run(None, {self._input: feed})[0]
