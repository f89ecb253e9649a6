"""Every pipeline stage on small synthetic cases drawn here with OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camrec.config import PipelineConfig
from camrec.crop import CropNormalizer, stroke_width
from camrec.group import Grouper, link_runs, mark_kind
from camrec.preprocess import Preprocessor
from camrec.reject import Rejecter
from camrec.segment import Segmenter
from camrec.split import Splitter
from draw import INK, page, text

C = (INK, INK, INK)


@pytest.fixture(scope="module")
def recognizer():
    from camrec.classify import open_classifier
    from camrec.pipeline import Recognizer

    return Recognizer(open_classifier("cnn"))


def regions(img: np.ndarray) -> list[list[int]]:
    pre = Preprocessor().run(img)
    return Segmenter().run(pre).xyxy.astype(int).tolist()


def draw_five_detached_bar(img, x, y, h=80, t=6):
    w = int(h * 0.6)
    cv2.line(img, (x + t + 6, y), (x + w, y), C, t)  # the top bar, not touching the stem
    cv2.line(img, (x, y + 8), (x, y + int(h * 0.45)), C, t)
    cv2.ellipse(img, (x + w // 2 - 2, y + int(h * 0.68)), (w // 2 + 2, int(h * 0.3)), 0, -150, 140, C, t)
    return img


def draw_four_two_strokes(img, x, y, h=80, t=6):
    w = int(h * 0.65)
    cv2.line(img, (x + int(w * 0.55), y), (x, y + int(h * 0.65)), C, t)
    cv2.line(img, (x, y + int(h * 0.65)), (x + int(w * 0.62), y + int(h * 0.65)), C, t)
    cv2.line(img, (x + int(w * 0.78), y + int(h * 0.2)), (x + int(w * 0.78), y + h), C, t)  # separate stem
    return img


# ----------------------------------------------------------------- preprocess
def test_polarity_dark_on_light_and_light_on_dark():
    light = text(page(), "3579", (40, 200), 2.5, 6)
    dark = text(page(value=40), "3579", (40, 200), 2.5, 6, color=230)
    assert Preprocessor().run(light).dark_ink is True
    assert Preprocessor().run(dark).dark_ink is False


def test_binarisation_survives_a_shadow_and_low_contrast():
    img = page(300, 800, gradient=False)
    img[:, 400:] = (img[:, 400:] * 0.45).astype(np.uint8)  # hard shadow over the right half
    text(img, "42", (80, 180), 3, 8, color=150)  # low contrast ink on the lit half
    cv2.putText(img, "42", (500, 180), cv2.FONT_HERSHEY_SIMPLEX, 3, (40, 40, 40), 8, cv2.LINE_AA)
    pre = Preprocessor().run(img)
    left, right = pre.binary[:, :400], pre.binary[:, 400:]
    assert left.sum() > 1000 and right.sum() > 1000  # ink found on both sides
    assert pre.binary.mean() < 0.06  # and the shadow edge / paper is not ink
    boxes = regions(img)
    assert len(boxes) == 4


def test_blank_page_has_no_ink():
    pre = Preprocessor().run(page(720, 1280, noise=6))
    assert pre.binary.sum() < 50
    assert regions(page(720, 1280, noise=6)) == []


def test_dark_noisy_frame_has_no_ink():
    # a camera in a dark room: gray ~18 with sensor noise; noise is a large fraction of so dark a background
    rng = np.random.default_rng(3)
    img = np.clip(18 + rng.normal(0, 3, (720, 1280, 3)), 0, 255).astype(np.uint8)
    img = cv2.GaussianBlur(img, (3, 3), 0)
    assert Preprocessor().run(img).binary.sum() < 50
    assert Preprocessor(PipelineConfig(min_ink_levels=0)).run(img).binary.sum() > 50  # (what the floor does)


def test_odd_inputs_do_not_crash():
    p = Preprocessor()
    for img in (np.zeros((1, 1, 3), np.uint8), np.full((2, 5), 255, np.uint8),
                np.zeros((50, 60, 4), np.uint8), (np.random.default_rng(0).random((40, 40)) * 65535).astype(np.uint16)):
        pre = p.run(img)
        assert pre.binary.shape == pre.gray.shape
        Segmenter().run(pre)


def test_huge_frames_are_processed_downscaled():
    pre = Preprocessor(PipelineConfig(work_max_side=800)).run(page(1600, 2400))
    assert max(pre.gray.shape) == 800 and pre.scale == pytest.approx(1 / 3)


# -------------------------------------------------------------------- segment
def test_merge_five_with_detached_top_bar(recognizer):
    img = draw_five_detached_bar(page(300, 400), 60, 50)
    assert len(regions(img)) == 1
    res = recognizer.process(img)
    assert res.digits.label.tolist() == [5]


def test_merge_four_in_two_pieces(recognizer):
    img = draw_four_two_strokes(page(300, 400), 60, 50)
    assert len(regions(img)) == 1
    assert recognizer.process(img).digits.label.tolist() == [4]


def test_a_faint_digit_broken_into_fragments_is_taken_whole(recognizer):
    # a 4 drawn in light gray (below the ink threshold) with four dark specks along it: the threshold
    # keeps only the specks, far apart; at half the threshold the 4 is one digit-sized component
    from camrec.pipeline import Recognizer

    img = page(200, 500)
    text(img, "358", (40, 120), 1.6, 4)  # (three digits give the digit size)
    faint, dark = (150, 150, 150), (35, 35, 35)
    for a, b in (((250, 88), (234, 110)), ((233, 110), (258, 110)), ((250, 88), (250, 120))):
        cv2.line(img, a, b, faint, 3)
    for a, b in (((250, 89), (248, 92)), ((235, 108), (237, 105)), ((250, 118), (250, 120)), ((255, 110), (257, 110))):
        cv2.line(img, a, b, dark, 2)
    assert sorted(n.text for n in recognizer.process(img).numbers) == ["358", "4"]
    off = PipelineConfig().with_(rescue_level=0)
    assert [n.text for n in Recognizer(recognizer.classifier, off).process(img).numbers] == ["358"]


def test_dotted_ink_is_merged():
    img = page(300, 400)
    for k in range(0, 80, 9):  # a dotted vertical stroke plus a solid bar: one '7'-like glyph
        cv2.circle(img, (120 - k // 3, 60 + k), 3, C, -1)
    cv2.line(img, (80, 55), (125, 55), C, 2)
    (box,) = regions(img)
    assert box[0] <= 82 and box[3] >= 130  # bar and dots together


def test_big_digit_beside_small_ones_keeps_its_bar():
    """Long straight strokes are removed as ruled lines only when thin for their length: a big printed 5
    among small digits has a bar longer than three small digits' height, but thick."""
    img = page(400, 900)
    text(img, "12 34 56", (40, 360), 1.0, 2)  # small digits set the median height (~22 px)
    text(img, "5", (500, 300), 5.0, 14)  # ~110 px tall, bar ~70 px long and ~14 px thick
    cv2.line(img, (40, 380), (860, 380), C, 2)  # and a real ruled line
    boxes = regions(img)
    big = [b for b in boxes if b[3] - b[1] > 80]
    assert len(big) == 1 and big[0][0] < 520 and big[0][2] > 560, boxes
    assert not any(b[2] - b[0] > 300 for b in boxes)  # the rule is gone


def test_a_digit_between_tall_pattern_pieces_is_not_a_mark():
    """On security paper the pattern's strokes join into pieces taller than the digits; a digit of the
    page's usual size standing between two of them is still a candidate (not a 'short' mark)."""
    img = page(300, 900)
    text(img, "2 4 6 8 3", (40, 80), 1.0, 2)  # the page's usual digits, ~22 px
    text(img, "5", (400, 200), 1.0, 2)
    for x in (360, 440):  # two tall slanted pattern pieces on its line, ~60 px
        cv2.line(img, (x, 150), (x + 18, 215), C, 2)
    five = [b for b in regions(img) if 395 <= b[0] <= 410 and 170 <= b[1] <= 185]
    assert len(five) == 1 and 18 <= five[0][3] - five[0][1] <= 26, regions(img)
    # without the exemption it would have been taken for a mark
    pre = Preprocessor().run(img)
    old = Segmenter(PipelineConfig().with_(short_exempt=0.0)).run(pre).xyxy.astype(int).tolist()
    assert not [b for b in old if 395 <= b[0] <= 410 and 170 <= b[1] <= 185], old


def test_column_of_digits_is_not_chained():
    img = page(300, 400)
    text(img, "1", (70, 100), 2.5, 6)
    text(img, "7", (70, 175), 2.5, 6)
    assert len(regions(img)) == 2


def test_dash_is_not_merged_into_a_one():
    img = text(page(300, 500), "1-1", (60, 150), 2.5, 6)
    seg = Segmenter().run(Preprocessor().run(img))
    assert len(seg) == 2 and len(seg.marks) == 1  # the dash stays a separate mark
    assert all(b[2] < 111 or b[0] > 138 for b in seg.xyxy.tolist())


