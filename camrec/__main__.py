"""Allows ``python -m camrec``."""

import sys

from camrec.cli import main

sys.exit(main())
