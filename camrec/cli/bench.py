"""``camrec bench``: speed figures, printed (never asserted)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from camrec.classify.base import BACKENDS
from camrec.cli.common import MODELS_DIR, PROG, Formatter, add_data_arg
from camrec.errors import CamrecError

BENCH_HELP = """\
Print speed figures for this machine (nothing is asserted).

  classify: 20 crops in one batch with the default backend (median, p95 ms),
            the same crops one call each to that backend, and (last, when
            TensorFlow is installed) one Keras predict per crop, as the
            original app did;
  cold:     a fresh interpreter doing 'import camrec' + loading the model,
            and whether TensorFlow got imported (it must not);
  pipeline: the whole recognizer on generated 1280x720 frames with about 20
            digits (camrec synth scenes): per-stage ms (median, p95), frames
            per second, the same crops classified one at a time (batch
            speedup), cold 'python -m camrec --image one.jpg --json' wall
            time, and peak memory (ru_maxrss);
  video:    'camrec --video CLIP --no-window --json' in fresh processes, on
            one process and on the default worker processes: the frames per
            second it reports (window mode: xvfb-run -a camrec --video CLIP).

examples:
  camrec bench                              # all parts
  camrec bench --part pipeline --frames 20
  camrec bench --model svc --json
  camrec bench --part classify --original no   # without the original app's way (one Keras predict per crop)
  camrec bench --part video --clip sample_videos/cheque.mp4
"""


def build_bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} bench", description=BENCH_HELP, formatter_class=Formatter)
    parser.add_argument("--model", choices=("cnn", "svc"), default="cnn")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None)
    parser.add_argument("--crops", type=int, default=20, help="crops per batch")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--part", choices=("all", "classify", "pipeline", "video"), default="all",
                        help="classify: batch vs single crops + cold import; pipeline: the whole recognizer; "
                        "video: a clip headless, one process and worker processes")
    parser.add_argument("--clip", default=str(Path(__file__).resolve().parents[2] / "sample_videos" / "page.mp4"),
                        help="the video for the video part (default: the bundled page clip)")
    parser.add_argument("--frames", type=int, default=12, help="generated frames for the pipeline part")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated frames")
    add_data_arg(parser)
    parser.add_argument("--original", choices=("auto", "yes", "no"), default="auto",
                        help="also time the original app's way, one Keras predict per crop, after the other "
                        "parts (needs TensorFlow: the train extra); auto: when TensorFlow is installed")
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
    from camrec.cli.run import keep_freed_memory

    keep_freed_memory()  # as the run modes do
    import json

    from camrec.bench import bench_classifier, cold_start
    from camrec.classify import open_classifier
    from camrec.classify.base import default_threads

    classifier = open_classifier(args.model, args.backend, MODELS_DIR)
    figures = {"model": args.model, "backend": classifier.name, "threads": default_threads()}
    if args.part in ("all", "classify"):
        figures["classify"] = bench_classifier(classifier, args.crops, args.repeats)
        figures["cold"] = cold_start(args.model, args.backend)
    if args.part in ("all", "pipeline"):
        figures["pipeline"] = _bench_pipeline(args, classifier)
    if args.part in ("all", "video"):
        from camrec.bench import bench_video

        if not Path(args.clip).is_file():
            raise CamrecError(args.clip, "no such video file")
        figures["video"] = bench_video(args.clip, [1, None])
    if "classify" in figures:  # (last: TensorFlow's import and threads must not weigh on the other parts)
        import importlib.util

        if args.original == "yes" or (args.original == "auto" and importlib.util.find_spec("tensorflow")):
            from camrec.bench import bench_original_way

            figures["original"] = bench_original_way(figures["classify"]["batch_ms_median"], args.crops)
        else:
            figures["original"] = None
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"model {args.model} via {classifier.name}, {figures['threads']} thread(s)")
    if "classify" in figures:
        c, k = figures["classify"], figures["cold"]
        print(f"  classify {c['crops']} crops, one batch : median {c['batch_ms_median']:.2f} ms, "
              f"p95 {c['batch_ms_p95']:.2f} ms")
        print(f"  classify {c['crops']} crops, one by one: median {c['one_at_a_time_ms_median']:.2f} ms "
              f"(batch is {c['speedup']}x faster)")
        print(f"  cold import camrec + load model   : {k['import_and_load_s'] * 1000:.0f} ms "
              f"(first predict {k['first_predict_s'] * 1000:.1f} ms); "
              f"tensorflow imported: {'YES' if k['tensorflow_imported'] else 'no'}")
        o = figures.get("original")
        if o:
            print(f"  original app's way (Keras predict per crop): median {o['keras_one_at_a_time_ms_median']:.1f} ms "
                  f"for {c['crops']} crops (one {classifier.name} batch is {o['speedup_vs_batch']}x faster)")
        elif args.original == "no":
            print("  original app's way (Keras predict per crop): not timed (--original no)")
        else:
            print("  original app's way (Keras predict per crop): not timed (TensorFlow is not installed: "
                  "pip install -e '.[train]')")
    if "pipeline" in figures:
        p = figures["pipeline"]
        print(f"  pipeline on {p['frames']} generated {p['size']} frames x{p['repeats']} "
              f"(~{p['digits_true_per_frame_median']:.0f} digits each, {p['digits_per_frame_median']:.0f} "
              "digits read):")
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
    if "video" in figures:
        print(f"  camrec --video {args.clip} --no-window --json (processing frames/s, best of 2):")
        for v in figures["video"]:
            if "error" in v:
                print(f"    FAILED: {v['error']}")
                continue
            who = "one process" if v["workers"] == 1 else f"{v['workers']} worker processes"
            print(f"    {who:<20} {v['fps_best']:6.1f} fps  (runs {v['fps_runs']})")
    return 0