def test_line_pieces_must_be_thin_and_span_their_component():
    from camrec.segment import _line_pieces

    lines = np.zeros((30, 100), np.uint8)
    lines[5:7, 0:98] = 1  # a rule across the whole component: a line
    lines[15:17, 20:80] = 1  # a thin run ending inside it (touching digits' baselines): not a line
    lines[22:30, 10:90] = 1  # long but 8 px thick (the bar of a big 5): not a line
    ink = lines.copy()
    ink[0:30, 15:21] = ink[0:30, 50:56] = ink[0:30, 80:86] = 1  # characters standing on the runs
    out = _line_pieces(lines, ink, max_thickness=0.05, line_len=50, span=0.8)
    assert out[5:7, :98].all() and not out[15:17].any() and not out[22:].any()
    # twice the line length is a line wherever it ends
    assert _line_pieces(lines, ink, max_thickness=0.05, line_len=25, span=0.8)[15:17, 20:80].all()
    # a broken rule's piece that runs on past the characters is a line
    ink[0:30, 80:86] = 0
    lines[15:17, 20:80] = 0
    lines[15:17, 40:95] = 1
    assert _line_pieces(lines, ink, max_thickness=0.05, line_len=50, span=0.8)[15:17, 40:95].all()
    # an upright thin stroke inside its component (the tail of an f reaching the number below) is cut
    tall = np.zeros((100, 40), np.uint8)
    tall[10:90, 20:22] = 1
    ink = tall.copy()
    ink[0:100, 0:6] = 1
    assert _line_pieces(tall, ink, max_thickness=0.05, line_len=50, span=0.8)[10:90, 20:22].all()


def test_ruled_line_removed_and_digits_kept(recognizer):
    img = text(page(300, 700), "2017", (60, 120), 2.5, 6)
    cv2.line(img, (10, 122), (690, 122), C, 3)  # digits sit on a long ruled line
    boxes = regions(img)
    assert len(boxes) == 4
    assert all(b[2] - b[0] < 60 for b in boxes)
    assert [n.text for n in recognizer.process(img).numbers] == ["2017"]


def test_a_faint_rule_broken_where_digits_touch_it_is_still_a_rule():
    """A light rule comes out of the threshold in collinear runs where dark digits touch it; the runs
    are judged together, by the span they cover."""
    from camrec.segment import _line_pieces

    mask = np.zeros((40, 400), np.uint8)
    runs = [(0, 90), (100, 190), (200, 290), (300, 400)]  # one rule, cut in four
    for a, b in runs:
        mask[30:32, a:b] = 1
    mask[5:32, 95] = 1  # a digit's stroke standing on it
    lines = mask.copy()
    lines[:, 95] = 0
    kept = _line_pieces(lines, mask, 0.05, 120, 0.8)
    assert kept[30:32].sum() == lines[30:32].sum()  # every run goes, though each is shorter than the rule
    # a single run shorter than the rule and inside the ink is not a rule (the baseline of touching digits)
    one = np.zeros_like(mask)
    one[30:32, 100:190] = 1
    mask2 = one.copy()
    mask2[5:32, 100] = 1
    mask2[5:32, 189] = 1
    assert _line_pieces(one, mask2, 0.05, 120, 0.8).sum() == 0


def test_vertical_rule_does_not_eat_ones(recognizer):
    img = text(page(300, 700), "1711", (60, 150), 2.5, 6)
    cv2.line(img, (400, 5), (400, 295), C, 3)  # a long vertical rule elsewhere
    assert [n.text for n in recognizer.process(img).numbers] == ["1711"]


def test_a_rule_struck_through_digits_leaves_them_whole(recognizer):
    img = text(page(300, 700), "9060", (60, 160), 3.0, 7)
    cv2.line(img, (5, 130), (695, 133), C, 3)  # through the middle of every digit, end to end
    segs = Segmenter().run(Preprocessor().run(img))
    assert len(segs) == 4 and (segs.xyxy[:, 3] - segs.xyxy[:, 1] > 50).all(), segs.xyxy
    assert [n.text for n in recognizer.process(img).numbers] == ["9060"]
    # without the repair the rule's removal cuts each digit in two
    cut = Segmenter(PipelineConfig().with_(line_repair=False)).run(Preprocessor().run(img))
    assert len(cut) > 4 or (cut.xyxy[:, 3] - cut.xyxy[:, 1] < 50).any(), cut.xyxy


def test_digits_inside_boxes_are_found(recognizer):
    img = page(300, 600)
    for k, d in enumerate("3094"):
        x = 60 + k * 70
        cv2.rectangle(img, (x, 50), (x + 60, 130), C, 2)
        text(img, d, (x + 12 - (12 if k == 2 else 0), 118), 2.2, 5)  # the 9 touches its box
    res = recognizer.process(img)
    assert sorted(res.digits.label.tolist()) == [0, 3, 4, 9]
    assert all(h < 60 for h in res.digits.height)  # the digit, not the box


def test_a_bold_small_zero_is_not_taken_for_a_box():
    # a bold 0 in a squarish print has ink along all four sides of its box, like a frame; but there is
    # nothing inside it to free, so it stays whole (it lost its top and bottom rows as a "frame")
    img = page(200, 400)
    for k in range(4):
        x = 60 + 16 * k
        if k in (1, 2):
            cv2.rectangle(img, (x, 100), (x + 11, 115), C, 1)  # 0
        else:
            cv2.line(img, (x + 5, 100), (x + 5, 115), C, 3)  # 1
    segs = Segmenter().run(Preprocessor().run(img))
    wide = segs.xyxy[:, 2] - segs.xyxy[:, 0] >= 8
    assert len(segs) == 4 and wide.sum() == 2, segs.xyxy
    assert ((segs.xyxy[wide, 3] - segs.xyxy[wide, 1]) >= 15).all(), segs.xyxy  # the 0s' full height


def test_cut_candidates_include_equal_widths_for_kerned_characters():
    # two 0s sharing a stroke: the ink projection's minimum lies inside the first 0 (its hole), so the
    # halves at equal widths are offered too
    mask = np.zeros((23, 30), np.uint8)
    cv2.ellipse(mask, (8, 11), (7, 10), 0, 0, 360, 1, 3)
    cv2.ellipse(mask, (21, 11), (7, 10), 0, 0, 360, 1, 3)
    cuts = Splitter.cut_candidates(mask, 23)
    assert [15] in cuts, cuts


def test_split_two_touching_digits(recognizer):
    from camrec.pipeline import Recognizer

    img = page(300, 400)
    text(img, "4", (60, 130), 3, 8)
    text(img, "8", (112, 130), 3, 8)  # overlaps the 4: one component at the ink threshold
    no_rethreshold = PipelineConfig().with_(rethreshold_levels=())
    assert len(Segmenter(no_rethreshold).run(Preprocessor(no_rethreshold).run(img))) == 1
    # the splitter alone (the second threshold off) cuts it where the classifier is surest
    res = Recognizer(recognizer.classifier, no_rethreshold).process(img)
    assert res.digits.label.tolist() == [4, 8]
    assert [n.text for n in res.numbers] == ["48"]
    # by default the higher threshold already separates them at the weak overlap
    assert len(regions(img)) == 2
    res = recognizer.process(img)
    assert res.digits.label.tolist() == [4, 8]
    assert [n.text for n in res.numbers] == ["48"]


def test_a_box_read_very_surely_is_not_tried_as_a_split():
    # each piece must beat the whole box; one read at 0.9995 is not cut up (crops and classifier time)
    from camrec.pipeline import Recognizer

    class Sure:
        def __init__(self, conf):
            self.conf = conf

        def predict(self, crops):
            out = np.full((len(crops), 10), (1 - self.conf) / 9, np.float32)
            out[:, 8] = self.conf
            return out

    img = page(300, 400)
    text(img, "4", (60, 130), 3, 8)
    text(img, "8", (112, 130), 3, 8)  # overlaps the 4: one wide region (the second threshold off)
    cfg = PipelineConfig().with_(rethreshold_levels=())
    tried = {}
    for conf in (0.98, 0.9995):
        recognizer = Recognizer(Sure(conf), cfg)
        split = recognizer.splitter.split
        recognizer.splitter.split = lambda seg, wide, *a, _s=split, _c=conf, **k: (
            tried.__setitem__(_c, int(wide.sum())) or _s(seg, wide, *a, **k))
        recognizer.process(img)
    assert tried.get(0.98, 0) == 1 and 0.9995 not in tried


def test_rethreshold_separates_blurred_touching_digits():
    img = page(200, 400)
    text(img, "2", (60, 120), 2, 8)
    text(img, "5", (92, 120), 2, 8)
    text(img, "7", (124, 120), 2, 8)
    img = cv2.GaussianBlur(img, (0, 0), 2.0)  # blur bridges the gaps at the ink threshold
    cfg_off = PipelineConfig().with_(rethreshold_levels=())
    assert len(Segmenter(cfg_off).run(Preprocessor(cfg_off).run(img))) < 3
    boxes = regions(img)
    assert len(boxes) == 3
    assert all(b[3] - b[1] > 0.8 * (b[2] - b[0]) for b in boxes)


def test_split_pieces_are_read_from_their_soft_ink(recognizer):
    # "66" in blurred bold print, its digits run together: cut out of the binary mask its pieces are no
    # sure digits, taken from the soft ink (as whole regions are) they are
    from camrec.pipeline import Recognizer

    img = page(200, 400)
    cv2.putText(img, "66", (60, 130), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (40, 40, 40), 4, cv2.LINE_AA)
    img = cv2.GaussianBlur(cv2.resize(img, (300, 200)), (0, 0), 2.5)
    no_rethreshold = PipelineConfig().with_(rethreshold_levels=())  # (the splitter alone)
    assert [n.text for n in Recognizer(recognizer.classifier, no_rethreshold).process(img).numbers] == ["66"]
    pre = Preprocessor(no_rethreshold).run(img)
    seg = Segmenter(no_rethreshold).run(pre)
    assert len(seg) == 1
    from_mask = Splitter().split(seg, np.ones(1, bool), np.zeros(1), lambda m, x0, y0: CropNormalizer().one(m)[0],
                                 recognizer.classifier.predict)
    assert from_mask == []


