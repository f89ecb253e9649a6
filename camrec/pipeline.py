"""The recognition pipeline: one object every entry point calls (layer 3).

``Recognizer(classifier, config).process(frame) -> FrameResult``:
preprocess -> segment (once more on the frame binarised again, for faint print on
a sheet or blurred small print: see ``faint_factor`` and ``sharpen`` in
:class:`~camrec.config.PipelineConfig`) -> normalize -> classify (ONE batch) -> split (at most
two more batches, for boxes too wide for one digit) -> reject -> big (a digit
too big for the frame's size limits, :mod:`camrec.big`; a small batch only
when one is there) -> group.
No windows, files, argv or clock reads here: stage timings go to an injected
:class:`~camrec.timing.StageTimer`. The classifier is injected too.
"""

from __future__ import annotations

import numpy as np

from camrec.big import BigGlyphs
from camrec.config import PipelineConfig
from camrec.crop import CropNormalizer, line_continuation, sheet_edge, side_step
from camrec.geometry import iou_matrix
from camrec.group import Grouper
from camrec.preprocess import Preprocessed, Preprocessor, edge_blur
from camrec.reject import Rejecter
from camrec.segment import Segmenter, Segments
from camrec.split import Splitter, between_sure_digits, wider_than_row
from camrec.timing import StageTimer
from camrec.types import DigitBoxes, Frame, FrameResult

STAGES = ("preprocess", "segment", "normalize", "classify", "split", "reject", "big", "group", "total")


def ink_slope(crops: np.ndarray) -> np.ndarray:
    """dx/dy of each 28x28 crop's ink axis from second moments: > 0 leans right (like '/')."""
    if len(crops) == 0:
        return np.zeros(0, np.float32)
    n = len(crops)
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float32)
    mass = crops.reshape(n, -1).sum(1) + 1e-6
    cx = (crops * xs).reshape(n, -1).sum(1) / mass
    cy = (crops * ys).reshape(n, -1).sum(1) / mass
    dx = xs[None] - cx[:, None, None]
    dy = ys[None] - cy[:, None, None]
    mu11 = (crops * dx * dy).reshape(n, -1).sum(1)
    mu02 = (crops * dy * dy).reshape(n, -1).sum(1) + 1e-6
    return (-mu11 / mu02).astype(np.float32)  # image y grows downwards


