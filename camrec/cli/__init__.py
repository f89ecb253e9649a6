"""Command line: the sole owner of argv, logging set-up and default paths.

``camrec [--image|--video|--camera|--draw] ...`` runs the recognizer
(:mod:`camrec.cli.run`); ``camrec train|eval|bench|synth ...`` are the
subcommands, one module each.
"""

from __future__ import annotations

import logging
import sys
from typing import Callable, Sequence

from camrec import __version__
from camrec.cli.bench import run_bench
from camrec.cli.common import PROG, SUBCOMMAND_NAMES
from camrec.cli.eval import run_eval
from camrec.cli.run import run_mode
from camrec.cli.synth import run_synth
from camrec.cli.train import run_train
from camrec.errors import CamrecError

SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "train": run_train,
    "eval": run_eval,
    "bench": run_bench,
    "synth": run_synth,
}
assert tuple(SUBCOMMANDS) == SUBCOMMAND_NAMES


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(name)s: %(message)s", stream=sys.stderr)


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
    except BrokenPipeError:  # e.g. piped into head: the reader has gone, nothing left to say
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