def test_tilted_box_and_line_touching_an_amount_are_removed(recognizer):
    # a cheque photographed askew (8 degrees): the amount touches its box's bottom and the payee line, and
    # the tilted lines hold it in one region with them; the horizontal opening misses lines that steep
    from camrec.pipeline import Recognizer

    img = page(400, 700)
    text(img, "31 05 2024", (380, 80), 1.2, 3)  # (other digits: the frame's digit size)
    cv2.rectangle(img, (200, 160), (560, 250), (40, 40, 40), 2)
    cv2.line(img, (20, 234), (600, 234), (40, 40, 40), 2)
    text(img, "4207", (250, 232), 2, 6)
    img = cv2.warpAffine(img, cv2.getRotationMatrix2D((350, 200), 8, 1.0), (700, 400), borderValue=(235, 235, 235))
    assert [n.text for n in recognizer.process(img).numbers] == ["31052024", "4207"]
    off = Recognizer(recognizer.classifier, PipelineConfig().with_(tilted_lines=False))
    assert [n.text for n in off.process(img).numbers] == ["31052024"]


def test_splitter_candidates_cut_at_the_gap():
    mask = np.zeros((40, 60), np.uint8)
    mask[:, 5:25] = 1
    mask[:, 33:55] = 1
    mask[18:22, 25:33] = 1  # a thin bridge
    cuts = Splitter.cut_candidates(mask, 40)
    assert any(len(c) == 1 and 25 <= c[0] <= 33 for c in cuts)


def test_splitter_scores_in_at_most_two_calls():
    calls = []
    seg_img = text(page(300, 400), "4", (60, 130), 3, 8)
    text(seg_img, "8", (112, 130), 3, 8)
    no_rethreshold = PipelineConfig().with_(rethreshold_levels=())  # keep them one region
    pre = Preprocessor(no_rethreshold).run(seg_img)
    seg = Segmenter(no_rethreshold).run(pre)

    def score(batch):
        calls.append(len(batch))
        out = np.zeros((len(batch), 10), np.float32)
        out[:, 3] = 1.0
        return out

    splits = Splitter().split(seg, np.ones(len(seg), bool), np.zeros(len(seg)),
                              lambda m, x0, y0: CropNormalizer().piece(pre, m, x0, y0),
                              score)
    # one piece of every candidate first, then the rest of the candidates still possible: never per crop
    assert 1 <= len(calls) <= 2 and len(splits) == 1 and len(splits[0].pieces) >= 2


# ------------------------------------------------------------------ normalize
def test_stroke_width_is_brought_toward_mnist():
    thin = np.zeros((200, 120), np.uint8)
    cv2.line(thin, (60, 5), (60, 195), 1, 2)
    cv2.line(thin, (20, 5), (60, 5), 1, 2)
    assert stroke_width(thin) < 4
    crop, rel = CropNormalizer().one(thin)
    assert rel < 0.03
    # after normalisation the stroke is MNIST-thick: 2-4 px of 28
    assert 1.5 <= (crop > 0.5).sum(1)[8:20].mean() <= 5
    assert crop.shape == (28, 28) and crop.max() <= 1.0


# --------------------------------------------------------------------- reject
def test_a_wide_digit_the_model_is_surest_of_is_one_digit():
    # a flat handwritten 2, twice as wide as tall: one digit when the model sees no trace of a non-digit
    probs = np.zeros((1, 11), np.float32)
    probs[0, 2] = 1.0
    box, fill = np.float32([[0, 0, 60, 30]]), np.float32([0.3])
    assert Rejecter().run(box, probs, fill).keep.all()
    assert Rejecter(PipelineConfig().with_(max_aspect_surest=1.6)).run(box, probs, fill).reason.tolist() == [
        "too wide"]
    probs[0, 2], probs[0, 10] = 0.98, 0.02
    assert Rejecter().run(box, probs, fill).reason.tolist() == ["too wide"]


def test_reject_by_confidence_shape_and_reject_class():
    xyxy = np.float32([[0, 0, 20, 40], [100, 0, 120, 40], [200, 0, 240, 40], [300, 0, 400, 40]])
    probs = np.zeros((4, 10), np.float32)
    probs[0, 3] = 0.99
    probs[1, 3] = 0.5
    probs[2, 8] = 1.0
    probs[3, 1] = 1.0
    v = Rejecter().run(xyxy, probs, fill=np.float32([0.3, 0.3, 0.9, 0.3]))
    assert v.keep.tolist() == [True, False, False, False]
    assert v.reason.tolist() == ["", "confidence", "blob", "too wide"]
    # an 11-class model: the last class is "not a digit"
    probs11 = np.zeros((2, 11), np.float32)
    probs11[0, 7] = 0.95
    probs11[0, 10] = 0.05
    probs11[1, 7] = 0.45
    probs11[1, 10] = 0.55
    v = Rejecter().run(xyxy[:2], probs11, fill=np.float32([0.3, 0.3]))
    assert v.keep.tolist() == [True, False] and v.reason[1] == "model"
    assert v.label.tolist() == [7, 7]


def test_word_of_letters_rejects_its_digit_lookalikes():
    xyxy = np.float32([[i * 30, 0, i * 30 + 25, 40] for i in range(5)])
    probs = np.zeros((5, 10), np.float32)
    probs[[0, 4], 0] = 1.0  # O ... O look like 0 with confidence
    probs[[1, 2, 3], 6] = 0.6  # the other letters are unsure
    v = Rejecter().run(xyxy, probs, fill=np.full(5, 0.4, np.float32))
    assert not v.keep.any()


def test_piece_of_a_faint_line_runs_on_a_written_one_does_not():
    from camrec.crop import line_continuation
    from camrec.preprocess import Preprocessed

    contrast = np.zeros((300, 300), np.uint8)
    cv2.line(contrast, (60, 10), (80, 290), 40, 2)  # a long, faint, slanted line (below the threshold)
    cv2.line(contrast, (69, 130), (71, 170), 120, 2)  # ...of which one stretch came out strong
    cv2.line(contrast, (200, 120), (200, 170), 120, 3)  # a written 1 on clean paper
    binary = (contrast >= 0.25 * 255).astype(np.uint8)
    pre = Preprocessed(gray=255 - contrast, contrast=contrast, binary=binary, dark_ink=True, scale=1.0,
                       threshold=0.25)
    runs = line_continuation(pre, np.float32([[67, 128, 74, 172], [198, 119, 203, 171], [150, 100, 190, 150]]))
    assert runs[0] > 0.8 and runs[1] < 0.1 and runs[2] == 0.0  # (the last is too wide to be looked at)
    assert _reasons_of_sure_ones([[67, 128, 74, 172], [198, 119, 203, 171]], continuation=runs[:2]) == [
        "line piece", ""]


def test_a_piece_of_the_sheets_outline_is_not_a_one():
    from camrec.crop import sheet_edge
    from camrec.preprocess import Preprocessed

    contrast = np.zeros((300, 400), np.uint8)
    sheet = np.zeros((300, 400), np.uint8)
    sheet[20:280, 40:360] = 1  # the sheet (its mask reaches a little beyond the paper)
    pre = Preprocessed(gray=255 - contrast, contrast=contrast, binary=(contrast > 0).astype(np.uint8),
                       dark_ink=True, scale=1.0, threshold=0.25, sheet=sheet)
    boxes = np.float32([[348, 100, 352, 140],  # a stretch of the paper's right edge, 8 px inside the mask
                        [198, 100, 202, 140],  # a 1 in the middle of the sheet
                        [330, 100, 350, 140],  # a wide box at the edge: not looked at
                        [5, 100, 9, 140]])  # a stroke on the desk
    assert sheet_edge(pre, boxes).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert _reasons_of_sure_ones(boxes[:2].tolist(), side_step=sheet_edge(pre, boxes[:2])) == ["edge", ""]
    pre.sheet = None  # no sheet stands out: nothing is an edge of it
    assert not sheet_edge(pre, boxes).any()


def _reasons_of_sure_ones(xyxy, **measures) -> list[str]:
    """The Rejecter's reasons for boxes the classifier calls sure 1s, given per-box ``measures``."""
    probs = np.zeros((len(xyxy), 10), np.float32)
    probs[:, 1] = 1.0
    v = Rejecter().run(np.float32(xyxy), probs, fill=np.full(len(xyxy), 0.5, np.float32), **measures)
    return v.reason.tolist()


def test_edge_of_a_sheet_is_not_a_one():
    from camrec.crop import side_step

    img = page(300, 400)
    img[:, 300:] = 90  # the desk beside the sheet
    cv2.line(img, (297, 100), (297, 160), (40, 40, 40), 3)  # a dark rim along the sheet's edge
    cv2.line(img, (100, 100), (100, 160), C, 3)  # a written 1 on the sheet
    cv2.line(img, (110, 100), (110, 160), C, 3)  # ... with another 1 close beside it
    pre = Preprocessor().run(img)
    step = side_step(pre, np.float32([[295, 98, 300, 162], [98, 98, 103, 162], [108, 98, 113, 162]]))
    assert step[0] > 0.3 and step[1] < 0.05 and step[2] < 0.05, step
    assert _reasons_of_sure_ones([[295, 98, 300, 162], [98, 98, 103, 162]], side_step=step[:2]) == ["edge", ""]
    # a sheet's corner at the frame's border: the desk's strip is as wide as the frame allows (10 px)
    crop = np.ascontiguousarray(img[:, :310])
    step = side_step(Preprocessor().run(crop), np.float32([[295, 98, 300, 162]]))
    assert step[0] > 0.3, step


