"""``camrec eval``: classifier accuracy, or the whole pipeline on scenes or a clip."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from camrec.classify.base import BACKENDS
from camrec.cli.common import MODELS_DIR, PROG, Formatter, add_data_arg, load_font_glyphs_or_none
from camrec.errors import CamrecError

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
    parser = argparse.ArgumentParser(prog=f"{PROG} eval", description=EVAL_HELP, formatter_class=Formatter)
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                        help="runtime (default: litert for cnn, numpy for svc)")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, help="folder with <model>.json")
    add_data_arg(parser)
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
