"""Imports point downward (DESIGN.md layers); heavy runtimes stay in their backend."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "camrec"

# Lower number = lower layer. A module may import only its own layer or below.
LAYERS = {
    "camrec": 0, "camrec.__init__": 0, "camrec.types": 0, "camrec.config": 0, "camrec.timing": 0,
    "camrec.errors": 0, "camrec.geometry": 0,
    "camrec.normalize": 1, "camrec.preprocess": 1, "camrec.big": 1, "camrec.segment": 1, "camrec.split": 1, "camrec.group": 1,
    "camrec.reject": 1, "camrec.track": 1, "camrec.crop": 1, "camrec.features": 1, "camrec.classify": 1, "camrec.datasets": 1,
    "camrec.sources": 2, "camrec.render": 2, "camrec.output": 2, "camrec.profiles": 2,
    "camrec.pipeline": 3, "camrec.parallel": 3,
    "camrec.ui": 4, "camrec.train": 4, "camrec.evaluate": 4, "camrec.bench": 4, "camrec.synth": 4,
    "camrec.scenes": 4, "camrec.calibrate": 4, "camrec.videoscore": 4,
    "camrec.cli": 5, "camrec.__main__": 5,
}
HEAVY = {"tensorflow", "keras", "ai_edge_litert", "onnxruntime", "sklearn", "matplotlib", "PIL"}
HEAVY_ALLOWED = ("camrec.train", "camrec.classify.litert", "camrec.classify.onnx", "camrec.classify.keras",
                 "camrec.evaluate", "camrec.datasets.fonts", "camrec.synth")


def layer_of(module: str) -> int:
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in LAYERS:
            return LAYERS[".".join(parts[:i])]
    raise AssertionError(f"{module} has no layer in tests/test_layers.py: add it")


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        yield name.removesuffix(".__init__") if name.endswith(".__init__") else name, path


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_imports_point_downward():
    upward = []
    for name, path in modules():
        for target in imports(path):
            if target.startswith("camrec") and layer_of(target) > layer_of(name):
                upward.append(f"{name} imports {target}")
    assert not upward, upward


def test_heavy_runtimes_only_in_their_modules():
    leaks = []
    for name, path in modules():
        if name.startswith(HEAVY_ALLOWED):
            continue
        leaks += [f"{name} imports {t}" for t in imports(path) if t.split(".")[0] in HEAVY]
    assert not leaks, leaks


def test_no_gui_calls_outside_ui():
    gui = ("imshow", "waitKey", "namedWindow", "setMouseCallback", "destroyAllWindows")
    offenders = [name for name, path in modules()
                 if not name.startswith("camrec.ui") and any(f"cv2.{g}" in path.read_text() for g in gui)]
    assert not offenders, offenders
