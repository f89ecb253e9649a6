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
    cnn.add_argument("--negatives", metavar="FILE.npz", type=Path, default=None,
                     help="'not a digit' crops from 'camrec train negatives': adds an 11th class")

    svc = sub.add_parser("svc", help="train the SVC on HOG features", formatter_class=_Formatter,
                         description="Train an RBF SVC on HOG features of the same 28x28 crops.\n\n"
                         "example:\n  camrec train svc --out models")
    _add_data_arg(svc)
    svc.add_argument("--seed", type=int, default=0)
    svc.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    svc.add_argument("--C", type=float, default=10.0, help="SVC regularisation")
    svc.add_argument("--out", type=Path, default=MODELS_DIR)

    neg = sub.add_parser("negatives", help="mine and render 'not a digit' crops for an 11-class CNN",
                         formatter_class=_Formatter,
                         description="Candidates the pipeline finds on generated scenes that touch no digit,\n"
                         "plus rendered letters, symbols and fragments (no MNIST test pixels).\n\n"
                         "example:\n  camrec train negatives --scenes 300 --rendered 15000 --out negatives.npz")
    _add_data_arg(neg)
    neg.add_argument("--scenes", type=int, default=300, help="generated scenes to mine")
    neg.add_argument("--rendered", type=int, default=15000, help="rendered negatives to add")
    neg.add_argument("--seed", type=int, default=4242, help="scene seed (keep it apart from evaluation seeds)")
    neg.add_argument("--out", type=Path, required=True)

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
    if args.what == "negatives":
        import numpy as np

        from camrec.classify import open_classifier
        from camrec.pipeline import Recognizer
        from camrec.train.negatives import build_negatives

        recognizer = Recognizer(open_classifier("cnn", models_dir=MODELS_DIR))
        images, report = build_negatives(recognizer, args.scenes, args.rendered, args.seed, args.data)
        np.savez_compressed(args.out, images=images)
        log.info("%d negatives (%d mined from %d scenes, %d rendered) -> %s", len(images), report["mined"],
                 args.scenes, report["rendered"], args.out)
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
        negatives = _load_negatives(args.negatives)
        keras_path = train_cnn(train, test, fonts, cfg, args.out, command, negatives)
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


def _load_negatives(path: Path | None):
    if path is None:
        return None
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            return data["images"]
    except (OSError, KeyError, ValueError) as exc:
        raise CamrecError(path, f"not a negatives .npz from 'camrec train negatives' ({exc})") from None


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

With --scenes DIR it instead runs the whole recognizer over generated scenes
(camrec synth) and scores digit precision/recall/F1 (a hit needs IoU >= 0.5
and the right label), number exact match (same digits, IoU >= 0.5) and false
digits on distractors per scene, overall and by layout.

examples:
  camrec eval                               # CNN, default backend (LiteRT)
  camrec eval --model svc --json            # one JSON object on stdout
  camrec eval --backend onnx --out report/  # + confusion matrix and mistakes PNGs
  camrec eval --scenes tests/data/scenes    # the whole pipeline on scenes
  camrec eval --scenes /tmp/s --json --out report/  # + per-scene details (scenes.jsonl)
  camrec eval --video sample_videos/page.mp4        # a clip: F1, exact match, flicker
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
    parser.add_argument("--out", type=Path, default=None, help="write confusion-matrix and mistakes PNGs here "
                        "(with --scenes: per-scene details, scenes.jsonl)")
    parser.add_argument("--scenes", type=Path, metavar="DIR", default=None,
                        help="score the whole recognizer on scene_*.jpg/.json from 'camrec synth'")
    parser.add_argument("--video", type=Path, metavar="CLIP.mp4", default=None,
                        help="score the recognizer on a clip with CLIP.json beside it ('camrec synth --clips'): "
                        "digit F1, number exact match and label flicker, without and with tracking")
    return parser


