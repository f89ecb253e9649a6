"""Classifiers behind one interface; see :mod:`camrec.classify.base`."""

from camrec.classify.base import BACKENDS, Classifier, ModelMeta, open_classifier

__all__ = ["BACKENDS", "Classifier", "ModelMeta", "open_classifier"]