class Recognizer:
    """Turns a frame into boxed, labelled digits and numbers."""

    def __init__(self, classifier, config: PipelineConfig | None = None) -> None:
        self.classifier = classifier
        self.config = config or PipelineConfig()
        self.preprocessor = Preprocessor(self.config)
        self.segmenter = Segmenter(self.config)
        self.normalizer = CropNormalizer(self.config)
        self.splitter = Splitter(self.config)
        self.rejecter = Rejecter(self.config)
        self.grouper = Grouper(self.config)
        self.big_glyphs = BigGlyphs(self.config)

    def _predict(self, crops: np.ndarray) -> np.ndarray:
        if len(crops) == 0:
            n_classes = getattr(getattr(self.classifier, "meta", None), "n_classes", 10)
            return np.zeros((0, n_classes), np.float32)
        return np.asarray(self.classifier.predict(np.ascontiguousarray(crops, np.float32)), np.float32)

    def process(self, frame: Frame | np.ndarray, timer: StageTimer | None = None) -> FrameResult:
        if not isinstance(frame, Frame):
            frame = Frame(np.asarray(frame))
        timer = timer if timer is not None else StageTimer()
        with timer("total"):
            with timer("preprocess"):
                pre = self.preprocessor.run(frame.image)
            with timer("segment"):
                seg = self.segmenter.run(pre)
            if self._faint_print_maybe(pre, seg):  # binarised again, lower: see PipelineConfig.faint_factor
                with timer("preprocess"):
                    faint = self.preprocessor.fainter(pre)
                with timer("segment"):
                    faint_seg = self.segmenter.run(faint)
                if len(faint_seg.xyxy) > len(seg.xyxy):
                    pre, seg = faint, faint_seg
            if self._blurred_small_print(pre, seg):  # binarised again, sharpened: see PipelineConfig.sharpen
                with timer("preprocess"):
                    pre = self.preprocessor.sharpened(pre)
                with timer("segment"):
                    seg = self.segmenter.run(pre)
            with timer("normalize"):
                crops = self.normalizer.run(pre, seg)
            with timer("classify"):
                if crops.needed is None or crops.needed.all():
                    probs = self._predict(crops.images)
                else:  # crops rejected whatever their label (see Crops.needed) are not classified
                    some = self._predict(crops.images[crops.needed])
                    probs = np.zeros((len(crops.images), some.shape[1]), np.float32)
                    probs[crops.needed] = some
            with timer("split"):
                xyxy, images, probs, fill, framed, surround = self._split(pre, seg, crops, probs)
            with timer("reject"):
                slope = ink_slope(images) if self.config.slash_slope is not None else None
                runs_on = line_continuation(pre, xyxy) if self.config.max_line_continuation < 1.0 else None
                step = side_step(pre, xyxy) if self.config.max_side_step < 1.0 else None
                if step is not None and self.config.sheet_edges:  # (a piece of the sheet's outline: an edge)
                    step = np.maximum(step, sheet_edge(pre, xyxy))
                verdict = self.rejecter.run(xyxy, probs, fill, framed, seg.marks, surround, slope, runs_on,
                                            step)
                marks = seg.marks
                slash = verdict.reason == "slash"
                if slash.any():  # a date's slashes are separators for the group stage
                    marks = np.concatenate([marks, xyxy[slash]])
            keep = np.flatnonzero(verdict.keep)
            # all kept digits, in frame coordinates: this frame's, then any too big for it (see _big)
            all_xyxy, all_label, all_score = xyxy[keep] / pre.scale, verdict.label[keep], verdict.score[keep]
            all_probs, all_crops = probs[keep], images[keep]
            if self.config.big_glyphs:
                with timer("big"):
                    big = self._big(pre, all_xyxy)
                if big is not None:
                    b_xyxy, b_label, b_score, b_probs, b_crops = big
                    all_xyxy = np.concatenate([all_xyxy, b_xyxy])
                    all_label = np.concatenate([all_label, b_label])
                    all_score = np.concatenate([all_score, b_score])
                    all_probs = np.concatenate([all_probs, b_probs])
                    all_crops = np.concatenate([all_crops, b_crops])
            with timer("group"):
                numbers = self.grouper.run(all_xyxy, all_label, all_score, marks / pre.scale)
                # digits in reading order: number by number, left to right
                order = [i for number in numbers for i in number.digits]
                new_index = {old: new for new, old in enumerate(order)}
                for number in numbers:
                    number.digits = [new_index[i] for i in number.digits]
                sel = np.asarray(order, np.int64)
            digits = DigitBoxes(all_xyxy[sel], all_label[sel], all_score[sel], all_probs[sel])
        ms = {k: timer.ms.get(k, 0.0) for k in STAGES}
        return FrameResult(frame=frame.index, width=frame.width, height=frame.height, digits=digits,
                           numbers=numbers, timing_ms=ms, source=frame.source, crops=all_crops[sel])

    def _faint_print_maybe(self, pre: Preprocessed, seg: Segments) -> bool:
        """Next to nothing found on a sheet, at a threshold that can still be lowered."""
        cfg = self.config
        return bool(cfg.faint_factor > 0 and pre.sheet is not None and len(seg.xyxy) < cfg.faint_below
                    and pre.threshold * cfg.faint_factor > cfg.min_contrast)

    def _blurred_small_print(self, pre: Preprocessed, seg: Segments) -> bool:
        """Small candidates with soft edges (checked in this order: the edge measure costs most)."""
        cfg = self.config
        return bool(cfg.sharpen > 0 and len(seg.xyxy) and seg.median_height < cfg.sharpen_below
                    and edge_blur(pre.contrast, seg.xyxy) > cfg.sharpen_blur)

    def _big(self, pre: Preprocessed, found: np.ndarray):
        """Digits too big for the frame's size limits (see :mod:`camrec.big`), read and rejected like
        the others (a second, small batch: only when such a glyph is there), that overlap no digit
        ``found`` (xyxy, frame coordinates). None, or their (xyxy, label, score, probs, crops)."""
        cand = self.big_glyphs.find(pre.gray)
        if not len(cand.xyxy):
            return None
        xyxy = cand.xyxy / pre.scale
        if len(found):
            free = ~(iou_matrix(xyxy, found) > 0).any(1)
            if not free.any():
                return None
            xyxy, crops = xyxy[free], cand.crops[free]
        else:
            crops = cand.crops
        probs = self._predict(crops)
        verdict = self.rejecter.run(xyxy, probs, np.full(len(xyxy), 0.3, np.float32))
        keep = verdict.keep & (verdict.score >= self.config.big_glyph_confidence)  # (alone: no context rules)
        if not keep.any():
            return None
        return xyxy[keep], verdict.label[keep], verdict.score[keep], probs[keep], crops[keep]

    def _split(self, pre, seg, crops, probs):
        """Replace too-wide boxes by the pieces the classifier is surest of (at most two more batches).

        Returns boxes, crops, probs, fill, frame flags and texture scores of the (possibly split) boxes."""
        xyxy = seg.xyxy
        n = len(xyxy)
        # texture score per box (> 1: the box stands in texture), see Rejecter
        texture = np.maximum(crops.surround / self.config.max_surround,
                             crops.surround_own / self.config.max_surround_own)
        if n == 0:
            return xyxy, crops.images, probs, crops.fill, crops.frame, texture
        cfg = self.config
        aspect = (xyxy[:, 2] - xyxy[:, 0]) / np.maximum(xyxy[:, 3] - xyxy[:, 1], 1)
        conf = probs[:, :10].max(1)
        if probs.shape[1] > 10:
            conf = np.where(probs.argmax(1) == 10, 0.0, conf)
        # surely too wide for one digit, or rather wide and the classifier is unsure
        wide = (aspect > cfg.split_aspect) | ((aspect > cfg.split_aspect_unsure) & (conf < cfg.min_confidence))
        if cfg.split_wide_in_row:  # or much wider than the characters beside it (printed pairs run together)
            wide |= wider_than_row(xyxy, aspect, ~wide & (aspect > 0.9), cfg.split_wide_in_row)
        # pieces inherit the region's texture score and a drawn frame stays a frame: those are rejected
        # whatever the split, so they are not tried (saves crops and classifier time)
        wide &= (texture <= 1.0) & ~crops.frame
        # every piece must beat the whole box: one read this surely is seldom beaten (a try costs crops and
        # classifier time)
        wide &= conf < cfg.split_max_confidence
        # a word or a rule is no row of touching digits: those are digit-sized and at most about 3 wide
        rel_h = (xyxy[:, 3] - xyxy[:, 1]) / max(seg.median_height, 1.0)
        wide &= (aspect <= cfg.split_max_aspect) & (rel_h >= cfg.split_height[0]) & (rel_h <= cfg.split_height[1])
        if probs.shape[1] > 10:  # a box of usual width the model calls "not a digit" is a letter, not two digits
            doubted = wide & (aspect <= cfg.split_aspect) & (probs[:, 10] > cfg.split_not_digit)
            if cfg.split_between_digits:
                # ... unless sure digits stand right beside it on both sides: a date's '/' run into the digit
                # after it ("/2") is no letter but the first of two pieces
                doubted &= ~between_sure_digits(xyxy, doubted, (conf >= 0.9) & (probs[:, 10] < 0.5))
            wide &= ~doubted
        if not wide.any():
            return xyxy, crops.images, probs, crops.fill, crops.frame, texture
        splits = self.splitter.split(seg, wide, conf, lambda m, x0, y0: self.normalizer.piece(pre, m, x0, y0),
                                     self._predict)
        if not splits:
            return xyxy, crops.images, probs, crops.fill, crops.frame, texture
        replaced = {s.region for s in splits}
        keep = np.array([i not in replaced for i in range(n)])
        parts_xyxy = [xyxy[keep]] + [s.pieces for s in splits]
        parts_img = [crops.images[keep]] + [s.crops for s in splits]
        parts_prob = [probs[keep]] + [s.probs for s in splits]
        parts_fill = [crops.fill[keep]] + [np.full(len(s.pieces), 0.3, np.float32) for s in splits]
        parts_frame = [crops.frame[keep]] + [np.zeros(len(s.pieces), bool) for s in splits]
        parts_sur = [texture[keep]] + [np.full(len(s.pieces), texture[s.region], np.float32) for s in splits]
        return (np.concatenate(parts_xyxy).astype(np.float32), np.concatenate(parts_img),
                np.concatenate(parts_prob), np.concatenate(parts_fill), np.concatenate(parts_frame),
                np.concatenate(parts_sur))
