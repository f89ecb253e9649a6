"""camrec: live camera recognizer for handwritten and printed digits.

Importing this package is cheap: no TensorFlow, no model loading. Backends
load their runtime lazily (see :mod:`camrec.classify`).
"""

__version__ = "0.1.0"
