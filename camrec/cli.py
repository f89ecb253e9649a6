"""Command line: the sole owner of argv, logging set-up and default paths."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path
from typing import Callable, Sequence

from camrec import __version__
from camrec.classify.base import BACKENDS
from camrec.errors import CamrecError

log = logging.getLogger("camrec")
PROG = "camrec"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the hand-written examples as they are and show defaults."""


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(name)s: %(message)s", stream=sys.stderr)


# --------------------------------------------------------------------- train
TRAIN_HELP = """\
Train a classifier on MNIST (and printed-font digits), then export it.

examples:
  camrec train cnn                          # 20 epochs, exports to models/
  camrec train cnn --epochs 2 --out /tmp/m  # a quick try, elsewhere
  camrec train svc --data ~/mnist           # the SVC, MNIST from a folder
  camrec train fonts --out glyphs.npz       # cache font digits for another machine
  camrec train export /tmp/m                # export a cnn.keras trained elsewhere

MNIST is read from --data, else $CAMREC_MNIST, else ../shared/data/mnist
beside the checkout. Needs the train extra: pip install -e '.[train]'.
"""


def _add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", help="folder with the four MNIST IDX .gz files "
                        "(default: $CAMREC_MNIST, else ../shared/data/mnist)")


def build_train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} train", description=TRAIN_HELP, formatter_class=_Formatter)
    sub = parser.add_subparsers(dest="what", required=True, metavar="{cnn,svc,fonts,export}")

    cnn = sub.add_parser("cnn", help="train the Keras CNN and export .tflite/.onnx", formatter_class=_Formatter,
                         description="Train the CNN with camera-like augmentation on MNIST + font digits.\n\n"
                         "example:\n  camrec train cnn --epochs 20 --seed 1 --out models")
    _add_data_arg(cnn)
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

    svc = sub.add_parser("svc", help="train the SVC on HOG features", formatter_class=_Formatter,
                         description="Train an RBF SVC on HOG features of the same 28x28 crops.\n\n"
                         "example:\n  camrec train svc --out models")
    _add_data_arg(svc)
    svc.add_argument("--seed", type=int, default=0)
    svc.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    svc.add_argument("--C", type=float, default=10.0, help="SVC regularisation")
    svc.add_argument("--out", type=Path, default=MODELS_DIR)

    fonts = sub.add_parser("fonts", help="render font digits to a .npz cache", formatter_class=_Formatter)
    fonts.add_argument("--font-dir", default=None, help="folder of .ttf/.otf (default: system font folders)")
    fonts.add_argument("--out", type=Path, required=True)

    export = sub.add_parser("export", help="export cnn.keras to .tflite + .onnx + metadata",
                            formatter_class=_Formatter)
    export.add_argument("dir", type=Path, help="folder holding cnn.keras and cnn.train.json")
    _add_data_arg(export)
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
                             limit=args.limit)
        keras_path = train_cnn(train, test, fonts, cfg, args.out, command)
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


def load_font_glyphs_or_none(source):
    from camrec.datasets.fonts import load_font_glyphs

    try:
        return load_font_glyphs(source)
    except CamrecError as exc:
        log.warning("no held-out font accuracy: %s", exc)
        return None


# ---------------------------------------------------------------------- eval
EVAL_HELP = """\
Measure a shipped (or any) classifier through its runtime backend.

datasets: mnist-test (10,000 MNIST test images), sklearn-digits (1,797 8x8
digits by other writers, upscaled and normalised like camera crops), and
fonts-held-out (digits of font families never seen in training; only when
the fonts or a --fonts cache are available).

examples:
  camrec eval                               # CNN, default backend (LiteRT)
  camrec eval --model svc --json            # one JSON object on stdout
  camrec eval --backend onnx --out report/  # + confusion matrix and mistakes PNGs
"""