def run_eval_scenes(args: argparse.Namespace) -> int:
    import json

    import cv2
    from tqdm import tqdm

    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer
    from camrec.scenes import Prediction, find_scenes, load_truth, report, score_scene

    paths = find_scenes(args.scenes)
    recognizer = Recognizer(open_classifier(args.model, args.backend, args.models_dir))
    scores, details = [], []
    for path in tqdm(paths, desc="scenes", unit="scene", file=sys.stderr, disable=None):
        truth = load_truth(path)
        image = cv2.imread(str(truth.image), cv2.IMREAD_COLOR)
        if image is None:
            raise CamrecError(truth.image, "cannot read the scene image")
        result = recognizer.process(image)
        scores.append(score_scene(truth, Prediction.from_result(result)))
        details.append(dict(scores[-1].to_dict(), predicted=result.to_json()))
    summary = {"model": args.model, "backend": recognizer.classifier.name, "scenes_dir": str(args.scenes),
               **report(scores)}
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "scenes.jsonl", "w") as fh:
            for item in details:
                fh.write(json.dumps(item) + "\n")
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{args.model} via {summary['backend']} on {len(scores)} scenes in {args.scenes}")
    rows = [("all", summary)] + list(summary["by_layout"].items())
    print(f"  {'layout':<10} {'scenes':>6} {'digits':>6} {'P':>6} {'R':>6} {'F1':>6} {'label':>6} "
          f"{'numbers':>7} {'exact':>6} {'false/scene':>11}")
    for name, r in rows:
        print(f"  {name:<10} {r['scenes']:>6} {r['digits_true']:>6} {r['precision']:>6.3f} {r['recall']:>6.3f} "
              f"{r['f1']:>6.3f} {r['label_accuracy']:>6.3f} {r['numbers_true']:>7} "
              f"{r['number_exact_match']:>6.3f} {r['false_digits_per_scene']:>11.2f}")
    return 0


def run_eval(argv: Sequence[str]) -> int:
    args = build_eval_parser().parse_args(argv)
    import json

    if args.scenes is not None:
        return run_eval_scenes(args)
    if args.video is not None:
        from camrec.classify import open_classifier
        from camrec.pipeline import Recognizer
        from camrec.videoscore import evaluate_clip, format_clip_report

        figures = evaluate_clip(args.video, Recognizer(open_classifier(args.model, args.backend, args.models_dir)))
        print(json.dumps(figures) if args.json else format_clip_report(figures))
        return 0

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
            and whether TensorFlow got imported (it must not);
  pipeline: the whole recognizer on generated 1280x720 frames with about 20
            digits (camrec synth scenes): per-stage ms (median, p95), frames
            per second, the same crops classified one at a time (batch
            speedup), cold 'python -m camrec --image one.jpg --json' wall
            time, and peak memory (ru_maxrss).

examples:
  camrec bench                              # all parts
  camrec bench --part pipeline --frames 20
  camrec bench --model svc --json
"""


def build_bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} bench", description=BENCH_HELP, formatter_class=_Formatter)
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None)
    parser.add_argument("--crops", type=int, default=20, help="crops per batch")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--part", choices=("all", "classify", "pipeline"), default="all",
                        help="classify: batch vs single crops + cold import; pipeline: the whole recognizer")
    parser.add_argument("--frames", type=int, default=12, help="generated frames for the pipeline part")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated frames")
    _add_data_arg(parser)
    parser.add_argument("--json", action="store_true")
    return parser


def _bench_pipeline(args: argparse.Namespace, classifier) -> dict:
    import tempfile

    from camrec.bench import bench_pipeline, cold_start_image, peak_memory_mb
    from camrec.pipeline import Recognizer
    from camrec.synth import bench_frames

    scenes = bench_frames(args.frames, args.seed, (1280, 720), data_dir=args.data)
    if not scenes:
        raise CamrecError("bench", "could not generate frames with about 20 digits")
    figures = bench_pipeline(Recognizer(classifier), [s.image for s in scenes])
    figures["digits_true_per_frame_median"] = float(sorted(len(s.truth["digits"]) for s in scenes)[len(scenes) // 2])
    figures["peak_memory_mb"] = peak_memory_mb()  # includes the scene generator (fonts, MNIST)
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.jpg"
        one.write_bytes(scenes[0].jpeg)
        figures["cold_image"] = cold_start_image(str(one), args.model, args.backend)
    return figures


def run_bench(argv: Sequence[str]) -> int:
    args = build_bench_parser().parse_args(argv)
    import json

    from camrec.bench import bench_classifier, cold_start
    from camrec.classify import open_classifier

    classifier = open_classifier(args.model, args.backend, MODELS_DIR)
    figures = {"model": args.model, "backend": classifier.name}
    if args.part in ("all", "classify"):
        figures["classify"] = bench_classifier(classifier, args.crops, args.repeats)
        figures["cold"] = cold_start(args.model, args.backend)
    if args.part in ("all", "pipeline"):
        figures["pipeline"] = _bench_pipeline(args, classifier)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"model {args.model} via {classifier.name}")
    if "classify" in figures:
        c, k = figures["classify"], figures["cold"]
        print(f"  classify {c['crops']} crops, one batch : median {c['batch_ms_median']:.2f} ms, "
              f"p95 {c['batch_ms_p95']:.2f} ms")
        print(f"  classify {c['crops']} crops, one by one: median {c['one_at_a_time_ms_median']:.2f} ms "
              f"(batch is {c['speedup']}x faster)")
        print(f"  cold import camrec + load model   : {k['import_and_load_s'] * 1000:.0f} ms "
              f"(first predict {k['first_predict_s'] * 1000:.1f} ms); "
              f"tensorflow imported: {'YES' if k['tensorflow_imported'] else 'no'}")
    if "pipeline" in figures:
        p = figures["pipeline"]
        print(f"  pipeline on {p['frames']} generated {p['size']} frames x{p['repeats']} "
              f"(~{p['digits_true_per_frame_median']:.0f} digits each, {p['digits_per_frame_median']:.0f} crops "
              "classified):")
        for name, v in p["stages_ms"].items():
            print(f"    {name:<11} median {v['median']:7.2f} ms   p95 {v['p95']:7.2f} ms")
        print(f"    frame      median {p['frame_ms_median']:.2f} ms, p95 {p['frame_ms_p95']:.2f} ms "
              f"-> {p['fps']} frames/s")
        if p["batch_speedup"] is not None:
            print(f"    classify the frame's crops: one batch {p['classify_batch_ms_median']:.2f} ms, "
                  f"one at a time {p['classify_one_at_a_time_ms_median']:.2f} ms "
                  f"(batch is {p['batch_speedup']}x faster)")
        c = p["cold_image"]
        state = "ok" if c["exit_code"] == 0 else f"FAILED (exit {c['exit_code']}): {c.get('error', '')}"
        print(f"  cold 'python -m camrec --image one.jpg --json': best {c['wall_s_best']:.2f} s "
              f"of {c['wall_s_runs']} ({state})")
        peak = c.get("peak_memory_mb")
        print(f"  peak memory: 'camrec --image one.jpg' {peak if peak is not None else '?'} MiB (VmHWM); "
              f"this bench process {p['peak_memory_mb']:.0f} MiB (ru_maxrss, includes the scene generator)")
    return 0


# --------------------------------------------------------------------- synth
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

    parser = argparse.ArgumentParser(prog=f"{PROG} synth", description=SYNTH_HELP, formatter_class=_Formatter)
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
    _add_data_arg(parser)
    return parser


def run_synth(argv: Sequence[str]) -> int:
    args = build_synth_parser().parse_args(argv)
    if args.clips is not None:
        from tqdm import tqdm

        from camrec.synth_video import write_clips

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


# ------------------------------------------------------------------ run mode
RUN_HELP = """\
Read every digit and whole number in photos (the recognition pipeline).

