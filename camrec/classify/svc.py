"""The SVC backend ("numpy"): HOG -> PCA -> RBF SVC, in numpy alone.

The model ships as a plain ``.npz`` of numeric arrays, opened with
``allow_pickle=False``: nothing is unpickled, so a model file cannot run
code, and scikit-learn is not needed at run time. The arrays (see
:data:`ARRAY_FORMAT`) are what scikit-learn's fitted ``SVC`` holds; the
libsvm one-vs-one decision function is re-implemented here and tested
against scikit-learn's ``decision_function``.

Probabilities: each class gets scikit-learn's one-vs-rest aggregation of the
45 pairwise decisions (votes plus a confidence term in (-1/3, 1/3) that
breaks ties), then a softmax with one temperature fitted on training
images held out from the SVC fit. This is about five times cheaper to
train than libsvm's ``probability=True`` (Platt scaling with internal
cross-validation) and keeps the SVC's own argmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import zipfile

import numpy as np

from camrec.classify.base import ModelMeta, check_batch
from camrec.errors import CamrecError
from camrec.features import hog, hog_dim

N_CLASSES = 10
N_PAIRS = N_CLASSES * (N_CLASSES - 1) // 2

ARRAY_FORMAT = {
    "hog_cells": "int32 (c,): HOG cell sizes in pixels, features of each concatenated in this order",
    "hog_bins": "int32 (): orientation bins per histogram",
    "pca_mean": "float32 (d,): mean HOG vector, subtracted before projection (d = HOG length)",
    "pca_components": "float32 (k, d): PCA axes; features = (hog - pca_mean) @ pca_components.T",
    "support_vectors": "float32 (m, k): support vectors in PCA space, grouped by class 0..9",
    "n_support": "int32 (10,): number of support vectors of each class (sums to m)",
    "dual_coef": "float64 (9, m): libsvm one-vs-one dual coefficients (sklearn SVC.dual_coef_)",
    "intercept": "float64 (45,): one-vs-one intercepts, pairs (0,1),(0,2)..(8,9) (sklearn SVC.intercept_)",
    "gamma": "float64 (): RBF kernel exp(-gamma * |x - sv|^2)",
    "temperature": "float64 (): softmax temperature applied to the one-vs-rest class scores",
}


@dataclass(frozen=True)
class SvcArrays:
    """The validated contents of ``svc.npz`` plus what is derived from them once."""

    cells: tuple[int, ...]
    bins: int
    pca_mean: np.ndarray
    pca_components: np.ndarray
    support_vectors: np.ndarray  # float64 copy, for exact decision values
    sv_sq_norms: np.ndarray
    pair_weights: np.ndarray  # (m, 45): dual coefficients laid out so decisions = K @ W + intercept
    intercept: np.ndarray
    n_support: np.ndarray
    gamma: float
    temperature: float


def project(features: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """PCA projection shared by training and run time: float32 in, float32 out."""
    return ((features - mean) @ components.T).astype(np.float32, copy=False)


def pair_weights(dual_coef: np.ndarray, n_support: np.ndarray) -> np.ndarray:
    """Lay libsvm's (9, m) dual coefficients out as an (m, 45) matrix.

    For the pair (i, j), i < j, libsvm sums ``dual_coef[j-1]`` over class i's
    support vectors and ``dual_coef[i]`` over class j's; with this matrix all
    45 decisions are a single product ``K @ W``.
    """
    starts = np.concatenate([[0], np.cumsum(n_support)])
    weights = np.zeros((dual_coef.shape[1], N_PAIRS), np.float64)
    k = 0
    for i in range(N_CLASSES):
        for j in range(i + 1, N_CLASSES):
            si, sj = slice(starts[i], starts[i + 1]), slice(starts[j], starts[j + 1])
            weights[si, k] = dual_coef[j - 1, si]
            weights[sj, k] = dual_coef[i, sj]
            k += 1
    return weights


def ovo_decision(x: np.ndarray, model: SvcArrays, chunk: int = 1024) -> np.ndarray:
    """(n, k) PCA features -> (n, 45) one-vs-one decision values (sklearn's ``decision_function``,
    ``decision_function_shape="ovo"``: positive favours the first class of the pair)."""
    out = np.empty((x.shape[0], N_PAIRS), np.float64)
    for start in range(0, x.shape[0], chunk):
        part = np.asarray(x[start : start + chunk], np.float64)
        sq = (part * part).sum(axis=1)[:, None] + model.sv_sq_norms[None, :] - 2.0 * part @ model.support_vectors.T
        np.maximum(sq, 0.0, out=sq)
        kernel = np.exp(-model.gamma * sq, out=sq)
        out[start : start + chunk] = kernel @ model.pair_weights + model.intercept
    return out


def _pair_matrices() -> tuple[np.ndarray, np.ndarray]:
    """(45, 10) indicator matrices of each pair's first and second class, pairs in libsvm order."""
    first = np.zeros((N_PAIRS, N_CLASSES))
    second = np.zeros((N_PAIRS, N_CLASSES))
    k = 0
    for i in range(N_CLASSES):
        for j in range(i + 1, N_CLASSES):
            first[k, i] = second[k, j] = 1.0
            k += 1
    return first, second


_FIRST, _SECOND = _pair_matrices()