def build_eval_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} eval", description=EVAL_HELP, formatter_class=_Formatter)
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                        help="runtime (default: litert for cnn, numpy for svc)")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, help="folder with <model>.json")
    _add_data_arg(parser)
    parser.add_argument("--fonts", metavar="DIR|FILE.npz", default=None,
                        help="font folder or glyph cache for fonts-held-out (default: system fonts)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--out", type=Path, default=None, help="write confusion-matrix and mistakes PNGs here")
    return parser


def run_eval(argv: Sequence[str]) -> int:
    args = build_eval_parser().parse_args(argv)
    import json

    from camrec.classify import open_classifier
    from camrec.datasets.mnist import load_mnist
    from camrec.evaluate import save_confusion_png, save_mistakes_png, score, sklearn_digits

    classifier = open_classifier(args.model, args.backend, args.models_dir)
    test = load_mnist("test", args.data)
    results = [score(classifier, "mnist-test", test.images.astype("float32") / 255.0, test.labels)]
    results.append(score(classifier, "sklearn-digits", *sklearn_digits()))
    fonts = load_font_glyphs_or_none(args.fonts)
    if fonts is not None:
        results.append(score(classifier, "fonts-held-out", *fonts.split(held_out=True)))
    report = {"model": args.model, "backend": classifier.name,
              "datasets": {r.name: r.summary() for r in results}}
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for r in results:
            title = f"{args.model}/{classifier.name} {r.name}"
            save_confusion_png(r, args.out / f"{args.model}-{r.name}-confusion.png", title)
            save_mistakes_png(r, args.out / f"{args.model}-{r.name}-mistakes.png", title)
        report["figures"] = str(args.out)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.model} via {classifier.name}")
        for r in results:
            print(f"  {r.name:<16} n={len(r.labels):>6}  accuracy {r.accuracy:.2%}")
        if args.out is not None:
            print(f"  figures in {args.out}")
    return 0


# --------------------------------------------------------------------- bench
BENCH_HELP = """\
Print speed figures for this machine (nothing is asserted).

  classify: 20 crops in one batch with the default backend (median, p95 ms),
            and the same crops one call each, as the original app did;
  cold:     a fresh interpreter doing 'import camrec' + loading the model,
            and whether TensorFlow got imported (it must not).

examples:
  camrec bench
  camrec bench --model svc --json
"""


def build_bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} bench", description=BENCH_HELP, formatter_class=_Formatter)
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None)
    parser.add_argument("--crops", type=int, default=20, help="crops per batch")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    return parser


def run_bench(argv: Sequence[str]) -> int:
    args = build_bench_parser().parse_args(argv)
    import json

    from camrec.bench import bench_classifier, cold_start
    from camrec.classify import open_classifier

    classifier = open_classifier(args.model, args.backend, MODELS_DIR)
    figures = {"model": args.model, "backend": classifier.name,
               "classify": bench_classifier(classifier, args.crops, args.repeats),
               "cold": cold_start(args.model, args.backend)}
    if args.json:
        print(json.dumps(figures))
        return 0
    c, k = figures["classify"], figures["cold"]
    print(f"model {args.model} via {classifier.name}")
    print(f"  classify {c['crops']} crops, one batch : median {c['batch_ms_median']:.2f} ms, "
          f"p95 {c['batch_ms_p95']:.2f} ms")
    print(f"  classify {c['crops']} crops, one by one: median {c['one_at_a_time_ms_median']:.2f} ms "
          f"(batch is {c['speedup']}x faster)")
    print(f"  cold import camrec + load model   : {k['import_and_load_s'] * 1000:.0f} ms "
          f"(first predict {k['first_predict_s'] * 1000:.1f} ms); "
          f"tensorflow imported: {'YES' if k['tensorflow_imported'] else 'no'}")
    return 0


# ---------------------------------------------------------------------- main
SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "train": run_train,
    "eval": run_eval,
    "bench": run_bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 some inputs failed, 2 usage/data error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_logging("-v" in argv or "--verbose" in argv)
    if argv and argv[0] == "--version":
        print(f"{PROG} {__version__}")
        return 0
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return SUBCOMMANDS[argv[0]](argv[1:])
        print("usage: camrec train ...", file=sys.stderr)
        return 2
    except CamrecError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
