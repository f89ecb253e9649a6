"""Preprocess: a frame -> gray, ink contrast map and binary ink mask (layer 1).

Illumination-robust binarisation:

1. gray (and downscale to the working resolution when the frame is huge);
2. ink polarity: thin dark structures (black-hat) against thin light ones
   (top-hat) on a half-size copy tell dark ink on light paper from
   chalk/marker on a dark board (a bright sheet on a dark desk is large, so
   it does not count); when undecided, deviations from a wide local median
   (the background: ink is the minority) decide;
3. background: a morphological closing (dark ink) of a 4x smaller copy with
   a kernel wider than the widest expected stroke, smoothed and upsampled:
   shadows and light gradients are in it, strokes are not;
4. contrast = (background - gray) / background, a relative ink strength that
   is the same under bright and dim light;
5. threshold: Otsu on the contrast map, clamped to [min_contrast,
   max_contrast] (the lower clamp keeps a blank page blank: noise never
   reaches 12 % of the background);
6. the sheet (page, cheque, note, plate) when one stands out from the desk,
   a shadow across it included: where the desk is busy, ink off it is no ink.

The pipeline may ask for the same frame binarised again (polarity,
background and sheet reused): sharpened, for small print in soft focus
(:meth:`Preprocessor.sharpened`, :func:`edge_blur`), or at a lower
threshold, for faint print on a sheet (:meth:`Preprocessor.fainter`).

Pure computation: no windows, files or clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camrec.config import PipelineConfig


@dataclass
class Preprocessed:
    """What the later stages work on, all at the working resolution."""

    gray: np.ndarray  # uint8, ink polarity as in the frame
    contrast: np.ndarray  # uint8, 0 = background, 255 = ink as strong as can be
    binary: np.ndarray  # uint8 0/1 ink mask
    dark_ink: bool  # True: dark ink on light paper
    scale: float  # working / original size
    threshold: float  # contrast threshold used, fraction of background
    page: np.ndarray | None = None  # uint8 0/1 mask of the sheet (working resolution), None: no clear sheet
    # for a second binarisation of the same frame (Preprocessor.sharpened, .fainter): the paper background
    # and the sheet found, before the busy-desk test
    background: np.ndarray | None = None
    sheet: np.ndarray | None = None
    faint: bool = False  # binarised at a lowered threshold for faint print (see Preprocessor.fainter)


def to_gray(image: np.ndarray) -> np.ndarray:
    """BGR, BGRA or gray of any dtype -> gray uint8."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        else:
            image = image.astype(np.float32)
            hi = float(image.max()) if image.size else 1.0
            image = np.clip(image * (255.0 / (hi if hi > 1.0 else 1.0)), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise ValueError(f"not an image: shape {image.shape}")


def _percentile_u8(image: np.ndarray, q: float) -> float:
    """``np.percentile(image, q)`` (linear method, same arithmetic) of a uint8 image, from its histogram."""
    hist = cv2.calcHist([image], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    n = image.size
    qq = q / 100.0
    virtual = n * qq + (1 + qq * (1 - 1 - 1)) - 1  # numpy's virtual index for the linear method
    lo = int(np.floor(virtual))
    gamma = virtual - lo
    lo = min(max(lo, 0), n - 1)
    hi = min(lo + 1, n - 1)
    a = float(np.searchsorted(cum, lo, side="right"))  # value of the lo-th smallest pixel
    b = float(np.searchsorted(cum, hi, side="right"))
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def ink_contrast(background: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(background - image, the same as a fraction of the background scaled to 0-255) for dark ink; a
    pixel brighter than the background is background too. uint8 images of one size."""
    background = cv2.max(background, image)
    diff = cv2.subtract(background, image)
    return diff, cv2.divide(diff, cv2.max(background, 1), scale=255)


def edge_blur(contrast: np.ndarray, boxes: np.ndarray, max_boxes: int = 16) -> float:
    """How soft the ink's edges are, in px: per box (xyxy; ``max_boxes`` of them, spread over the list),
    its strongest ink contrast over its steepest step per pixel (Sobel), the median over the boxes. A
    step blurred by a Gaussian of sigma s rises over about 2.5 s px: on dev scenes sharp strokes measure
    about 2.7 (behind the 3x3 denoise), soft focus or motion blur 3.5 and more. 0.0: no box holds
    clear ink."""
    H, W = contrast.shape
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if len(boxes) > max_boxes:
        boxes = boxes[np.linspace(0, len(boxes) - 1, max_boxes).astype(int)]
    values = []
    for x0, y0, x1, y1 in boxes.astype(int).tolist():
        x0, y0, x1, y1 = max(x0 - 1, 0), max(y0 - 1, 0), min(x1 + 1, W), min(y1 + 1, H)
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        roi = contrast[y0:y1, x0:x1]
        peak = float(roi.max())
        if peak <= 20:
            continue
        gx = cv2.Sobel(roi, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(roi, cv2.CV_32F, 0, 1, ksize=3)
        step = cv2.minMaxLoc(cv2.magnitude(gx, gy))[1] / 8.0  # (the 3x3 Sobel weighs a 1 px step 8 times)
        values.append(peak / max(step, 1e-3))
    return float(np.median(values)) if values else 0.0


class Preprocessor:
    """``run(image) -> Preprocessed``."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()

    def run(self, image: np.ndarray) -> Preprocessed:
        cfg = self.config
        gray = to_gray(image)
        h, w = gray.shape
        scale = 1.0
        if max(h, w) > cfg.work_max_side:
            scale = cfg.work_max_side / max(h, w)
            gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                              interpolation=cv2.INTER_AREA)
            h, w = gray.shape
        smooth = self._denoised(gray)

        f = cfg.background_scale
        sw, sh = max(1, w // f), max(1, h // f)
        small = cv2.resize(smooth, (sw, sh), interpolation=cv2.INTER_AREA)
        half = cv2.resize(gray, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
        tiny = cv2.resize(small, (max(1, sw // 2), max(1, sh // 2)), interpolation=cv2.INTER_AREA)
        dark_ink = self._dark_ink(cv2.GaussianBlur(half, (3, 3), 0) if min(half.shape) >= 3 else half, tiny)
        if not dark_ink:
            smooth = 255 - smooth
            small = 255 - small
        # Kernel (in small pixels) wider than the widest stroke: min side * max_stroke_frac * 2.
        k = int(max(3, round(2 * cfg.max_stroke_frac * min(h, w) / f)) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
        # a little darker than the closing: where paper meets a darker desk or shadow, the upsampled
        # background must not reach over the dark side (a strip of false 'ink' along every paper edge)
        background = cv2.erode(background, np.ones((5, 5), np.uint8))
        page = self._page(background, (w, h), cfg.sheet_shadow) if cfg.find_page else None
        background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
        return self._binarize(gray, smooth, background, dark_ink, scale, page)

    def sharpened(self, pre: Preprocessed) -> Preprocessed:
        """The same frame binarised again after an unsharp mask (``sharpen``): small print in soft focus or
        motion blur runs together at the threshold, and a sharper copy keeps its characters apart. The
        polarity, paper background and sheet of ``pre`` are reused (sharpening does not change them), and
        so is a lowered threshold (see :meth:`fainter`)."""
        cfg = self.config
        smooth = self._smooth(pre)
        blurred = cv2.GaussianBlur(smooth, (0, 0), cfg.sharpen_sigma)
        smooth = cv2.addWeighted(smooth, 1 + cfg.sharpen, blurred, -cfg.sharpen, 0)
        return self._binarize(pre.gray, smooth, pre.background, pre.dark_ink, pre.scale, pre.sheet,
                              threshold=pre.threshold if pre.faint else None, faint=pre.faint)

    def fainter(self, pre: Preprocessed) -> Preprocessed:
        """The same frame binarised again at ``faint_factor`` x its threshold (not below ``min_contrast``),
        with the sheet masked whatever the desk: faint print (a receipt, a light pen) on a sheet whose
        desk is contrasty enough to set the frame's threshold above the print's own contrast. The
        polarity, paper background and sheet of ``pre`` are reused."""
        cfg = self.config
        threshold = max(cfg.min_contrast, cfg.faint_factor * pre.threshold)
        return self._binarize(pre.gray, self._smooth(pre), pre.background, pre.dark_ink, pre.scale, pre.sheet,
                              threshold=threshold, faint=True)

    def _denoised(self, gray: np.ndarray) -> np.ndarray:
        """A 3x3 Gaussian against JPEG and sensor noise (``denoise``)."""
        return cv2.GaussianBlur(gray, (3, 3), 0) if self.config.denoise and min(gray.shape) >= 3 else gray

    def _smooth(self, pre: Preprocessed) -> np.ndarray:
        """The denoised gray of ``pre``, dark ink (as :meth:`run` makes it)."""
        smooth = self._denoised(pre.gray)
        return smooth if pre.dark_ink else 255 - smooth

    def _binarize(self, gray: np.ndarray, smooth: np.ndarray, background: np.ndarray, dark_ink: bool,
                  scale: float, sheet: np.ndarray | None, threshold: float | None = None,
                  faint: bool = False) -> Preprocessed:
        """Contrast map, threshold (Otsu's, clamped; or ``threshold``) and ink mask of ``smooth`` (dark ink)
        against ``background``; ``faint``: the sheet is masked whatever the desk."""
        cfg = self.config
        h, w = smooth.shape
        diff, contrast = ink_contrast(background, smooth)

        if threshold is None:
            sample = np.ascontiguousarray(contrast[::2, ::2]) if min(h, w) >= 64 else contrast
            t_otsu, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
            threshold = float(np.clip(t_otsu / 255.0, cfg.min_contrast, cfg.max_contrast))
        t = threshold
        _, binary = cv2.threshold(contrast, t * 255.0, 1, cv2.THRESH_BINARY)
        if cfg.min_ink_levels > 0:
            # and by a few gray levels at least: on a near-black frame sensor noise is a large fraction of
            # the background, but no ink anyone could read
            binary = cv2.bitwise_and(binary, cv2.threshold(diff, cfg.min_ink_levels - 1, 1, cv2.THRESH_BINARY)[1])
        if cfg.relative_ink > 0 and min(h, w) >= 8:
            # ink must also reach a fraction of the strongest ink right around it: the blurred fringe of
            # a stroke and the weak bridges between touching characters drop out, strokes stay whole
            r = cfg.relative_radius
            peak = cv2.dilate(contrast, np.ones((2 * r + 1, 2 * r + 1), np.uint8))
            floor = cv2.convertScaleAbs(peak, alpha=cfg.relative_ink)
            binary = cv2.bitwise_and(binary, cv2.compare(contrast, floor, cv2.CMP_GE) // 255)
        page = sheet
        if page is not None:
            # the sheet mask is only used where what lies around the sheet is busy (desk texture making
            # ink-like marks; see busy_desk_ink); a shadow or a plain desk around it leaves nothing to mask
            n_on = cv2.countNonZero(page)
            n_off = page.size - n_on
            ink_on = cv2.countNonZero(cv2.bitwise_and(binary, page))
            d_in = ink_on / max(n_on, 1)
            d_out = (cv2.countNonZero(binary) - ink_on) / max(n_off, 1)
            busy = max(1.5 * d_in, 0.01)
            if cfg.busy_desk_ink is not None:
                busy = min(busy, cfg.busy_desk_ink)
            if d_out < busy and not faint:
                page = None
        return Preprocessed(gray=gray, contrast=contrast, binary=binary, dark_ink=dark_ink, scale=scale,
                            threshold=t, page=page, background=background, sheet=sheet, faint=faint)

    @staticmethod
    def _sheet(background: np.ndarray, grad: np.ndarray, t: float):
        """(convex hull, area, mean inside, mean outside) of the largest part brighter than t, if it is a
        sheet (see :meth:`_page`); else None."""
        sh, sw = background.shape
        bright = (background > t).astype(np.uint8)
        # (labels without OpenCV's stats and areas by counting: the same figures in half the time)
        k, lab = cv2.connectedComponents(bright, connectivity=4)
        if k < 2:
            return None
        areas = np.bincount(lab.ravel(), minlength=k)
        i = 1 + int(np.argmax(areas[1:]))
        area = float(areas[i])
        if not 0.01 <= area / (sh * sw) <= 0.92:
            return None
        part = (lab == i).astype(np.uint8)
        # (pixel sums are whole numbers, exact in double precision: the same means as numpy's)
        total = float(cv2.sumElems(background)[0])
        in_sum = float(cv2.sumElems(cv2.bitwise_and(background, background, mask=part))[0])
        inside = in_sum / area
        outside = (total - in_sum) / (background.size - area)
        if inside - outside < 0.15 * max(inside, 1.0):
            return None
        # its outline must be an edge (a sheet against the desk), not an iso-line of a lighting gradient
        rim = part - cv2.erode(part, np.ones((3, 3), np.uint8))
        rim[[0, -1], :] = 0
        rim[:, [0, -1]] = 0
        if rim.sum() < 8 or float(np.median(grad[rim > 0])) < 0.1 * inside:
            return None
        contours, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.convexHull(max(contours, key=cv2.contourArea))
        if area < 0.85 * cv2.contourArea(hull):
            return None
        return hull, area, inside, outside

    @staticmethod
    def _page(background: np.ndarray, size: tuple[int, int], shadow_step: float = 0.0) -> np.ndarray | None:
        """The sheet (page, note, cheque, plate, board) the ink is on, when one clearly stands out.

        On the small background image (ink already closed away; paper is bright after the polarity
        flip) the bright side of a threshold split is taken (Otsu's, then a few higher ones); its
        largest connected part is the sheet if it covers 1-92 % of the frame (a plate may be small), is
        clearly brighter than the rest, is outlined by a real edge (not the iso-line of a lighting
        gradient) and is nearly convex (solidity >= 0.85). A shadow across it is taken in when a lower
        split (``shadow_step`` of the way from desk to paper) gives a sheet 1.15-1.6 x as large. The mask
        is that part's convex hull, slightly widened. Otherwise None: the frame is all page (a scan), or
        no sheet stands out, and nothing is masked."""
        sh, sw = background.shape
        if min(sh, sw) < 16:
            return None
        t0, _ = cv2.threshold(background, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        top = _percentile_u8(background, 95)
        grad = cv2.morphologyEx(background, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        # Otsu first; a textured or unevenly lit desk can join the sheet there, so a few higher
        # thresholds (towards the brightest paper) are tried too
        for t in np.linspace(t0, top, 5)[:4]:
            sheet = Preprocessor._sheet(background, grad, float(t))
            if sheet is not None:
                break
        else:
            return None
        hull, area, inside, outside = sheet
        if shadow_step:
            # a shadow across the sheet (a hand, the phone) is darker than the paper around it but still
            # brighter than the desk: the sheet is the larger part above a lower threshold, if that is a sheet
            # (looked for only when that many pixels lie between the two thresholds at all)
            low = outside + shadow_step * (inside - outside)
            between = np.count_nonzero(background > low) - area
            if between > 0.15 * area:
                lower = Preprocessor._sheet(background, grad, low)
                if lower is not None and 1.15 * area < lower[1] <= 1.6 * area:
                    hull = lower[0]
        mask = np.zeros(background.shape, np.uint8)
        cv2.fillConvexPoly(mask, hull, 1)
        mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))
        return cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)

    @staticmethod
    def _dark_ink(half: np.ndarray, tiny: np.ndarray) -> bool:
        """Is the ink darker than its surroundings?

        Mainly: thin dark structures (black-hat: a closing fills them) against thin light ones (top-hat)
        on a half-size copy; strokes answer, while large areas (a bright sheet on a dark desk, a shadow)
        do not, and symmetric noise or texture does not tip the balance. Strokes wider than the kernel
        (bold plate characters) answer only weakly, so when that ratio is undecided (within 1.4x), or the
        thin-stroke evidence is slight (below 2 % of a gray level per pixel of the half copy: a busy room
        behind a white sheet, one big glyph), the deviations from a wide local median of a tiny copy (the
        background; ink is the minority) decide."""
        if min(half.shape) < 9 or min(tiny.shape) < 5:
            return True
        # wider than a stroke: 7 px on a 1280x720 frame's half copy, in proportion on larger frames
        k = max(7, int(round(7 * min(half.shape) / 360)) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        darker = cv2.morphologyEx(half, cv2.MORPH_BLACKHAT, kernel)
        lighter = cv2.morphologyEx(half, cv2.MORPH_TOPHAT, kernel)
        # Only clear deviations count (noise is symmetric and small). Where those leave it undecided, the
        # strong ones alone are asked: a desk's grain deviates both ways by a little, a pen's strokes on a
        # small note one way by a lot.
        for level in (12, 30):
            d = float(cv2.sumElems(cv2.threshold(darker, level, 0, cv2.THRESH_TOZERO)[1])[0])
            l = float(cv2.sumElems(cv2.threshold(lighter, level, 0, cv2.THRESH_TOZERO)[1])[0])
            # (decided only on enough thin-stroke evidence: without any, a busy background's texture or a
            # sheet's corners tip it, and a big glyph's strokes are wider than the kernel)
            if max(d, l) >= 0.02 * half.size and max(d, l) > 1.4 * min(d, l):
                return d >= l
        # three 5x5 medians approximate one wide median (a 15x15 one costs 15x more in OpenCV)
        median = cv2.medianBlur(cv2.medianBlur(cv2.medianBlur(tiny, 5), 5), 5)
        darker = cv2.subtract(median, tiny)
        lighter = cv2.subtract(tiny, median)
        d = float(np.sum(darker[darker > 20], dtype=np.float64))
        l = float(np.sum(lighter[lighter > 20], dtype=np.float64))
        return d >= l
