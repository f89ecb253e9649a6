"""Is there a screen to open a window on? Asked before any highgui call."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path


def has_display(environ: dict[str, str] | None = None) -> bool:
    """True when a window can be opened without OpenCV aborting the process.

    On Linux/BSD this checks that ``$DISPLAY`` names an X server that is
    actually listening (its Unix socket exists or its TCP port answers), or
    that ``$WAYLAND_DISPLAY`` is set. Windows and macOS always have one.
    """
    env = os.environ if environ is None else environ
    if sys.platform.startswith(("win", "darwin")):
        return True
    if env.get("WAYLAND_DISPLAY"):
        return True
    display = env.get("DISPLAY", "")
    if not display:
        return False
    host, _, rest = display.rpartition(":")
    try:
        number = int(rest.split(".")[0])
    except ValueError:
        return False
    if host in ("", "unix"):
        return Path(f"/tmp/.X11-unix/X{number}").exists()
    try:
        with socket.create_connection((host, 6000 + number), timeout=0.5):
            return True
    except OSError:
        return False
