"""``camrec --draw``: draw digits with the mouse, see them recognized beside.

Left: a white page you draw on with a round black pen (left button). Right:
what camrec reads, boxes and labels on a copy of the drawing plus the digits
and numbers in large type. Right button or ``c`` clears, ``s`` saves, ``m``
switches CNN/SVC, ``q``/Esc quits. Recognition runs when a stroke ends, on
the same pipeline every other mode uses.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

import cv2
import numpy as np

from camrec.render import annotate
from camrec.types import FrameResult
from camrec.ui.keys import action_for, help_lines

log = logging.getLogger("camrec")
WINDOW = "camrec draw"
PAPER = (255, 255, 255)
INK = (0, 0, 0)


@dataclass
class Canvas:
    """The drawing itself: pure state, no window (tests drive it directly)."""

    width: int = 560
    height: int = 420
    pen: int = 12
    image: np.ndarray = field(init=False)
    _last: tuple[int, int] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.image = np.full((self.height, self.width, 3), PAPER, np.uint8)
        self._last = None

    def begin(self, x: int, y: int) -> None:
        self._last = (x, y)
        cv2.circle(self.image, (x, y), self.pen // 2, INK, -1, cv2.LINE_AA)

    def move(self, x: int, y: int) -> None:
        if self._last is not None:
            cv2.line(self.image, self._last, (x, y), INK, self.pen, cv2.LINE_AA)
            self._last = (x, y)

    def end(self) -> bool:
        """Finish a stroke; True when one was in progress (time to recognize)."""
        drawing, self._last = self._last is not None, None
        return drawing

    @property
    def drawing(self) -> bool:
        return self._last is not None

    @property
    def blank(self) -> bool:
        return bool((self.image == 255).all())


def result_panel(canvas: Canvas, result: FrameResult | None, model: str, show_help: bool) -> np.ndarray:
    """The right-hand side: annotated drawing (half size) and the reading in large type."""
    panel = np.full((canvas.height, 380, 3), 235, np.uint8)
    shown = annotate(canvas.image.copy(), result) if result is not None else canvas.image.copy()
    small = cv2.resize(shown, (360, int(canvas.height * 360 / canvas.width)), interpolation=cv2.INTER_AREA)
    panel[10 : 10 + small.shape[0], 10:370] = small
    y = 30 + small.shape[0]
    digits = " ".join(str(d) for d in result.digits.label.tolist()) if result is not None else ""
    numbers = ", ".join(n.display or n.text for n in result.numbers) if result is not None else ""
    for text, scale in ((f"digits: {digits or '-'}", 0.8), (f"numbers: {numbers or '-'}", 0.8),
                        (f"model: {model}   h: help", 0.5)):
        cv2.putText(panel, text, (12, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 2 if scale > 0.6 else 1,
                    cv2.LINE_AA)
        y += int(36 * scale + 8)
    if show_help:
        for line in help_lines() + ["right button: clear"]:
            cv2.putText(panel, line, (12, y), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (60, 60, 60), 1, cv2.LINE_AA)
            y += 17
    return panel


def run_canvas(recognize: Callable[[np.ndarray, str], FrameResult], models: list[str], *,
               json_out: TextIO | None = None, save_dir: Path = Path("."), width: int = 560,
               height: int = 420) -> int:
    """The window loop. ``recognize(image, model)`` runs the pipeline; returns an exit code."""
    canvas = Canvas(width, height)
    state = {"result": None, "model_index": 0, "help": False, "dirty": False}

    def recognise_now() -> None:
        if canvas.blank:
            state["result"] = None
            return
        result = recognize(canvas.image, models[state["model_index"]])
        result.source = "canvas"
        state["result"] = result
        if json_out is not None:
            json_out.write(json.dumps(result.to_json()) + "\n")
            json_out.flush()

    def on_mouse(event: int, x: int, y: int, flags: int, _param) -> None:
        if x >= canvas.width:  # the result panel is not for drawing
            if event == cv2.EVENT_LBUTTONUP and canvas.end():
                state["dirty"] = True
            return
        if event == cv2.EVENT_LBUTTONDOWN:
            canvas.begin(x, y)
        elif event == cv2.EVENT_MOUSEMOVE and flags & cv2.EVENT_FLAG_LBUTTON:
            canvas.move(x, y)
        elif event == cv2.EVENT_LBUTTONUP:
            canvas.move(x, y)
            state["dirty"] = canvas.end()
        elif event == cv2.EVENT_RBUTTONDOWN:
            canvas.clear()
            state["result"] = None

    # GUI_NORMAL: no toolbar, and (Qt builds) no context menu popping up on the right button, which clears
    cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
    cv2.setMouseCallback(WINDOW, on_mouse)
    saved = 0
    try:
        while True:
            if state["dirty"]:
                state["dirty"] = False
                recognise_now()
            view = np.hstack([canvas.image, result_panel(canvas, state["result"], models[state["model_index"]],
                                                         state["help"])])
            cv2.imshow(WINDOW, view)
            action = action_for(cv2.waitKey(15))
            if action == "quit" or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                break
            if action == "clear":
                canvas.clear()
                state["result"] = None
            elif action == "help":
                state["help"] = not state["help"]
            elif action == "model" and len(models) > 1:
                state["model_index"] = (state["model_index"] + 1) % len(models)
                recognise_now()
            elif action == "snapshot":
                save_dir.mkdir(parents=True, exist_ok=True)
                stem = save_dir / f"camrec-draw-{saved:03d}"
                cv2.imwrite(str(stem.with_suffix(".png")), view)
                if state["result"] is not None:
                    stem.with_suffix(".json").write_text(json.dumps(state["result"].to_json()))
                log.info("saved %s.png", stem)
                saved += 1
    finally:
        cv2.destroyWindow(WINDOW)
    return 0
