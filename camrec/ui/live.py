"""``--camera`` and ``--video``: the frame loop, with or without a window.

The loop reads like the pipeline diagram: frame -> recognize -> track ->
emit (JSON line, annotated video) -> show. All pipeline state lives on this
thread; the only other threads are the camera grabber or the video file's
decode-ahead reader inside the source.
Without a window (``--no-window``, or no display) the same loop runs headless.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from camrec.output import JsonLinesWriter, VideoWriter, deferred_interrupts
from camrec.pipeline import Recognizer
from camrec.render import annotate
from camrec.sources.camera import CameraSource
from camrec.track import DigitTracker
from camrec.types import Frame, FrameResult
from camrec.ui.keys import action_for
from camrec.ui.overlay import draw_debug, draw_hud

if TYPE_CHECKING:
    from camrec.parallel import FramePool

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
    interrupted: bool = False  # Ctrl-C / SIGTERM ended the run
    workers: int = 1  # processes that recognized the frames (camrec.parallel)

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
        on = f" on {self.workers} worker processes" if self.workers > 1 else ""
        text = f"{self.frames} frames in {self.seconds:.1f} s: {self.fps:.1f} fps processing{on}; " \
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
        self._sized = False
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image: np.ndarray, wait_ms: int = 1) -> str | None:
        if not self._sized:  # the frame's own size, scaled down to fit a common screen
            scale = min(1.0, 1600 / image.shape[1], 900 / image.shape[0])
            self._cv2.resizeWindow(self.name, int(image.shape[1] * scale), int(image.shape[0] * scale))
            self._sized = True
        self._cv2.imshow(self.name, image)
        action = action_for(self._cv2.waitKey(wait_ms))
        if action is None and self._cv2.getWindowProperty(self.name, self._cv2.WND_PROP_VISIBLE) < 1:
            return "quit"
        return action

    def close(self) -> None:
        self._cv2.destroyWindow(self.name)


def run_live(frames: Iterable[Frame], recognizer_for: Callable[[str], Recognizer], tracker: DigitTracker,
             options: LiveOptions, *, model: str = "cnn", pacer=None,
             clock: Callable[[], float] = time.perf_counter, pool: FramePool | None = None) -> LiveSummary:
    """Process every frame the source yields until it ends, the user quits, or Ctrl-C/SIGTERM.

    ``pool``: recognize on its worker processes (files at full speed: no pacing); tracking, the window
    and every output stay here, in frame order."""
    if pool is not None and pacer is not None:
        raise ValueError("worker processes are for runs at full speed only")
    summary = LiveSummary(workers=pool.workers if pool is not None else 1)
    loop = _Loop(recognizer_for, tracker, options, model, Viewer() if options.window else None,
                 isinstance(frames, CameraSource), clock)
    # what exists now (modules, model, window) lives as long as the run: the cyclic garbage collector
    # need not walk it again every few frames (a full pass over it took ~0.3 ms per frame)
    gc.freeze()
    started = clock()
    try:
        if pool is not None:
            for frame, result in pool.results(frames, lambda: loop.model):
                if loop.finish(frame, result, summary) == "quit":
                    break
            return summary
        for frame in frames:
            if pacer is not None:
                pacer.wait(frame.index)
            if loop.step(frame, summary) == "quit":
                break
            if loop.resumed and pacer is not None:
                pacer.restart()
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = clock() - started
        if loop.viewer is not None:
            loop.viewer.close()
    return summary


class _Loop:
    """One frame's work, and the window state that lives across frames (main thread only)."""

    def __init__(self, recognizer_for: Callable[[str], Recognizer], tracker: DigitTracker, options: LiveOptions,
                 model: str, viewer: Viewer | None, live_capture: bool, clock: Callable[[], float]) -> None:
        self.recognizer_for, self.tracker, self.options = recognizer_for, tracker, options
        self.model, self.viewer, self.live_capture, self.clock = model, viewer, live_capture, clock
        self.recognizer = recognizer_for(model)
        self.paused = self.debug = self.help = self.resumed = False
        self.fps = 0.0
        self.last = clock()

    def step(self, frame: Frame, summary: LiveSummary) -> str | None:
        """frame -> recognize -> track -> emit -> show; returns "quit" when the user quits."""
        return self.finish(frame, self.recognizer.process(frame), summary)

    def finish(self, frame: Frame, recognized: FrameResult, summary: LiveSummary) -> str | None:
        """track -> emit -> show a recognized frame; returns "quit" when the user quits."""
        result = self.tracker.update(recognized)
        shown = None
        if self.viewer is not None or self.options.video_out is not None:
            shown = annotate(frame.image.copy(), result)
        with deferred_interrupts():  # Ctrl-C/SIGTERM: this frame is in every output or in none
            summary.add(result)
            if self.options.json_out is not None:
                self.options.json_out.write(result)
            if self.options.video_out is not None:
                self.options.video_out.write(shown)
        if self.viewer is None:
            return None
        now = self.clock()
        instant = 1.0 / max(now - self.last, 1e-6)
        self.fps = 0.9 * self.fps + 0.1 * instant if self.fps else instant
        self.last = now
        if self.debug:
            draw_debug(shown, result)
        draw_hud(shown, self.fps, result.timing_ms, self.model, getattr(self.recognizer.classifier, "name", "?"),
                 self.paused, self.help)
        if self.live_capture and frame.timestamp is not None:  # grab time, time.monotonic()
            summary.latency_ms.append((time.monotonic() - frame.timestamp) * 1000)
        self.resumed = False
        action = self.viewer.show(shown)
        while True:
            if action == "quit":
                return "quit"
            self.handle(action, frame, shown, result)
            if not self.paused:
                return None
            action = self.viewer.show(shown, 30)
            self.resumed = True

    def handle(self, action: str | None, frame: Frame, shown: np.ndarray, result: FrameResult) -> None:
        if action == "pause":
            self.paused = not self.paused
        elif action == "debug":
            self.debug = not self.debug
        elif action == "help":
            self.help = not self.help
        elif action == "clear":
            self.tracker.reset()
        elif action == "model":
            models = self.options.models
            self.model = models[(models.index(self.model) + 1) % len(models)] if self.model in models else models[0]
            self.recognizer = self.recognizer_for(self.model)
            self.tracker.reset()
            log.info("model: %s", self.model)
        elif action == "snapshot":
            _snapshot(self.options.snapshot_dir, frame, shown, result)


def _snapshot(folder: Path, frame: Frame, shown: np.ndarray, result: FrameResult) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"camrec-{time.strftime('%Y%m%d-%H%M%S')}-{frame.index:06d}"
    cv2.imwrite(str(stem.with_suffix(".png")), shown)
    stem.with_suffix(".json").write_text(json.dumps(result.to_json()))
    log.info("snapshot %s.png", stem)
