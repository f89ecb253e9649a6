"""``camrec train``: fonts, negatives, cnn, svc, export."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Sequence

from camrec.cli.common import MODELS_DIR, PROG, Formatter, add_data_arg, load_font_glyphs_or_none, log
from camrec.errors import CamrecError

TRAIN_HELP = """\
Train a classifier on MNIST (and printed-font digits), then export it.

examples:
  camrec train cnn                          # 20 epochs, exports to models/
  camrec train cnn --epochs 2 --out /tmp/m  # a quick try, elsewhere
  camrec train svc --data ~/mnist           # the SVC, MNIST from a folder
  camrec train fonts --out glyphs.npz       # cache font digits for another machine
  camrec train export /tmp/m                # export a cnn.keras trained elsewhere
  camrec train negatives --out n.npz        # "not a digit" crops + camera crops of digits, from scenes
  camrec train cnn --init models/cnn.keras --negatives n.npz --epochs 5   # fine-tune: 11th class

MNIST is read from --data, else $CAMREC_MNIST, else ../shared/data/mnist
beside the checkout. Needs the train extra: pip install -e '.[train]'.
"""


def build_train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} train", description=TRAIN_HELP, formatter_class=Formatter)
    sub = parser.add_subparsers(dest="what", required=True, metavar="{cnn,svc,negatives,fonts,export}")

    cnn = sub.add_parser("cnn", help="train the Keras CNN and export .tflite/.onnx", formatter_class=Formatter,
                         description="Train the CNN with camera-like augmentation on MNIST + font digits.\n\n"
                         "example:\n  camrec train cnn --epochs 20 --seed 1 --out models")
    add_data_arg(cnn)
    cnn.add_argument("--epochs", type=int, default=20)
    cnn.add_argument("--batch-size", type=int, default=128)
    cnn.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine schedule, warm-up)")
    cnn.add_argument("--seed", type=int, default=0)
    cnn.add_argument("--fonts", metavar="DIR|FILE.npz", default=None,
                     help="font folder or a glyph cache from 'camrec train fonts' (default: system fonts)")
    cnn.add_argument("--no-fonts", action="store_true", help="train on MNIST alone")
    cnn.add_argument("--font-repeats", type=int, default=8, help="copies of each training-font glyph per epoch")
    cnn.add_argument("--no-augment", action="store_true", help="train on clean images (not recommended)")
    cnn.add_argument("--limit", type=int, default=None, help="use only the first N training images (quick tests)")
    cnn.add_argument("--out", type=Path, default=MODELS_DIR, help="output folder")
    cnn.add_argument("--no-export", action="store_true", help="save cnn.keras only (export later)")
    cnn.add_argument("--negatives", metavar="FILE.npz", type=Path, action="append", default=None,
                     help="'not a digit' crops from 'camrec train negatives': adds an 11th class "
                     "(and the scene positives saved with them, to the digit classes); may be repeated")
    cnn.add_argument("--positive-repeats", type=int, default=3,
                     help="copies of each scene positive (from --negatives) per epoch")
    cnn.add_argument("--init", metavar="MODEL.keras", default=None,
                     help="fine-tune this saved model instead of starting afresh (a 10-class model gains the "
                     "11th class with --negatives)")

    svc = sub.add_parser("svc", help="train the SVC on HOG features", formatter_class=Formatter,
                         description="Train an RBF SVC on HOG features of the same 28x28 crops.\n\n"
                         "example:\n  camrec train svc --out models")
    add_data_arg(svc)
    svc.add_argument("--seed", type=int, default=0)
    svc.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    svc.add_argument("--C", type=float, default=10.0, help="SVC regularisation")
    svc.add_argument("--out", type=Path, default=MODELS_DIR)

    neg = sub.add_parser("negatives", help="mine and render 'not a digit' crops for an 11-class CNN",
                         formatter_class=Formatter,
                         description="Candidates the pipeline finds on generated scenes that touch no digit,\n"
                         "plus rendered letters, symbols and fragments (no MNIST test pixels).\n\n"
                         "example:\n  camrec train negatives --scenes 300 --rendered 15000 --out negatives.npz")
    add_data_arg(neg)
    neg.add_argument("--scenes", type=int, default=300, help="generated scenes to mine")
    neg.add_argument("--rendered", type=int, default=15000, help="rendered negatives to add")
    neg.add_argument("--seed", type=int, default=4242, help="scene seed (keep it apart from evaluation seeds)")
    neg.add_argument("--out", type=Path, required=True)

    fonts = sub.add_parser("fonts", help="render font digits to a .npz cache", formatter_class=Formatter)
    fonts.add_argument("--font-dir", default=None, help="folder of .ttf/.otf (default: system font folders)")
    fonts.add_argument("--out", type=Path, required=True)

    export = sub.add_parser("export", help="export cnn.keras to .tflite + .onnx + metadata",
                            formatter_class=Formatter)
    export.add_argument("dir", type=Path, help="folder holding cnn.keras and cnn.train.json")
    add_data_arg(export)
    export.add_argument("--fonts", metavar="DIR|FILE.npz", default=None)
    export.add_argument("--out", type=Path, default=None, help="where to write (default: the same folder)")
    return parser


def _load_fonts(args: argparse.Namespace):
    from camrec.datasets.fonts import load_font_glyphs

    if getattr(args, "no_fonts", False):
        return None
    return load_font_glyphs(args.fonts)


def run_train(argv: Sequence[str]) -> int:
    args = build_train_parser().parse_args(argv)
    command = "camrec train " + shlex.join(argv)
    from camrec.datasets.mnist import load_mnist

    if args.what == "fonts":
        from camrec.datasets.fonts import load_font_glyphs

        glyphs = load_font_glyphs(args.font_dir)
        glyphs.save(args.out)
        log.info("%d glyphs from %d families (%d held out) -> %s", len(glyphs.labels),
                 len(set(glyphs.family)), int(glyphs.held_out.sum()), args.out)
        return 0
    if args.what == "negatives":
        import numpy as np

        from camrec.classify import open_classifier
        from camrec.pipeline import Recognizer
        from camrec.train.negatives import build_negatives

        recognizer = Recognizer(open_classifier("cnn", models_dir=MODELS_DIR))
        arrays, report = build_negatives(recognizer, args.scenes, args.rendered, args.seed, args.data)
        np.savez_compressed(args.out, **arrays)
        log.info("%d negatives (%d mined from %d scenes, %d rendered) and %d scene positives -> %s",
                 len(arrays["images"]), report["mined"], args.scenes, report["rendered"],
                 len(arrays["positives"]), args.out)
        return 0
    if args.what == "export":
        from camrec.train.export import export_cnn

        fonts = load_font_glyphs_or_none(args.fonts)
        export_cnn(args.dir, args.out or args.dir, load_mnist("test", args.data), fonts)
        return 0
    train, test = load_mnist("train", args.data), load_mnist("test", args.data)
    if args.what == "cnn":
        from camrec.train.cnn import CnnTrainConfig, keras_backend_has_tensorflow, train_cnn

        fonts = _load_fonts(args)
        cfg = CnnTrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                             seed=args.seed, font_repeats=args.font_repeats, augment=not args.no_augment,
                             limit=args.limit, positive_repeats=args.positive_repeats,
                             negatives_files=tuple(f"{p.name} {_sha256(p)}" for p in args.negatives or ()),
                             init=str(args.init) if args.init else None)
        negatives, positives = _load_negatives(args.negatives)
        keras_path = train_cnn(train, test, fonts, cfg, args.out, command, negatives, positives)
        log.info("saved %s", keras_path)
        if args.no_export:
            return 0
        if not keras_backend_has_tensorflow():
            log.warning("export needs TensorFlow (KERAS_BACKEND=tensorflow); run: camrec train export %s", args.out)
            return 0
        from camrec.train.export import export_cnn

        export_cnn(args.out, args.out, test, fonts)
        return 0
    from camrec.train.svc import train_svc

    train_svc(train, test, args.out, seed=args.seed, limit=args.limit, C=args.C, command=command)
    return 0


def _sha256(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise CamrecError(path, f"cannot read ({exc.strerror})") from None


def _load_negatives(paths: list[Path] | None):
    """(negatives, (positives, labels) or None) from 'camrec train negatives' files; (None, None) without."""
    if not paths:
        return None, None
    import numpy as np

    negatives, positives, labels = [], [], []
    for path in paths:
        try:
            with np.load(path, allow_pickle=False) as data:
                negatives.append(data["images"])
                if "positives" in data:
                    positives.append(data["positives"])
                    labels.append(data["positive_labels"])
        except (OSError, KeyError, ValueError) as exc:
            raise CamrecError(path, f"not a negatives .npz from 'camrec train negatives' ({exc})") from None
    pos = (np.concatenate(positives), np.concatenate(labels)) if positives else None
    return np.concatenate(negatives), pos