def test_taller_currency_sign_does_not_sink_its_number():
    # "$78": the '$' is rejected and a third taller than the digits (not an ascender of a word)
    xyxy = np.float32([[0, 0, 18, 40], [22, 5, 40, 36], [44, 5, 62, 36]])
    probs = np.zeros((3, 10), np.float32)
    probs[0, 5] = 0.5
    probs[1, 7] = probs[2, 8] = 1.0
    v = Rejecter().run(xyxy, probs, fill=np.full(3, 0.4, np.float32))
    assert v.keep.tolist() == [False, True, True]


def test_two_sure_ones_among_letters_are_letters():
    # "Call": C and a are "not a digit" to an 11-class model, the two l are sure 1s
    xyxy = np.float32([[0, 10, 20, 40], [22, 16, 38, 40], [40, 0, 46, 40], [48, 0, 54, 40]])
    probs = np.zeros((4, 11), np.float32)
    probs[[0, 1], 10] = 0.95
    probs[[0, 1], 0] = 0.05
    probs[[2, 3], 1] = 1.0
    v = Rejecter().run(xyxy, probs, fill=np.full(4, 0.4, np.float32))
    assert not v.keep.any() and v.reason.tolist() == ["model", "model", "word", "word"]
    # "TO": one letter and a sure 0 beside it: an O
    probs2 = np.zeros((2, 11), np.float32)
    probs2[0, 10], probs2[0, 7] = 0.9, 0.1
    probs2[1, 0] = 1.0
    v = Rejecter().run(np.float32([[0, 0, 20, 40], [23, 0, 45, 40]]), probs2, fill=np.full(2, 0.4, np.float32))
    assert not v.keep.any()
    # three digits after two letters at letter spacing ("No123") are more than a letter or two: kept
    xyxy = np.float32([[0, 0, 20, 40], [22, 18, 38, 40]] + [[40 + 22 * i, 0, 60 + 22 * i, 40] for i in range(3)])
    probs = np.zeros((5, 11), np.float32)
    probs[[0, 1], 10] = 0.95
    probs[[0, 1], 0] = 0.05
    probs[2, 1], probs[3, 2], probs[4, 3] = 1.0, 1.0, 1.0
    v = Rejecter(PipelineConfig().with_(letter_run_vote=0.6, letter_line_vote=0.6)).run(
        xyxy, probs, fill=np.full(5, 0.4, np.float32))
    assert v.keep.tolist() == [False, False, True, True, True]


def test_lowercase_letters_too_small_for_candidates_still_make_a_word():
    # "Call" in small print: the a is below the digit size floor, only a mark; it still counts as a letter
    xyxy = np.float32([[0, 0, 14, 16], [25, 0, 28, 16], [30, 0, 33, 16]])  # C, l, l
    probs = np.zeros((3, 11), np.float32)
    probs[0, 10], probs[0, 0] = 0.9, 0.1
    probs[[1, 2], 1] = 1.0
    a = np.float32([[16, 7, 23, 16]])  # x-height, on the baseline
    fill = np.full(3, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill, marks=a).keep.tolist() == [False, False, False]
    assert Rejecter(PipelineConfig().with_(letter_marks=False)).run(xyxy, probs, fill, marks=a).keep.tolist() == [
        False, True, True]
    # handwritten, the a sits a little above the l's baseline (0.18 of their height)
    a_high = np.float32([[16, 4, 23, 13]])
    xyxy_hand = np.float32([[0, 0, 14, 16], [25, 2, 28, 16], [30, 2, 33, 16]])  # the l's 14 tall
    xyxy_hand[1:, 3] = 15.5
    assert Rejecter().run(xyxy_hand, probs, fill, marks=a_high).keep.tolist() == [False, False, False]
    # "Do": D alone is a sure 0, its o a mark: an O
    probs2 = np.zeros((1, 11), np.float32)
    probs2[0, 0] = 1.0
    v = Rejecter().run(np.float32([[0, 0, 12, 16]]), probs2, np.float32([0.4]), marks=np.float32([[14, 7, 22, 16]]))
    assert v.reason.tolist() == ["word"]
    # but a decimal point, a comma, a colon or a dash between digits is no letter: "3.1", "3,1", "3:1", "3-1"
    digits = np.float32([[0, 0, 12, 16], [18, 0, 30, 16]])
    probs3 = np.zeros((2, 11), np.float32)
    probs3[0, 3] = probs3[1, 1] = 1.0
    for mark in ([13, 13, 16, 16], [13, 12, 15, 19], [14, 4, 16, 16], [13, 8, 17, 10]):
        v = Rejecter().run(digits, probs3, np.full(2, 0.4, np.float32), marks=np.float32([mark]))
        assert v.keep.all(), mark


def test_plate_digits_glued_to_letters_are_kept():
    # "JR04" on a plate: two letters the model rejects, then two sure digits at letter spacing
    xyxy = np.float32([[i * 24, 0, i * 24 + 20, 40] for i in range(4)])
    probs = np.zeros((4, 11), np.float32)
    probs[[0, 1], 10] = 0.95
    probs[[0, 1], 1] = 0.05
    probs[2, 0] = probs[3, 4] = 1.0
    fill = np.full(4, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False, False, True, True]
    assert not Rejecter(PipelineConfig().with_(plate_digit_block=False, word_sure_digits=())).run(xyxy, probs, fill).keep.any()
    # but two sure 1s after two letters stay letters ("Call", "WJ11" is lost with them)
    probs[2, 0], probs[3, 4] = 0.0, 0.0
    probs[[2, 3], 1] = 1.0
    assert not Rejecter().run(xyxy, probs, fill).keep.any()
    # "YK48 VCP": the plate's word space is within letter spacing, so the digits sit inside one word of
    # capitals that the letters outvote; they keep their place
    xyxy = np.float32([[i * 24, 0, i * 24 + 20, 40] for i in range(7)])
    probs = np.zeros((7, 11), np.float32)
    probs[[0, 1, 4, 5, 6], 10] = 0.95
    probs[[0, 1, 4, 5, 6], 1] = 0.05
    probs[4, 10], probs[4, 7] = 0.3, 0.7  # the V passes for a doubtful 7
    probs[2, 4] = probs[3, 8] = 1.0
    fill = np.full(7, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False, False, True, True, False, False, False]
    # a pair of sure "digits" opening a word is letters: "SIGNA" read 5 1, a doubtful 6 and two rejects
    xyxy = np.float32([[i * 24, 0, i * 24 + 20, 40] for i in range(5)])
    probs = np.zeros((5, 11), np.float32)
    probs[0, 5] = probs[1, 1] = 1.0
    probs[2, 6], probs[2, 10] = 0.7, 0.3
    probs[[3, 4], 10] = 0.95
    probs[[3, 4], 1] = 0.05
    assert not Rejecter().run(xyxy, probs, np.full(5, 0.4, np.float32)).keep.any()


def test_a_word_of_sure_digits_on_a_plate_line_of_letters_is_kept():
    # "MDX 158 SXY": the line is clearly letters as a whole (6 of 9 rejected), but its middle word is
    # three sure digits, one word space from the letters on both sides
    xs = [0, 44, 88, 148, 192, 236, 296, 340, 384]  # letter spacing 4 px, word spaces 20 px (1/3 height)
    xyxy = np.float32([[x, 0, x + 40, 60] for x in xs])
    xyxy[0, 1] = -20  # the M joined to a bolt: the letters are not one height
    letters = [0, 1, 2, 6, 7, 8]
    probs = np.zeros((9, 11), np.float32)
    probs[letters, 10] = 0.95
    probs[letters, 1] = 0.05
    probs[np.arange(3, 6), [1, 5, 8]] = 1.0
    fill = np.full(9, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False] * 3 + [True] * 3 + [False] * 3
    assert not Rejecter(PipelineConfig().with_(plate_digit_block=False, word_sure_digits=())).run(xyxy, probs, fill).keep.any()
    # a doubtful member makes no sure word: the line's vote stands
    probs[4, 5], probs[4, 3] = 0.9, 0.1
    assert not Rejecter().run(xyxy, probs, fill).keep.any()


def test_a_doubted_digit_beside_a_digit_is_part_of_the_number():
    # "47": the model reads the 4 but gives "not a digit" 0.2 (over the 0.12 limit); the 7 beside it vouches
    xyxy = np.float32([[0, 0, 20, 40], [24, 0, 44, 40]])
    probs = np.zeros((2, 11), np.float32)
    probs[0, 4], probs[0, 10] = 0.8, 0.2
    probs[1, 7] = 1.0
    fill = np.float32([0.3, 0.3])
    assert Rejecter().run(xyxy, probs, fill).keep.all()
    assert Rejecter(PipelineConfig().with_(in_number_not_digit=None)).run(xyxy, probs, fill).keep.tolist() == [
        False, True]
    # a rejected letter on its other side: the B of "AB1" stays out
    xyxy3 = np.float32([[-24, 0, -4, 40], [0, 0, 20, 40], [24, 0, 44, 40]])
    probs3 = np.concatenate([np.eye(11, dtype=np.float32)[[10]], probs])
    assert Rejecter().run(xyxy3, probs3, np.full(3, 0.3, np.float32)).keep.tolist() == [False, False, True]


