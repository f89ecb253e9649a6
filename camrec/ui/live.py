"""``--camera`` and ``--video``: the frame loop, with or without a window.

The loop reads like the pipeline diagram: frame -> recognize -> track ->
emit (JSON line, annotated video) -> show. All pipeline state lives on this
thread; the only other thread is the camera grabber inside the source.
Without a window (``--no-window``, or no display) the same loop runs headless.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from camrec.output import JsonLinesWriter, VideoWriter
from camrec.pipeline import Recognizer
from camrec.render import annotate
from camrec.sources.camera import CameraSource
from camrec.track import DigitTracker
from camrec.types import Frame, FrameResult
from camrec.ui.keys import action_for
from camrec.ui.overlay import draw_debug, draw_hud

log = logging.getLogger("camrec")
WINDOW = "camrec"


@dataclass
class LiveSummary:
    """What a run did: printed as one line at the end of non-interactive runs."""

    frames: int = 0
    seconds: float = 0.0
    stage_ms: dict[str, list[float]] = field(default_factory=dict)
    numbers_seen: Counter = field(default_factory=Counter)  # text -> frames it was shown in
    latency_ms: list[float] = field(default_factory=list)  # capture to display (cameras only)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def add(self, result: FrameResult) -> None:
        self.frames += 1
        for stage, ms in result.timing_ms.items():
            self.stage_ms.setdefault(stage, []).append(ms)
        for number in result.numbers:
            self.numbers_seen[number.text] += 1

    def line(self) -> str:
        stages = ", ".join(f"{k} {np.median(v):.2f}" for k, v in self.stage_ms.items() if k != "total")
        total = np.median(self.stage_ms.get("total", [0.0]))
        text = f"{self.frames} frames in {self.seconds:.1f} s: {self.fps:.1f} fps processing; " \
               f"median ms/frame {total:.2f} ({stages})"
        if self.latency_ms:
            text += f"; capture-to-display latency median {np.median(self.latency_ms):.1f} ms"
        return text

    def numbers_line(self, limit: int = 12) -> str:
        if not self.numbers_seen:
            return "numbers read: none"
        top = self.numbers_seen.most_common(limit)
        return "numbers read (frames seen): " + ", ".join(f"{text} ({count})" for text, count in top)


@dataclass
class LiveOptions:
    window: bool = True
    json_out: JsonLinesWriter | None = None
    video_out: VideoWriter | None = None
    snapshot_dir: Path = Path(".")
    models: tuple[str, ...] = ("cnn", "svc")


class Viewer:
    """The OpenCV window: only created when a display exists (checked by the caller)."""

    def __init__(self, name: str = WINDOW) -> None:
        import cv2

        self._cv2 = cv2
        self.name = name
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)

    def show(self, image: np.ndarray, wait_ms: int = 1) -> str | None:
        self._cv2.imshow(self.name, image)
        action = action_for(self._cv2.waitKey(wait_ms))
        if action is None and self._cv2.getWindowProperty(self.name, self._cv2.WND_PROP_VISIBLE) < 1:
            return "quit"
        return action

    def close(self) -> None:
        self._cv2.destroyWindow(self.name)


def run_live(frames: Iterable[Frame], recognizer_for: Callable[[str], Recognizer], tracker: DigitTracker,
             options: LiveOptions, *, model: str = "cnn", pacer=None,
             clock: Callable[[], float] = time.perf_counter) -> LiveSummary:
    """Process every frame the source yields until it ends or the user quits."""
    summary = LiveSummary()
    viewer = Viewer() if options.window else None
    state = {"paused": False, "debug": False, "help": False}
    fps_ema = 0.0
    last = clock()
    started = last
    recognizer = recognizer_for(model)
    live_capture = isinstance(frames, CameraSource)
    try:
        for frame in frames:
            if pacer is not None:
                pacer.wait(frame.index)
            result = tracker.update(recognizer.process(frame))
            summary.add(result)
            if options.json_out is not None:
                options.json_out.write(result)
            shown = annotate(frame.image.copy(), result) if (viewer or options.video_out) else None
            if options.video_out is not None:
                options.video_out.write(shown)
            if viewer is None:
                continue
            now = clock()
            fps_ema = 0.9 * fps_ema + 0.1 / max(now - last, 1e-6) if fps_ema else 1.0 / max(now - last, 1e-6)
            last = now
            if state["debug"]:
                draw_debug(shown, result)
            draw_hud(shown, fps_ema, result.timing_ms, model, getattr(recognizer.classifier, "name", "?"),
                     state["paused"], state["help"])
            if live_capture and frame.timestamp is not None:  # grab time, time.monotonic()
                summary.latency_ms.append((time.monotonic() - frame.timestamp) * 1000)
            action = viewer.show(shown)
            while True:
                if action == "quit":
                    return summary
                if action == "pause":
                    state["paused"] = not state["paused"]
                elif action in ("debug", "help"):
                    state[action] = not state[action]
                elif action == "clear":
                    tracker.reset()
                elif action == "model":
                    model = options.models[(options.models.index(model) + 1) % len(options.models)]
                    recognizer = recognizer_for(model)
                    tracker.reset()
                    log.info("model: %s", model)
                elif action == "snapshot":
                    _snapshot(options.snapshot_dir, frame, shown, result)
                if not state["paused"]:
                    break
                if pacer is not None:
                    pacer.restart()
                action = viewer.show(shown, 30)
    finally:
        summary.seconds = clock() - started
        if viewer is not None:
            viewer.close()
    return summary


def _snapshot(folder: Path, frame: Frame, shown: np.ndarray, result: FrameResult) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"camrec-{time.strftime('%Y%m%d-%H%M%S')}-{frame.index:06d}"
    cv2.imwrite(str(stem.with_suffix(".png")), shown)
    stem.with_suffix(".json").write_text(json.dumps(result.to_json()))
    log.info("snapshot %s.png", stem)
