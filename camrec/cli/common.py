"""What every subcommand's parser shares: program name, paths, help format."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from camrec.errors import CamrecError

log = logging.getLogger("camrec")
PROG = "camrec"
SUBCOMMAND_NAMES = ("train", "eval", "bench", "synth")
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the hand-written examples as they are; show defaults that say something."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", help="folder with the four MNIST IDX .gz files "
                        "(default: $CAMREC_MNIST, else ../shared/data/mnist)")


def load_font_glyphs_or_none(source):
    """Font glyphs for the held-out-font figures, or None (with a warning) when there are none."""
    from camrec.datasets.fonts import load_font_glyphs

    try:
        return load_font_glyphs(source)
    except CamrecError as exc:
        log.warning("no held-out font accuracy: %s", exc)
        return None