def test_a_frame_with_one_or_two_digits_needs_a_surer_model():
    # a blank page's corner read as a 3 at 0.93: alone on the frame, nothing vouches for it
    probs = np.zeros((1, 11), np.float32)
    probs[0, 3], probs[0, 8] = 0.93, 0.07
    box = np.float32([[100, 100, 120, 140]])
    assert Rejecter().run(box, probs, np.float32([0.3])).reason.tolist() == ["alone"]
    assert Rejecter(PipelineConfig().with_(sparse_frame_confidence=None)).run(box, probs, np.float32([0.3])).keep.all()
    probs[0, 3], probs[0, 8] = 0.995, 0.005  # a sure one stays
    assert Rejecter().run(box, probs, np.float32([0.3])).keep.all()
    # with three digits kept on the frame (isolated digits on a page) the usual rules alone decide
    xyxy = np.float32([[100, 100, 120, 140], [300, 100, 320, 140], [500, 100, 520, 140]])
    probs = np.zeros((3, 11), np.float32)
    probs[:, 3], probs[:, 8] = 0.93, 0.07
    assert Rejecter().run(xyxy, probs, np.full(3, 0.3, np.float32)).keep.all()


def test_a_digit_alone_needs_a_surer_model():
    # a lone 7 the model doubts a little ("not a digit" 0.08, under the usual 0.12), and the same 7 in a
    # number: alone it goes, in the number it stays
    probs = np.zeros((1, 11), np.float32)
    probs[0, 7], probs[0, 10] = 0.92, 0.08
    alone = Rejecter().run(np.float32([[0, 0, 20, 40]]), probs, np.float32([0.3]))
    assert alone.reason.tolist() == ["alone"]
    assert Rejecter(PipelineConfig().with_(alone_not_digit=None)).run(
        np.float32([[0, 0, 20, 40]]), probs, np.float32([0.3])).keep.all()
    pair = np.concatenate([probs, np.eye(11, dtype=np.float32)[[4]]])
    v = Rejecter().run(np.float32([[0, 0, 20, 40], [24, 0, 44, 40]]), pair, np.float32([0.3, 0.3]))
    assert v.keep.all()


def test_os_and_ls_beside_letters_are_letters():
    # "Do not": D and o read as sure 0s, a word space (half a height), then n and t rejected (the o of
    # "not", a sure 0 between them)
    xyxy = np.float32([[0, 0, 20, 40], [22, 10, 40, 40], [58, 10, 72, 40], [74, 10, 88, 40], [90, 4, 100, 40]])
    probs = np.zeros((5, 11), np.float32)
    probs[[0, 1], 0] = 1.0
    probs[[2, 4], 10] = 1.0
    probs[3, 0] = 1.0
    fill = np.full(5, 0.4, np.float32)
    assert not Rejecter().run(xyxy, probs, fill).keep.any()
    assert Rejecter(PipelineConfig().with_(os_and_ls_beside=False)).run(xyxy, probs, fill).keep[:2].all()
    # a number of other digits there stays: "not 25"
    probs[0, 0], probs[0, 2], probs[1, 0], probs[1, 5] = 0.0, 1.0, 0.0, 1.0
    assert Rejecter().run(xyxy, probs, fill).keep[:2].all()
    # a wider word space (0.9 of a height): only the n is within a height of "Do", but the letters of the
    # word it begins count (n and t)
    xyxy[2:] += np.float32([14, 0, 14, 0])
    probs[0, 2], probs[1, 5], probs[[0, 1], 0] = 0.0, 0.0, 1.0
    assert not Rejecter().run(xyxy, probs, fill).keep[:2].any()
    # "Time: 00:17": letters beside the 00, and digits too: a number
    xyxy = np.float32([[0, 0, 18, 40], [20, 10, 26, 40], [28, 10, 50, 40], [52, 10, 66, 40],  # T i m e
                       [86, 0, 106, 40], [108, 0, 128, 40], [140, 0, 152, 40], [155, 0, 175, 40]])  # 0 0 : 1 7
    probs = np.zeros((8, 11), np.float32)
    probs[:4, 10] = 1.0
    probs[np.arange(4, 8), [0, 0, 1, 7]] = 1.0
    assert Rejecter().run(xyxy, probs, np.full(8, 0.4, np.float32)).keep.tolist() == [False] * 4 + [True] * 4


def test_a_sure_3_in_a_word_of_letters_stays_a_digit():
    # "Ax3" in a blurred hand: two rejected letters and a sure 3 at letter spacing, the word voted letters
    xyxy = np.float32([[0, 0, 20, 40], [24, 0, 44, 40], [48, 0, 68, 40]])
    probs = np.zeros((3, 11), np.float32)
    probs[[0, 1], 10] = 1.0
    probs[2, 3] = 1.0
    fill = np.full(3, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False, False, True]
    assert not Rejecter(PipelineConfig().with_(word_sure_digits=())).run(xyxy, probs, fill).keep.any()
    # a sure 5 there is an S
    probs[2, 3], probs[2, 5] = 0.0, 1.0
    assert not Rejecter().run(xyxy, probs, fill).keep.any()


def test_ls_and_os_beside_a_letter_of_their_size_are_letters():
    # "Call" in small print: the C and the a joined (rejected), then two sure 1s at letter spacing
    xyxy = np.float32([[0, 0, 24, 20], [26, 0, 30, 20], [32, 0, 36, 20]])
    probs = np.zeros((3, 11), np.float32)
    probs[0, 10] = 1.0
    probs[[1, 2], 1] = 1.0
    fill = np.full(3, 0.4, np.float32)
    assert not Rejecter().run(xyxy, probs, fill).keep.any()
    assert Rejecter(PipelineConfig().with_(letter_ones=False)).run(xyxy, probs, fill).keep.tolist() == [False, True, True]
    # "+11": the rejected plus is much smaller than the digits: a sign, the 1s stay
    xyxy[0] = [10, 6, 22, 14]
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False, True, True]


def test_a_digit_glued_to_one_capital_is_a_letter():
    # "239 SX" on a plate: the model is sure the S is a 5; glued to the X (rejected, same height) it is a
    # word of two letters, not a digit after the number
    xyxy = np.float32([[0, 0, 40, 60], [44, 0, 84, 60], [88, 0, 128, 60], [150, 0, 190, 60], [194, 0, 234, 60]])
    probs = np.zeros((5, 11), np.float32)
    probs[np.arange(4), [2, 3, 9, 5]] = 1.0
    probs[4, 10] = 1.0
    v = Rejecter().run(xyxy, probs, np.full(5, 0.4, np.float32))
    assert v.keep.tolist() == [True, True, True, False, False], v.reason
    # but beside a smaller letter it stays a digit: the 5 of an ordinal "5th"
    xyxy[4, 1] = 20
    assert Rejecter().run(xyxy, probs, np.full(5, 0.4, np.float32)).keep.tolist() == [True] * 4 + [False]
    # and beside something the model only doubts (a badly written digit in the next box of a form)
    xyxy[4, 1] = 0
    probs[4, 10], probs[4, 3] = 0.5, 0.5
    assert Rejecter().run(xyxy, probs, np.full(5, 0.4, np.float32)).keep.tolist() == [True] * 4 + [False]
    assert not Rejecter(PipelineConfig().with_(sure_letter=0.4)).run(xyxy, probs, np.full(5, 0.4, np.float32)).keep[3]


