"""The run modes: ``camrec --image``, ``--video``, ``--camera``, ``--draw``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from camrec import __version__
from camrec.classify.base import BACKENDS
from camrec.cli.common import MODELS_DIR, PROG, SUBCOMMAND_NAMES, Formatter, log
from camrec.errors import CamrecError

RUN_HELP = """\
Box, label and read every digit and whole number: in photos, video files,
a live camera or a phone stream, or digits you draw with the mouse.

camrec finds handwritten and printed digits, classifies them all in one
batch, drops what is not a digit, and groups digits on one text line into
numbers (phone numbers, dates, times and amounts keep their - . , : separators
in the display form; 'text' holds the digits only). Video and camera frames
are tracked, so labels stay steady and each number keeps an id.

examples:
  camrec --image page.jpg                   # one summary line per image
  camrec --image scans/ 'photos/*.png'      # folders and globs, in order
  camrec --image page.jpg --json            # one JSON line per image (logs on stderr)
  camrec --image page.jpg --save out/       # annotated copies in out/
  camrec --video sample_videos/page.mp4     # a clip in a window, summary at the end
  camrec --video clip.mp4 --json --no-window > frames.jsonl   # headless, one line per frame
                                            # (frames recognized on one process per core, at most 4)
  camrec --video clip.mp4 --output annotated.mp4 --no-window  # write the annotated video
  camrec --camera 0                         # the first webcam
  camrec --camera http://192.168.1.20:8080/video   # a phone camera app's MJPEG stream
  camrec --draw                             # draw digits with the mouse
  camrec --image page.jpg --model svc -v    # the SVC, with per-stage timings

A bad file prints 'camrec: error: <file>: <reason>', the others are still
processed, and the exit code is 1 at the end. Without a display camrec says
so and runs headless. Ctrl-C (or SIGTERM) stops cleanly: the output video is
finalised and every JSON line is already written.

{keys}

subcommands (each has --help):
  camrec train   train a classifier (CNN or SVC) and export it
  camrec eval    measure a classifier, or the whole pipeline on scenes or a clip
  camrec bench   speed figures for this machine
  camrec synth   generate photo-like scenes and clips with ground truth
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def build_run_parser() -> argparse.ArgumentParser:
    from camrec.ui.keys import help_text

    parser = argparse.ArgumentParser(prog=PROG, description=RUN_HELP.format(keys=help_text()),
                                     formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    source = parser.add_argument_group("what to read (one of)").add_mutually_exclusive_group()
    source.add_argument("--image", nargs="+", metavar="PATH", help="image files, folders or globs")
    source.add_argument("--video", metavar="PATH", help="a video file: every frame, in order")
    source.add_argument("--camera", nargs="?", const="0", metavar="INDEX|URL",
                        help="a camera index (default 0) or a stream URL (http://..., rtsp://...)")
    source.add_argument("--draw", action="store_true", help="a canvas to draw digits on with the mouse")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true",
                     help="one JSON object per image/frame on stdout (source, frame, width, height, "
                     "digits, numbers, timing_ms; track_id for video and camera)")
    out.add_argument("--save", type=Path, metavar="DIR",
                     help="--image: annotated copies here; other modes: snapshots (key s) here (default: the current folder)")
    out.add_argument("--output", type=Path, metavar="FILE.mp4", help="write the annotated video (--video/--camera)")
    out.add_argument("--no-window", action="store_true", help="never open a window (headless)")
    out.add_argument("--realtime", action="store_true", help="--video: play at the file's frame rate")
    out.add_argument("--workers", type=_positive_int, metavar="N",
                     help="--video (without --realtime): recognize N frames at once on worker processes "
                     "(default: one per core, at most 4; 1: all in this process). Output is the same, in order")
    cap = parser.add_argument_group("capture hints (--camera)")
    cap.add_argument("--width", type=int, help="requested frame width")
    cap.add_argument("--height", type=int, help="requested frame height")
    cap.add_argument("--fps", type=float, help="requested frames per second")
    cap.add_argument("--reconnect-timeout", type=float, default=15.0, metavar="SECONDS",
                     help="a camera or stream that stops is reopened with backoff for this long, then camrec ends")
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=("cnn", "svc"), default="cnn", help="classifier")
    model.add_argument("--backend", choices=sorted(BACKENDS), help="runtime (default: litert for cnn, numpy for svc)")
    model.add_argument("--models-dir", type=Path, default=MODELS_DIR, help="folder with <model>.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (per-stage timings)")
    return parser