camrec finds handwritten and printed digits, classifies them all in one
batch, drops what is not a digit, and groups digits on one text line into
numbers (phone numbers, dates, times and amounts keep their - . , : separators
in the display form; 'text' holds the digits only).

examples:
  camrec --image page.jpg                   # one summary line per image
  camrec --image scans/ 'photos/*.png'      # folders and globs, in order
  camrec --image page.jpg --json            # one JSON line per image (logs on stderr)
  camrec --image page.jpg --save out/       # annotated copies in out/
  camrec --image page.jpg --model svc -v    # the SVC, with per-stage timings

A bad file prints 'camrec: error: <file>: <reason>', the others are still
processed, and the exit code is 1 at the end.

subcommands (each has --help):
  camrec train   train a classifier (CNN or SVC) and export it
  camrec eval    measure a classifier, or the whole pipeline on scenes
  camrec bench   speed figures for this machine
  camrec synth   generate photo-like scenes with ground truth
"""

NOT_YET = ("camera", "video", "draw")


def build_run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=RUN_HELP, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--image", nargs="+", metavar="PATH", help="image files, folders or globs")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per image on stdout (source, frame, width, height, "
                        "digits, numbers, timing_ms)")
    parser.add_argument("--save", type=Path, metavar="DIR", default=None,
                        help="write annotated copies (boxes, labels, numbers, confidence) into DIR")
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn", help="classifier")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                        help="runtime (default: litert for cnn, numpy for svc)")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, help="folder with <model>.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (per-stage timings)")
    later = parser.add_argument_group("not available yet (a later version)")
    later.add_argument("--camera", nargs="?", const="0", metavar="INDEX|URL", help="live camera")
    later.add_argument("--video", metavar="PATH", help="a video file")
    later.add_argument("--draw", action="store_true", help="draw digits with the mouse")
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


def run_mode(argv: Sequence[str]) -> int:
    """``camrec --image ...``: recognise digits and numbers in still images."""
    parser = build_run_parser()
    args = parser.parse_args(argv)
    for name in NOT_YET:
        value = getattr(args, name)
        if value not in (None, False):
            print(f"{PROG}: --{name} is not available yet (use --image)", file=sys.stderr)
            return 2
    if not args.image:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: nothing to do: give --image PATH (or a subcommand: "
              f"{', '.join(SUBCOMMANDS)}); see camrec --help", file=sys.stderr)
        return 2
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


# ---------------------------------------------------------------------- main
SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "train": run_train,
    "eval": run_eval,
    "bench": run_bench,
    "synth": run_synth,
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
        return run_mode(argv)
    except CamrecError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