def test_a_digit_cut_off_from_the_number_by_a_letter_is_a_letter():
    # "SP52" on a plate: the model is sure the S is a 5, but the P (a sure letter of its height) stands
    # between it and the number 52: a lone digit among letters at the start of the word is a letter
    xyxy = np.float32([[0, 0, 40, 60], [44, 0, 84, 60], [88, 0, 128, 60], [132, 0, 172, 60]])
    probs = np.zeros((4, 11), np.float32)
    probs[[0, 2, 3], [5, 5, 2]] = 1.0
    probs[1, 10] = 1.0
    fill = np.full(4, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [False, False, True, True]
    assert Rejecter(PipelineConfig().with_(letter_cut_digit=False)).run(xyxy, probs, fill).keep.tolist() == [
        True, False, True, True]
    # what stands between them may be a badly written digit (the model only doubts it): the 5 stays
    probs[1, 10], probs[1, 3] = 0.5, 0.5
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [True, False, True, True]


def test_a_digit_glued_to_a_lowercase_letter_is_a_letter():
    # "ba" of "balance": the b (read as a sure 6) stands on the baseline of the a beside it, a sure letter half
    # its height: the word grouping keeps such different heights apart, the b is a letter all the same
    xyxy = np.float32([[0, 0, 16, 40], [18, 20, 34, 40], [36, 0, 42, 40]])  # b a l
    probs = np.zeros((3, 11), np.float32)
    probs[0, 6] = 1.0
    probs[1, 10] = 1.0
    probs[2, 10] = 1.0
    fill = np.full(3, 0.4, np.float32)
    assert not Rejecter().run(xyxy, probs, fill).keep.any()
    assert Rejecter(PipelineConfig().with_(glued_to_lowercase=False)).run(xyxy, probs, fill).keep[0]
    # the g of "ng" (a descender: tops aligned) too
    xyxy = np.float32([[0, 0, 16, 20], [18, 0, 34, 40]])  # n g
    probs = np.zeros((2, 11), np.float32)
    probs[0, 10], probs[1, 9] = 1.0, 1.0
    assert not Rejecter().run(xyxy, probs, fill[:2]).keep.any()
    # a digit with another beside it is a number's ("10am": the 1 and 0 vouch for each other), and an
    # unsure piece of its size or smaller is no sure lowercase letter
    xyxy = np.float32([[0, 0, 16, 40], [18, 0, 34, 40], [36, 20, 52, 40]])  # 1 0 a
    probs = np.zeros((3, 11), np.float32)
    probs[0, 1], probs[1, 0], probs[2, 10] = 1.0, 1.0, 1.0
    assert Rejecter().run(xyxy, probs, fill).keep.tolist() == [True, True, False]


def test_a_plate_border_makes_no_x_height():
    # "PD 828 K" beside a piece of the plate's border (rejected, 1.6 x their height): the digits are no
    # x-height letters beside taller capitals
    xs = [0, 44, 110, 154, 198, 264]
    xyxy = np.float32([[x, 0, x + 40, 60] for x in xs] + [[-20, -18, -10, 78]])
    probs = np.zeros((7, 11), np.float32)
    probs[[0, 5, 6], 10] = 0.95
    probs[[0, 5, 6], 1] = 0.05
    probs[1, 0] = 1.0  # the D passes for a 0
    probs[np.arange(2, 5), [8, 2, 8]] = 1.0
    v = Rejecter().run(xyxy, probs, np.full(7, 0.4, np.float32))
    assert v.keep[2:5].all() and "x-height" not in v.reason.tolist(), v.reason


def test_a_border_piece_taller_than_the_line_is_rejected_but_not_a_tall_digit():
    # "2854|": the plate's edge beside the digits, reaching above and below them all
    xyxy = np.float32([[i * 30, 20, i * 30 + 25, 60] for i in range(4)] + [[125, 5, 135, 75]])
    probs = np.zeros((5, 11), np.float32)
    probs[np.arange(5), [2, 8, 5, 4, 1]] = 1.0
    fill = np.full(5, 0.4, np.float32)
    assert Rejecter().run(xyxy, probs, fill).reason.tolist() == ["", "", "", "", "tall"]
    assert Rejecter(PipelineConfig().with_(max_line_height=None)).run(xyxy, probs, fill).keep.all()
    # "amount 45" in small letters: the digits are 1.8 x the x-height but stand on the same baseline
    xyxy = np.float32([[i * 14, 38, i * 14 + 12, 60] for i in range(6)] + [[100, 20, 125, 60], [130, 20, 155, 60]])
    probs = np.zeros((8, 11), np.float32)
    probs[:6, 10] = 1.0
    probs[6, 4] = probs[7, 5] = 1.0
    v = Rejecter().run(xyxy, probs, np.full(8, 0.4, np.float32))
    assert "tall" not in v.reason.tolist()


def test_a_plate_edge_does_not_make_the_characters_short():
    # "DEZ 2854|": the edge piece (1.7 x taller) is no ascender: the digits are not "mixed sizes"
    xyxy = np.float32([[0, 30, 28, 70], [30, 30, 58, 70], [60, 30, 88, 70]]
                      + [[100 + 30 * i, 30, 128 + 30 * i, 70] for i in range(4)] + [[222, 16, 250, 84]])
    probs = np.zeros((8, 11), np.float32)
    probs[[0, 1], 10] = 1.0
    probs[2, 2], probs[2, 10] = 0.9, 0.1
    probs[np.arange(3, 8), [2, 8, 5, 4, 7]] = 1.0
    v = Rejecter().run(xyxy, probs, np.full(8, 0.4, np.float32))
    assert v.keep[3:7].all() and not v.keep[7], v.reason


def test_one_unsure_digit_does_not_sink_a_short_number():
    xyxy = np.float32([[i * 30, 0, i * 30 + 25, 40] for i in range(3)])
    probs = np.zeros((3, 10), np.float32)
    probs[0, 5] = probs[1, 5] = 1.0
    probs[2, 4] = 0.6
    v = Rejecter().run(xyxy, probs, fill=np.full(3, 0.4, np.float32))
    assert v.keep.tolist() == [True, True, False]


def test_word_of_mixed_heights_is_letters():
    # "tolb": fairly sure digit look-alikes (none rejected by itself), but an x-height letter
    # between ascenders
    xyxy = np.float32([[0, 0, 20, 40], [24, 14, 44, 40], [48, 0, 58, 40], [62, 0, 82, 40]])
    probs = np.zeros((4, 10), np.float32)
    probs[:, 1] = 0.99
    probs[1, 1], probs[1, 0] = 0.0, 0.99
    v = Rejecter().run(xyxy, probs, fill=np.full(4, 0.4, np.float32))
    assert not v.keep.any() and set(v.reason) == {"word"}
    # the same digits all of one height are a number
    xyxy[1, 1] = 0
    v = Rejecter().run(xyxy, probs, fill=np.full(4, 0.4, np.float32))
    assert v.keep.all()


def test_number_beside_a_word_is_judged_alone():
    # "Fax 0610": three letters (one rejected, two doubtful), a word space, four sure digits
    xs = [0, 22, 44, 78, 100, 122, 144]  # letter spacing 2 px, the word space 14 px (0.35 height)
    xyxy = np.float32([[x, 0, x + 20, 40] for x in xs])
    probs = np.zeros((7, 10), np.float32)
    probs[0, 7] = 0.5  # F: rejected by confidence
    probs[1, 6], probs[2, 4] = 0.95, 0.97  # a, x: doubtful
    for i, d in zip(range(3, 7), (0, 6, 1, 0)):
        probs[i, d] = 1.0
    v = Rejecter().run(xyxy, probs, fill=np.full(7, 0.4, np.float32))
    assert v.keep.tolist() == [False, False, False, True, True, True, True]
    # a line that is letters as a whole goes whole, spaces or not ("HELLO WORLD" style)
    probs[3:, :] = 0
    probs[3:, 0] = 0.97  # O-like letters, doubtful
    v = Rejecter().run(xyxy, probs, fill=np.full(7, 0.4, np.float32))
    assert not v.keep.any()


def test_lone_stroke_with_ink_around_it_is_not_a_digit():
    # a "1" alone on its row whose ring holds ink (a grid cell's side, a paper edge): rejected
    xyxy = np.float32([[100, 100, 106, 130]])
    probs = np.zeros((1, 10), np.float32)
    probs[0, 1] = 1.0
    fill = np.float32([0.5])
    v = Rejecter().run(xyxy, probs, fill, surround=np.float32([0.6]))
    assert v.reason.tolist() == ["lone"]
    # the same on clean paper is a digit
    assert Rejecter().run(xyxy, probs, fill, surround=np.float32([0.2])).keep.all()
    # ... and so is one with a neighbour on its row (a number's ring holds its neighbours' ink)
    xyxy2 = np.float32([[100, 100, 106, 130], [112, 100, 130, 130]])
    probs2 = np.zeros((2, 10), np.float32)
    probs2[:, 1], probs2[1, 1], probs2[1, 7] = 1.0, 0.0, 1.0
    v = Rejecter().run(xyxy2, probs2, np.float32([0.5, 0.4]), surround=np.float32([0.6, 0.6]))
    assert v.keep.all()
    # off by config
    off = PipelineConfig().with_(lone_surround=None)
    assert Rejecter(off).run(xyxy, probs, fill, surround=np.float32([0.6])).keep.all()
    # a sure, wide lone digit (a 5 on security paper) has ink in its ring too, and is kept; an unsure one
    # and a wide 1 (a slanted stroke) are not
    wide = np.float32([[100, 100, 120, 130]])
    five = np.zeros((1, 10), np.float32)
    five[0, 5] = 0.99
    assert Rejecter().run(wide, five, fill, surround=np.float32([0.6])).keep.all()
    five[0, 5], five[0, 6] = 0.9, 0.1
    assert Rejecter().run(wide, five, fill, surround=np.float32([0.6])).reason.tolist() == ["lone"]
    assert Rejecter().run(wide, probs, fill, surround=np.float32([0.6])).reason.tolist() == ["lone"]


def test_lone_stroke_that_is_no_line_nor_edge_is_a_digit():
    # a lone 1 on security paper: its ring holds the pattern's ink (texture 0.55), but its stroke runs on
    # into no line (continuation 0.1) and both its sides are the same paper (side step 0.01): a digit
    xyxy = np.float32([[100, 100, 106, 130]])
    probs = np.zeros((1, 10), np.float32)
    probs[0, 1] = 1.0
    fill = np.float32([0.5])
    run = lambda cfg, cont, step, sur=0.55: Rejecter(cfg).run(  # noqa: E731
        xyxy, probs, fill, surround=np.float32([sur]), continuation=np.float32([cont]), side_step=np.float32([step]))
    assert run(PipelineConfig(), 0.1, 0.01).keep.all()
    assert run(PipelineConfig().with_(lone_clean_surround=None), 0.1, 0.01).reason.tolist() == ["lone"]
    # a grid cell's side runs on into its rules; a paper edge has paper on one side only; a stroke in
    # denser ink is not taken on trust either
    assert run(PipelineConfig(), 0.8, 0.01).reason.tolist() == ["lone"]
    assert run(PipelineConfig(), 0.1, 0.5).reason.tolist() == ["lone"]
    assert run(PipelineConfig(), 0.1, 0.01, sur=0.7).reason.tolist() == ["lone"]


def test_x_height_letter_on_a_mixed_case_line():
    # "Taxes" (rejected letters: T 28 px tall, the others at an x-height of 20 px), then an o read as
    # a sure 0 at x-height, then after a word space a number at capital height: the o goes, the number
    # stays
    boxes = [(0, 12), (22, 20), (44, 20), (66, 20), (88, 20), (116, 20)]  # (x, top): T a x e s | o
    xyxy = np.float32([[x, y0, x + 18, 40] for x, y0 in boxes]
                      + [[150 + 22 * k, 12, 168 + 22 * k, 40] for k in range(4)])
    probs = np.zeros((10, 10), np.float32)
    probs[:5, 6] = 0.5  # the letters: unsure, rejected
    probs[5, 0] = 1.0  # o: a sure 0
    for k, d in enumerate((0, 7, 1, 2)):
        probs[6 + k, d] = 1.0
    v = Rejecter().run(xyxy, probs, np.full(10, 0.4, np.float32))
    assert v.reason[5] == "x-height"
    assert v.keep[6:].all()
    # a sure 4 there is no lowercase letter (only o, l, s and r pass for digits: 0, 1, 5, 7)
    probs[5, 0], probs[5, 4] = 0.0, 1.0
    assert Rejecter().run(xyxy, probs, np.full(10, 0.4, np.float32)).reason[5] != "x-height"
    cfg = PipelineConfig().with_(x_height_sure_digits=False)
    assert Rejecter(cfg).run(xyxy, probs, np.full(10, 0.4, np.float32)).reason[5] == "x-height"
    probs[5, 4], probs[5, 0] = 0.0, 1.0
    # the same line in one size (capitals only) says nothing about x-height
    xyxy[:6, 1] = 12
    v = Rejecter().run(xyxy, probs, np.full(10, 0.4, np.float32))
    assert v.reason[5] != "x-height" and v.keep[6:].all()


def test_doubtful_digit_among_letters_is_a_letter():
    # rejected letters left and right, a word space (0.6 height) away: "P a y" in a wide hand
    xyxy = np.float32([[0, 0, 20, 40], [44, 0, 64, 40], [88, 0, 108, 40]])
    probs = np.zeros((3, 10), np.float32)
    probs[[0, 2], 8] = 0.5
    probs[1, 0] = 0.995  # doubtful
    v = Rejecter().run(xyxy, probs, np.full(3, 0.4, np.float32))
    assert v.reason.tolist() == ["confidence", "among letters", "confidence"]
    # a sure digit there stays
    probs[1, 0] = 1.0
    assert Rejecter().run(xyxy, probs, np.full(3, 0.4, np.float32)).keep[1]


def test_word_beside_a_word_of_letters_needs_a_smaller_vote():
    # "HELLO WORLD": HELLO is clearly letters; WORLD has one reject (L) and one doubtful member (R):
    # mean doubt 0.3, under the vote of a lone word but enough beside a word of letters
    hello = [[22 * k, 0, 22 * k + 20, 40] for k in range(5)]
    world = [[130 + 22 * k, 0, 150 + 22 * k, 40] for k in range(5)]  # a word space of 0.5 height
    probs = np.zeros((10, 10), np.float32)
    probs[1:4, 6] = 0.6  # HELLO: E L L unsure, H and O sure look-alikes of 4 and 0
    probs[0, 4] = probs[4, 0] = 1.0
    for k, (d, p) in enumerate(((4, 1.0), (0, 1.0), (8, 0.98), (1, 0.5), (0, 1.0))):
        probs[5 + k, d] = p
    v = Rejecter().run(np.float32(hello + world), probs, np.full(10, 0.4, np.float32))
    assert not v.keep.any()
    # the same word alone keeps its sure members
    v = Rejecter().run(np.float32(world), probs[5:], np.full(5, 0.4, np.float32))
    assert v.keep.tolist() == [True, True, True, False, True]


def test_broken_long_line_is_not_a_column_of_ones():
    # six thin dashes along a slightly slanted line (a paper edge broken up by the threshold)
    xyxy = np.float32([[100 + 3 * k, 20 + 30 * k, 104 + 3 * k, 40 + 30 * k] for k in range(6)])
    probs = np.zeros((6, 10), np.float32)
    probs[:, 1] = 1.0
    v = Rejecter().run(xyxy, probs, fill=np.full(6, 0.8, np.float32))
    assert not v.keep.any() and set(v.reason) == {"line"}
    # three 1s in a column (one per text line) stay digits
    v = Rejecter().run(xyxy[::2], probs[::2], fill=np.full(3, 0.8, np.float32))
    assert v.keep.all()


def test_digits_of_many_sizes_on_one_page_on_a_textured_desk(recognizer):
    img = grain(100)
    img[100:650, 250:1050] = 225  # a sheet on wood grain
    text(img, "7", (300, 600), 2.4, 6)  # a big digit, about 50 px tall
    for k, (d, x, y) in enumerate([("4", 600, 200), ("2", 800, 300), ("9", 700, 450), ("3", 950, 560)]):
        text(img, d, (x, y), 0.7, 2)  # small ones, about 15 px tall
    res = recognizer.process(img)
    assert sorted(res.digits.label.tolist()) == [2, 3, 4, 7, 9]


def test_polarity_of_a_bright_sheet_on_a_dark_textured_desk():
    rng = np.random.default_rng(5)
    desk = cv2.GaussianBlur(rng.normal(0, 1, (720, 1280)).astype(np.float32), (0, 0), 1.5)
    desk = 70 + desk / desk.std() * 20  # a dark, grainy desk: bright specks everywhere
    img = cv2.cvtColor(np.clip(desk, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    img[200:460, 480:800] = 200  # a note
    text(img, "25/06", (500, 350), 1.6, 4)
    assert Preprocessor().run(img).dark_ink is True


@pytest.mark.parametrize("name", ["letters", "symbols", "shapes", "blank"])
def test_pages_without_digits_report_none(recognizer, name):
    img = page(400, 800)
    if name == "letters":
        text(img, "HELLO WORLD", (20, 120), 1.8, 4)
        text(img, "camera abcde", (20, 300), 1.8, 4)
    elif name == "symbols":
        text(img, "+ * # @ & = ? !", (20, 120), 1.8, 4)
        text(img, "XYZ WKQ", (20, 300), 1.8, 4)
    elif name == "shapes":
        cv2.line(img, (20, 100), (780, 100), C, 3)  # ruled line
        cv2.line(img, (400, 20), (400, 380), C, 3)
        cv2.circle(img, (200, 250), 40, C, -1)  # blobs
        cv2.rectangle(img, (500, 200), (600, 300), C, -1)
        cv2.rectangle(img, (650, 200), (760, 320), C, 2)  # an empty box
    res = recognizer.process(img)
    assert len(res.digits) == 0, (res.digits.label, res.digits.xyxy)
    assert res.numbers == []


def grain(amp: float, seed: int = 3) -> np.ndarray:
    """A wood-grain-like texture: vertical streaks of random darkness."""
    rng = np.random.default_rng(seed)
    g = cv2.GaussianBlur(rng.normal(0, 1, (720, 1280)).astype(np.float32), (0, 0), sigmaX=1.5, sigmaY=12)
    return cv2.cvtColor(np.clip(150 + g * amp, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize("amp", [60, 100])
def test_texture_gives_no_digits_but_paper_on_it_does(recognizer, amp):
    img = grain(amp)
    assert len(recognizer.process(img).digits) <= 2  # without the texture test: about 250
    img[200:500, 300:900] = 225
    text(img, "40713", (350, 400), 3, 7)
    assert [n.text for n in recognizer.process(img).numbers] == ["40713"]


# ---------------------------------------------------------------------- group
def boxes_of(xs, y=100, w=30, h=50, dy=0.0):
    return np.float32([[x, y + dy * k, x + w, y + h + dy * k] for k, x in enumerate(xs)])


def test_group_phone_number_with_dashes():
    xs = [0, 35, 70, 105, 175, 210, 245, 315, 350, 385]  # 0712 - 345 - 678
    xyxy = boxes_of(xs)
    labels = np.array([0, 7, 1, 2, 3, 4, 5, 6, 7, 8])
    marks = np.float32([[142, 122, 165, 128], [282, 122, 305, 128]])
    numbers = Grouper().run(xyxy, labels, np.ones(10, np.float32), marks)
    assert len(numbers) == 1
    assert numbers[0].text == "0712345678"
    assert numbers[0].display == "0712-345-678"
    assert numbers[0].digits == list(range(10))


def test_group_date_with_dots_and_amount_with_comma():
    xyxy = boxes_of([0, 35, 85, 120, 170, 205, 240, 275])
    labels = np.array([2, 4, 1, 2, 2, 0, 2, 6])
    marks = np.float32([[70, 143, 76, 149], [155, 143, 161, 149]])
    (number,) = Grouper().run(xyxy, labels, np.ones(8, np.float32), marks)
    assert number.display == "24.12.2026" and number.text == "24122026"
    xyxy = boxes_of([0, 42, 77, 112])
    marks = np.float32([[32, 142, 38, 158]])  # a comma below the baseline
    (number,) = Grouper().run(xyxy, np.array([1, 2, 5, 0]), np.ones(4, np.float32), marks)
    assert number.display == "1,250"


def test_group_time_with_a_colon_and_amount_with_thousands():
    xyxy = boxes_of([0, 35, 85, 120])
    marks = np.float32([[72, 112, 78, 118], [72, 132, 78, 138]])  # two dots stacked: ':'
    (number,) = Grouper().run(xyxy, np.array([1, 1, 0, 4]), np.ones(4, np.float32), marks)
    assert number.display == "11:04" and number.text == "1104"
    xyxy = boxes_of([0, 35, 95, 130, 165, 225, 260])  # 15,564.85 with comfortable gaps
    marks = np.float32([[73, 142, 80, 160], [202, 143, 208, 149]])
    (number,) = Grouper().run(xyxy, np.array([1, 5, 5, 6, 4, 8, 5]), np.ones(7, np.float32), marks)
    assert number.display == "15,564.85"


def test_group_two_lines_and_a_wide_gap():
    top = boxes_of([0, 35, 70], y=0)
    bottom = boxes_of([0, 35, 70], y=90)
    far = boxes_of([300, 335], y=90)
    xyxy = np.concatenate([bottom, top, far])
    labels = np.array([1, 2, 3, 4, 5, 6, 7, 8])
    numbers = Grouper().run(xyxy, labels, np.ones(8, np.float32))
    assert [n.text for n in numbers] == ["456", "123", "78"]


def test_group_tolerates_a_slightly_rotated_line():
    xyxy = boxes_of([k * 35 for k in range(8)], dy=3.0)  # about 5 degrees
    (number,) = Grouper().run(xyxy, np.arange(8), np.ones(8, np.float32))
    assert number.text == "01234567"


def test_group_scale_free():
    for scale in (0.3, 1.0, 6.0):
        xyxy = boxes_of([0, 35, 70, 200, 235]) * scale
        numbers = Grouper().run(xyxy, np.array([1, 2, 3, 4, 5]), np.ones(5, np.float32))
        assert [n.text for n in numbers] == ["123", "45"]


def test_mark_kinds():
    band = (100.0, 150.0)
    assert mark_kind(np.float32([10, 122, 30, 128]), band) == "-"
    assert mark_kind(np.float32([10, 143, 16, 149]), band) == "."
    assert mark_kind(np.float32([10, 140, 16, 158]), band) == ","
    assert mark_kind(np.float32([10, 60, 30, 70]), band) is None


def test_mark_kinds_blurred_dots_and_merged_colon():
    band = (100.0, 150.0)
    assert mark_kind(np.float32([10, 136, 28, 152]), band) == "."  # a bold dot
    assert mark_kind(np.float32([10, 134, 19, 152]), band) == ","  # a short comma not below the line
    assert mark_kind(np.float32([10, 118, 18, 140]), band) == ":"  # two dots run together


def test_group_colon_from_two_stacked_blobs_and_not_after_a_word():
    xyxy = boxes_of([0, 35, 85, 120])
    marks = np.float32([[70, 118, 80, 124], [70, 133, 80, 139]])  # blurred dots look like short dashes
    (number,) = Grouper().run(xyxy, np.array([2, 3, 5, 2]), np.ones(4, np.float32), marks)
    assert number.display == "23:52"
    # "Tel:" read as digits: 3 before the colon and 3 after it is no time
    xyxy = boxes_of([0, 35, 70, 120, 155, 190])
    marks = np.float32([[107, 118, 113, 124], [107, 133, 113, 139]])
    numbers = Grouper().run(xyxy, np.array([7, 6, 1, 3, 3, 0]), np.ones(6, np.float32), marks)
    assert [n.text for n in numbers] == ["761", "330"]


def test_group_wide_handwritten_comma_before_three_digits():
    # 14,693 with a 1.1-height gap around the comma: one amount
    xyxy = boxes_of([0, 35, 120, 155, 190])
    marks = np.float32([[80, 142, 87, 162]])
    (number,) = Grouper().run(xyxy, np.array([1, 4, 6, 9, 3]), np.ones(5, np.float32), marks)
    assert number.display == "14,693" and number.text == "14693"
    # the same gap with a comma before a lone digit is a list: two numbers
    xyxy = boxes_of([0, 35, 120])
    (a, b) = Grouper().run(xyxy, np.array([1, 4, 6]), np.ones(3, np.float32), marks)
    assert (a.text, b.text) == ("14", "6")


def test_group_wider_space_between_digit_blocks_but_not_lone_digits():
    # 066 411 3514 with block gaps of 1.0 digit height
    xyxy = boxes_of([0, 35, 70, 150, 185, 220, 300, 335, 370, 405])
    labels = np.array([0, 6, 6, 4, 1, 1, 3, 5, 1, 4])
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.display == "066 411 3514"
    # lone digits (a page of isolated digits) 1.0 height apart stay separate
    numbers = Grouper().run(boxes_of([0, 80, 160]), np.array([3, 5, 7]), np.ones(3, np.float32))
    assert [n.text for n in numbers] == ["3", "5", "7"]


def _date_boxes(slash_w=22, slash_h=56, upright_1=False):
    """18/02/2013 with both slashes read as 1: digits 30x50, slashes slash_w x slash_h spanning the line."""
    xs, boxes = 0, []
    for ch in "18/02/2013":
        if ch == "/":
            boxes.append([xs, 97, xs + slash_w, 97 + slash_h])
            xs += slash_w + 5
        else:
            w = 12 if (upright_1 and ch == "1") else 30
            boxes.append([xs, 100, xs + w, 150])
            xs += w + 5
    return np.float32(boxes), np.array([1, 8, 1, 0, 2, 1, 2, 0, 1, 3])


def test_group_date_slashes_read_as_ones_become_separators():
    xyxy, labels = _date_boxes()
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.text == "18022013" and number.display == "18/02/2013"
    assert number.digits == [0, 1, 3, 4, 6, 7, 8, 9]  # the slashes are no digits
    # tall but steep slashes too
    xyxy, labels = _date_boxes(slash_w=14, slash_h=58)
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.display == "18/02/2013"
    # a hand's slashes a little short of the digits (0.8 of their height, starting lower)
    xyxy, labels = _date_boxes(slash_w=16, slash_h=40)
    xyxy[[2, 5], 1] += 8
    xyxy[[2, 5], 3] += 8
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.display == "18/02/2013"
    # a misread digit ("06" read "76") makes no valid date, but two clearly slanted strokes taller than
    # the digits at a date's places are its slashes all the same
    xyxy, _ = _date_boxes(slash_w=28, slash_h=56)
    labels = np.array([7, 6, 1, 1, 2, 1, 2, 0, 1, 3])  # 76 / 12 / 2013
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.display == "76/12/2013"
    xyxy, _ = _date_boxes(slash_w=16, slash_h=50)  # steeper and no taller: a misread date stays digits
    xyxy[[2, 5], 1], xyxy[[2, 5], 3] = 100, 150
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.text == "7611212013"
    # a hand's slashes drawn short and high (0.8 of the digits' height, ending 0.26 of it above the line)
    xyxy, labels = _date_boxes(slash_w=16, slash_h=40)
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.display == "18/02/2013"
    # the first slash lost (rejected, or merged into a digit): the gap it leaves stands for it
    xyxy, labels = _date_boxes(upright_1=True)
    lost = [0, 1, 3, 4, 5, 6, 7, 8, 9]
    (number,) = Grouper().run(xyxy[lost], labels[lost], np.ones(9, np.float32))
    assert number.text == "18022013" and number.display == "18/02/2013"
    # ... only where that makes a plausible date with a two-digit day and month (18 42/2013 does not)
    labels = labels[lost].copy()
    labels[2] = 4
    (number,) = Grouper().run(xyxy[lost], labels, np.ones(9, np.float32))
    assert number.text == "184212013"
    # a stroke half the digits' height is no slash
    xyxy, labels = _date_boxes(slash_w=16, slash_h=25)
    xyxy[[2, 5], 1] += 12
    xyxy[[2, 5], 3] += 12
    numbers = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert sum(len(n.text) for n in numbers) == 10 and not any("/" in (n.display or "") for n in numbers)


def test_group_date_slashes_keep_real_ones():
    # upright 1s no taller than their neighbours are digits even where a date would fit
    xyxy, labels = _date_boxes(slash_w=10, slash_h=50)
    xyxy[[2, 5], 1], xyxy[[2, 5], 3] = 100, 150
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.text == "1810212013"
    # slash-like 1s that do not make a valid date (month 21) stay digits
    xyxy, _ = _date_boxes()
    labels = np.array([1, 8, 1, 2, 1, 1, 2, 0, 1, 3])  # 18 / 21 / 2013 -> 18/21 is no date
    (number,) = Grouper().run(xyxy, labels, np.ones(10, np.float32))
    assert number.text == "1812112013"
    # a 6-digit number shaped like d/m/yy with ordinary (slanted, same-height) 1s stays a number
    xyxy = boxes_of([0, 35, 70, 105, 140, 175])
    (number,) = Grouper().run(xyxy, np.array([5, 1, 2, 1, 9, 9]), np.ones(6, np.float32))
    assert number.text == "512199"
    # off by setting
    xyxy, labels = _date_boxes()
    (number,) = Grouper(PipelineConfig().with_(date_slashes=False)).run(xyxy, labels, np.ones(10, np.float32))
    assert number.text == "1810212013"


def test_link_runs_empty_and_single():
    assert link_runs(np.zeros((0, 4), np.float32), 1.0) == []
    assert link_runs(np.float32([[0, 0, 10, 20]]), 1.0) == [[0]]


def test_config_rejects_unknown_settings_with_a_suggestion():
    with pytest.raises(ValueError, match="min_confidence"):
        PipelineConfig().with_(min_confidense=0.5)
    assert PipelineConfig().with_(min_confidence=0.5).min_confidence == 0.5