def ovr_scores(decisions: np.ndarray) -> np.ndarray:
    """(n, 45) pairwise decisions -> (n, 10) class scores, as sklearn's one-vs-rest aggregation:
    votes plus the summed confidences squashed into (-1/3, 1/3) (they only break ties)."""
    wins = (decisions >= 0).astype(np.float64)
    votes = wins @ _FIRST + (1.0 - wins) @ _SECOND
    confidence = decisions @ (_FIRST - _SECOND)
    return votes + confidence / (3.0 * (np.abs(confidence) + 1.0))


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def class_scores(batch: np.ndarray, model: SvcArrays) -> np.ndarray:
    """(n, 28, 28) crops -> (n, 10) one-vs-rest scores (before the temperature softmax)."""
    features = hog(batch, model.cells, model.bins)
    x = project(features, model.pca_mean, model.pca_components)
    return ovr_scores(ovo_decision(x, model))


def _fail(path: Path, reason: str) -> CamrecError:
    return CamrecError(path, f"not a valid SVC model file: {reason}")


def arrays_from_dict(raw: dict[str, np.ndarray], path: Path | str = "<arrays>") -> SvcArrays:
    """Validate the npz arrays (names, dtypes, shapes, finiteness) and derive the run-time form."""
    path = Path(path)
    missing = [name for name in ARRAY_FORMAT if name not in raw]
    if missing:
        raise _fail(path, f"missing arrays {', '.join(missing)}")
    arrays = {}
    for name in ARRAY_FORMAT:
        value = np.asarray(raw[name])
        if value.dtype.kind not in "iuf":
            raise _fail(path, f"array {name!r} has dtype {value.dtype}, expected numbers")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise _fail(path, f"array {name!r} holds NaN or infinity")
        arrays[name] = value
    cells = arrays["hog_cells"]
    if cells.ndim != 1 or cells.size == 0 or (cells < 2).any() or (cells > 14).any():
        raise _fail(path, f"hog_cells must be 1-D cell sizes in 2..14, got {cells.tolist()}")
    bins = arrays["hog_bins"]
    if bins.shape != () or not 2 <= int(bins) <= 36:
        raise _fail(path, f"hog_bins must be a scalar in 2..36, got {bins.tolist()}")
    cells_t = tuple(int(c) for c in cells)
    d = hog_dim(cells_t, int(bins))
    mean, comps, svs = arrays["pca_mean"], arrays["pca_components"], arrays["support_vectors"]
    if mean.shape != (d,):
        raise _fail(path, f"pca_mean has shape {mean.shape}, HOG with these parameters has length {d}")
    if comps.ndim != 2 or comps.shape[1] != d or comps.shape[0] == 0:
        raise _fail(path, f"pca_components has shape {comps.shape}, expected (k, {d})")
    k = comps.shape[0]
    if svs.ndim != 2 or svs.shape[1] != k or svs.shape[0] == 0:
        raise _fail(path, f"support_vectors has shape {svs.shape}, expected (m, {k})")
    m = svs.shape[0]
    n_support = arrays["n_support"]
    if n_support.shape != (N_CLASSES,) or n_support.dtype.kind not in "iu" or (n_support < 0).any() \
            or int(n_support.sum()) != m:
        raise _fail(path, f"n_support {n_support.tolist()} does not describe {m} support vectors of 10 classes")
    if arrays["dual_coef"].shape != (N_CLASSES - 1, m):
        raise _fail(path, f"dual_coef has shape {arrays['dual_coef'].shape}, expected ({N_CLASSES - 1}, {m})")
    if arrays["intercept"].shape != (N_PAIRS,):
        raise _fail(path, f"intercept has shape {arrays['intercept'].shape}, expected ({N_PAIRS},)")
    for name in ("gamma", "temperature"):
        if arrays[name].shape != () or not float(arrays[name]) > 0:
            raise _fail(path, f"{name} must be a positive scalar, got {arrays[name].tolist()}")
    sv64 = np.ascontiguousarray(svs, np.float64)
    return SvcArrays(
        cells=cells_t, bins=int(bins),
        pca_mean=np.ascontiguousarray(mean, np.float32), pca_components=np.ascontiguousarray(comps, np.float32),
        support_vectors=sv64, sv_sq_norms=(sv64 * sv64).sum(axis=1),
        pair_weights=pair_weights(np.asarray(arrays["dual_coef"], np.float64), n_support.astype(np.int64)),
        intercept=np.asarray(arrays["intercept"], np.float64), n_support=n_support.astype(np.int64),
        gamma=float(arrays["gamma"]), temperature=float(arrays["temperature"]),
    )


def load_arrays(path: str | Path) -> SvcArrays:
    """Open ``svc.npz`` without unpickling anything; any defect -> :class:`CamrecError`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            raw = {name: npz[name] for name in npz.files}
    except ValueError as exc:  # object arrays need pickle: refused
        raise _fail(path, f"refused ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise _fail(path, f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    return arrays_from_dict(raw, path)


class SvcClassifier:
    """HOG + PCA + RBF SVC on numpy; ``threads`` is accepted for the common interface
    (numpy's BLAS decides its own threading)."""

    name = "numpy"

    def __init__(self, meta: ModelMeta, threads: int = 1) -> None:
        if meta.n_classes != N_CLASSES:
            raise CamrecError(meta.path, f"the SVC backend serves 10 classes, metadata lists {meta.n_classes}")
        self.meta = meta
        self.threads = threads
        self.model = load_arrays(meta.file("npz"))

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """(n, 28, 28) float32 in [0, 1] -> (n, 10) probabilities, rows summing to 1."""
        batch = check_batch(batch)
        if batch.shape[0] == 0:
            return np.zeros((0, N_CLASSES), np.float32)
        return softmax(class_scores(batch, self.model), self.model.temperature)
