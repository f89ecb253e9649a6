"""Shared fixtures. Data and models come from the repo and ../shared: a test
that lacks them fails (it never skips), so CI cannot pass without running it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"


@pytest.fixture(scope="session")
def mnist_test():
    from camrec.datasets.mnist import load_mnist

    return load_mnist("test")  # raises (test fails) when the data is missing


@pytest.fixture(scope="session")
def mnist_test_x(mnist_test) -> np.ndarray:
    return mnist_test.images.astype(np.float32) / 255.0


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    from camrec.datasets.mnist import resolve_mnist_dir

    folder = resolve_mnist_dir()
    assert folder.is_dir(), f"MNIST not found at {folder}: set $CAMREC_MNIST"
    return folder


# ------------------------------------------------------------------ X server for the window tests
def _free_display() -> int:
    """A display number with neither a lock file nor a socket (another X server may run here)."""
    for number in range(90, 400):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number in 90-399")


@pytest.fixture(scope="session")
def xvfb():
    """A private Xvfb (1600x1000x24) for the session: yields an env dict with DISPLAY set.

    Fails (never skips) when Xvfb is not installed: scripts/install.sh installs it, CI runs these tests.
    """
    import shutil
    import subprocess
    import tempfile
    import time

    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.fail("Xvfb is not installed (apt-get install xvfb, or run scripts/install.sh): the window "
                    "tests need a real X server", pytrace=False)
    for _attempt in range(5):  # a display number taken between the check and the start: try the next
        number = _free_display()
        log = tempfile.TemporaryFile()  # not a pipe: nobody reads it while the tests run
        proc = subprocess.Popen([exe, f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=log)
        socket_path = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while proc.poll() is None and not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None and socket_path.exists():
            break
        proc.kill()
        proc.wait(timeout=5)
        log.seek(0)
        err = log.read().decode(errors="replace").strip()[-500:]
        log.close()
    else:
        pytest.fail(f"Xvfb did not start: {err}", pytrace=False)
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
    env["DISPLAY"] = f":{number}"
    try:
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