def _summary_line(source: str, result) -> str:
    numbers = [n.display or n.text for n in result.numbers]
    count = f"{len(numbers)} number{'s' if len(numbers) != 1 else ''}"
    listed = f": {', '.join(numbers)}" if numbers else ""
    return (f"{Path(source).name}  {count}{listed}  "
            f"({len(result.digits)} digit{'s' if len(result.digits) != 1 else ''}, "
            f"{result.timing_ms.get('total', 0.0):.1f} ms)")


def _save_annotated(folder: Path, source: str, image, result, used: set[str]) -> Path:
    import cv2

    from camrec.render import annotate

    stem = Path(source).stem or "image"
    name, k = f"{stem}.png", 1
    while name in used:
        name, k = f"{stem}-{k}.png", k + 1
    used.add(name)
    target = folder / name
    ok, buf = cv2.imencode(".png", annotate(image, result))
    if not ok:
        raise CamrecError(target, "could not encode the annotated image")
    try:
        target.write_bytes(buf.tobytes())
    except OSError as exc:
        raise CamrecError(target, f"cannot write ({exc.strerror or exc})") from None
    return target


def keep_freed_memory() -> None:
    """Let the C allocator keep freed frame-sized buffers for reuse (glibc only; elsewhere nothing).

    Every stage allocates a few frame-sized arrays (a 1280x720 integral image is 3.7 MB). glibc hands
    such blocks back to the kernel when they are freed (mmap'd, or trimmed off the heap top), so the
    next frame pays a page fault per 4 KB to get them again: about a fifth of the frame time. Serving
    them from the heap instead (up to 32 MB a block, and up to 256 MB kept free) avoids that."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 256 << 20)


def run_mode(argv: Sequence[str]) -> int:
    """``camrec --image/--video/--camera/--draw``: recognise digits and numbers."""
    parser = build_run_parser()
    args = parser.parse_args(argv)
    keep_freed_memory()
    if args.video is not None or args.camera is not None:
        from camrec.cli.live import run_stream

        return run_stream(args)
    if args.draw:
        from camrec.cli.live import run_draw

        return run_draw(args)
    if not args.image:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: nothing to do: give --image, --video, --camera or --draw (or a subcommand: "
              f"{', '.join(SUBCOMMAND_NAMES)}); see camrec --help", file=sys.stderr)
        return 2
    return run_images(args)


def run_images(args: argparse.Namespace) -> int:
    """Still images: one summary line, JSON line or annotated copy per image."""
    import gc
    import json

    import cv2

    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer
    from camrec.sources.images import iter_images
    from camrec.timing import StageTimer

    if args.save is not None:
        try:
            args.save.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CamrecError(args.save, f"cannot create the folder ({exc.strerror or exc})") from None
    recognizer = Recognizer(open_classifier(args.model, args.backend, args.models_dir))
    gc.freeze()  # the modules and the model live as long as the run: the garbage collector need not walk them
    failed = 0
    saved: set[str] = set()
    for item in iter_images(args.image):
        if isinstance(item, CamrecError):
            print(f"{PROG}: error: {item}", file=sys.stderr)
            failed += 1
            continue
        try:
            result = recognizer.process(item, StageTimer())
            if args.json:
                print(json.dumps(result.to_json()), flush=True)
            if args.save is not None:
                target = _save_annotated(args.save, item.source, item.image, result, saved)
                log.debug("saved %s", target)
            if not args.json:
                print(_summary_line(item.source, result), flush=True)
            log.debug("%s: %s", item.source, ", ".join(f"{k} {v:.2f} ms" for k, v in result.timing_ms.items()))
        except CamrecError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            failed += 1
        except (MemoryError, ValueError, cv2.error) as exc:  # one bad image must not stop the others
            print(f"{PROG}: error: {item.source}: cannot process ({type(exc).__name__}: {exc})".splitlines()[0],
                  file=sys.stderr)
            failed += 1
    return 1 if failed else 0
