"""One table of keys: shown in ``--help``, on screen (h), and used by the loop."""

from __future__ import annotations

KEYS: dict[str, tuple[tuple[int, ...], str]] = {
    "quit": ((ord("q"), 27), "q / Esc  quit"),
    "pause": ((ord(" "),), "space    pause / resume"),
    "snapshot": ((ord("s"),), "s        snapshot (PNG + JSON)"),
    "debug": ((ord("d"),), "d        debug view: 28x28 crops and binary mask"),
    "model": ((ord("m"),), "m        switch model cnn <-> svc"),
    "clear": ((ord("c"),), "c        clear (canvas) / reset tracks"),
    "help": ((ord("h"),), "h        show / hide this help"),
}


def action_for(key: int) -> str | None:
    """Map a ``cv2.waitKey`` code to an action name, or None."""
    if key < 0:
        return None
    key &= 0xFF
    for action, (codes, _) in KEYS.items():
        if key in codes:
            return action
    return None


def help_lines() -> list[str]:
    return [text for _, text in KEYS.values()]


def help_text() -> str:
    return "keys (in the window):\n" + "\n".join(f"  {line}" for line in help_lines())
