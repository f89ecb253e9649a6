"""``camrec synth``: generated scenes and sample clips with ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from camrec.cli.common import PROG, Formatter, add_data_arg, log
from camrec.errors import CamrecError

SYNTH_HELP = """\
Generate photo-like scenes with exact ground truth, for 'camrec eval --scenes'.

Each scene is a sheet, cheque, sticky note, board or number plate in
perspective on a desk, with uneven light, shadow, blur, noise and JPEG;
digits from the MNIST test set (as pen strokes) and from printed fonts;
letters, symbols, ruled lines, boxes, grids and scribbles as distractors.
Writes scene_XXXX.jpg + scene_XXXX.json (digit boxes [x,y,w,h], labels,
numbers, layout, distractor counts). Scene i of a seed is always the same.

examples:
  camrec synth --out /tmp/scenes --count 200 --seed 7
  camrec synth --out tests/data/scenes --count 40 --seed 1234 --size 1280x720
  camrec synth --out /tmp/plates --count 20 --layout plate --layout cheque
  camrec synth --clips sample_videos        # the sample camera clips + per-frame truth
"""


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}") from None
    if not (64 <= w <= 8000 and 64 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size {text} out of range (64..8000 per side)")
    return w, h


def build_synth_parser() -> argparse.ArgumentParser:
    from camrec.synth import LAYOUTS

    parser = argparse.ArgumentParser(prog=f"{PROG} synth", description=SYNTH_HELP, formatter_class=Formatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="output folder for scenes (created)")
    where.add_argument("--clips", type=Path, metavar="DIR", help="write the sample camera clips (NAME.mp4 + "
                       "NAME.json, per-frame ground truth) here instead of scenes")
    parser.add_argument("--clip", action="append", default=None, metavar="NAME",
                        help="with --clips: only this clip (repeatable; default: all)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
    parser.add_argument("--layout", action="append", choices=LAYOUTS, default=None,
                        help="only these layouts, in turn (repeatable; default: the usual mix)")
    add_data_arg(parser)
    return parser


def run_synth(argv: Sequence[str]) -> int:
    args = build_synth_parser().parse_args(argv)
    if args.clips is not None:
        from tqdm import tqdm

        from camrec.synth.video import write_clips

        command = f"camrec synth --clips {args.clips}" + "".join(f" --clip {c}" for c in args.clip or [])
        paths = write_clips(args.clips, args.clip, data_dir=args.data, command=command,
                            progress=lambda it: tqdm(it, desc="clip", unit="frame", file=sys.stderr, disable=None))
        log.info("%d clips -> %s", len(paths), args.clips)
        return 0
    if args.count < 1:
        raise CamrecError("--count", "must be at least 1")
    from tqdm import tqdm

    from camrec.synth import generate

    paths = generate(args.out, args.count, args.seed, args.size, args.data, args.layout,
                     progress=lambda it: tqdm(it, desc="synth", unit="scene", file=sys.stderr, disable=None))
    log.info("%d scenes -> %s", len(paths), args.out)
    return 0
