"""``camrec --video``, ``--camera`` and ``--draw``: wiring the live loop to argv."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from camrec.cli.common import PROG, log
from camrec.errors import CamrecError


def _recognizers(args: argparse.Namespace, config=None) -> Callable[[str], object]:
    """Recognizer per model (``config``: None for the defaults), opened on first use (the m key switches)."""
    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer

    cache: dict[str, Recognizer] = {}

    def get(model: str) -> Recognizer:
        if model not in cache:
            backend = args.backend if model == args.model else None
            cache[model] = Recognizer(open_classifier(model, backend, args.models_dir), config)
        return cache[model]

    return get


def _window_wanted(args: argparse.Namespace) -> bool:
    from camrec.ui.display import has_display

    if args.no_window:
        return False
    if not has_display():
        log.warning("no display found ($DISPLAY unset or not reachable): running headless")
        return False
    return True


@contextmanager
def _frame_pool(args: argparse.Namespace):
    """Worker processes for a video file read at full speed (None otherwise, or with ``--workers 1``);
    made before the file is opened, so no reader thread exists when they fork."""
    from camrec.parallel import FramePool, default_workers

    workers = args.workers if args.workers is not None else default_workers()
    if args.video is None or args.realtime or workers < 2:
        yield None
        return
    pool = FramePool({args.model: args.backend}, args.models_dir, workers=workers)
    try:
        yield pool
    finally:
        pool.close()


def run_stream(args: argparse.Namespace) -> int:
    """A video file or a camera/stream through the tracked pipeline."""
    from camrec.output import JsonLinesWriter, VideoWriter, signals_as_interrupt
    from camrec.sources.camera import ReconnectPolicy
    from camrec.sources.open import open_source
    from camrec.sources.video import Pacer
    from camrec.track import DigitTracker
    from camrec.ui.live import LiveOptions, run_live

    spec = args.video if args.video is not None else args.camera
    recognizer_for = _recognizers(args)
    recognizer_for(args.model)  # a bad model fails before the camera opens
    window = _window_wanted(args)
    with signals_as_interrupt((signal.SIGINT, signal.SIGTERM)), \
            _frame_pool(args) as pool:  # (SIGINT, SIGTERM: both wait for the frame being written)
        reconnect = ReconnectPolicy(total=max(0.0, args.reconnect_timeout))
        with open_source(spec, width=args.width, height=args.height, fps=args.fps, reconnect=reconnect) as source:
            video_out = VideoWriter(args.output, fps=source.fps or 30.0) if args.output else None
            options = LiveOptions(window=window, json_out=JsonLinesWriter(sys.stdout) if args.json else None,
                                  video_out=video_out, snapshot_dir=args.save or Path.cwd())
            pacer = Pacer(source.fps) if args.realtime and args.video and source.fps else None
            try:
                summary = run_live(source, recognizer_for, DigitTracker(), options, model=args.model, pacer=pacer,
                                   pool=pool)
            finally:
                if video_out is not None:
                    video_out.close()
            end_reason = getattr(source, "end_reason", None)
    print(f"{PROG}: {summary.line()}", file=sys.stderr)
    print(f"{PROG}: {summary.numbers_line()}", file=sys.stderr)
    if args.output:
        print(f"{PROG}: annotated video: {args.output}", file=sys.stderr)
    if summary.interrupted:
        print(f"{PROG}: interrupted; outputs are complete", file=sys.stderr)
        return 130
    if end_reason and end_reason.startswith("stream lost"):
        print(f"{PROG}: error: {spec}: {end_reason}", file=sys.stderr)
        return 1
    return 0


def run_draw(args: argparse.Namespace) -> int:
    """The drawing canvas (needs a display)."""
    from camrec.ui.display import has_display

    if not has_display():
        raise CamrecError("--draw", "needs a display ($DISPLAY unset or not reachable)")
    from camrec.config import PipelineConfig
    from camrec.ui.canvas import run_canvas

    # One digit may fill the canvas: the default cap on digit height (a fraction of the frame, meant
    # for camera pages) drops a digit drawn taller than 40 % of the canvas and reads its ends as 1s.
    # (So the main pass sees every size here, and the big-glyph look has nothing to add.) Every stroke on
    # the canvas is meant as a digit: a lone one needs no more confidence than one in a number.
    config = PipelineConfig().with_(max_digit_frac=1.0, big_glyphs=False, sparse_frame_confidence=None)
    recognizer_for = _recognizers(args, config)
    models = [args.model] + [m for m in ("cnn", "svc") if m != args.model]

    def recognize(image, model):
        return recognizer_for(model).process(image)

    recognizer_for(args.model)
    out = sys.stdout if args.json else None
    return run_canvas(recognize, models, json_out=out, save_dir=args.save or Path.cwd())
