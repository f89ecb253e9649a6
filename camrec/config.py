"""Frozen, documented defaults for the recognition pipeline (layer 0).

Every size is either relative to the median digit height of the frame (so the
pipeline works at any scale) or, where an absolute floor is unavoidable, in
pixels of the *working* image (the input, downscaled so that its longer side
is at most ``work_max_side``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class PipelineConfig:
    # ---- working resolution
    work_max_side: int = 1600
    """Frames whose longer side exceeds this are processed downscaled; boxes are mapped back."""

    # ---- preprocess (binarisation)
    background_scale: int = 4
    """The paper/board background is estimated on an image this many times smaller (speed)."""
    max_stroke_frac: float = 0.07
    """Widest expected stroke as a fraction of the frame's shorter side (sets the background kernel)."""
    min_contrast: float = 0.12
    """Ink must differ from the local background by at least this fraction of it (noise floor)."""
    min_ink_levels: int = 8
    """... and by at least this many gray levels (of 255): the noise floor of a dark frame."""
    max_contrast: float = 0.35
    """Upper clamp for the Otsu threshold on the contrast map (keeps faint ink on busy pages)."""
    relative_ink: float = 0.5
    """Ink must also reach this fraction of the strongest contrast within ``relative_radius`` px
    (0: off). Trims blurred stroke fringes and the weak bridges between touching characters."""
    relative_radius: int = 3
    """Radius (px of the working image) of the neighbourhood for ``relative_ink``."""
    find_page: bool = True
    """Look for a sheet that clearly stands out from the desk around it; candidates outside it are
    not digits (desk texture). Without a clear sheet (a scan, a close-up) nothing is masked. The mask
    is used only where the desk is busy: 1.5 x as inky as the sheet, or at least ``busy_desk_ink``."""
    faint_factor: float = 0.5
    """A sheet on which fewer than ``faint_below`` candidates were found at the frame's threshold is
    binarised again at this x the threshold, the sheet masked whatever the desk (a receipt's faint print
    on a contrasty wood desk that set the threshold above the print's contrast); the pass with more
    candidates is kept. Only where that lowers the threshold above ``min_contrast``. 0: off."""
    faint_below: int = 3
    """See ``faint_factor``."""
    sheet_shadow: float = 0.3
    """A shadow across the sheet (a hand, the phone) is darker than the paper but brighter than the desk,
    and the brightness split leaves it off the sheet, with its digits. The sheet is taken again above
    desk + this x (paper - desk); when that gives a sheet 1.15-1.6 x as large (a smaller gain is only the
    sheet's rim or a plate's border, a larger one the desk), that is the sheet. 0: off."""
    busy_desk_ink: float | None = 0.15
    """Share of the desk (off the sheet) in ink above which it is busy whatever the sheet holds: a small
    plate's bold characters ink it as densely as a textured desk. None: only the relative test."""
    denoise: bool = True
    """A 3x3 Gaussian before thresholding (JPEG and sensor noise)."""
    sharpen: float = 0.5
    """Small print in soft focus or motion blur (median digit height below ``sharpen_below`` px, edges
    softer than ``sharpen_blur``, see :func:`camrec.preprocess.edge_blur`) runs together at the threshold:
    such a frame is binarised again after an unsharp mask of this amount (0: never). Dev scenes 777 / 555:
    digit F1 +0.8 / +0.1 %, numbers read +0.8 / +0.3 %, false digits per scene -0.04 / +0.01. Sharpening
    every frame read more blurred print but made letters and textures into digits on sharp frames, and
    cost plates."""
    sharpen_sigma: float = 1.5
    """The unsharp mask's Gaussian (px)."""
    sharpen_below: float = 20.0
    """See ``sharpen``."""
    sharpen_blur: float = 3.1
    """See ``sharpen``."""

    # ---- segment
    min_digit_height: int = 10
    """Smallest digit, px of the working image (about 12 px in a 1280x720 frame)."""
    big_glyphs: bool = True
    """Also look for digits too big for the size limits below (one digit held up to the camera, filling
    much of the frame, strokes wider than ``max_stroke_frac``): see :mod:`camrec.big`."""
    big_glyph_side: int = 60
    """The shorter side (px, about) of the copy the big-glyph look works on."""
    big_glyph_confidence: float = 0.9
    """A big glyph is reported only when the classifier is at least this sure of its digit (it stands
    alone: no word or line context rules on it)."""
    big_glyph_clutter: float = 0.02
    """A big glyph's surroundings (half its height each way) hold at most this share of other ink."""
    max_digit_frac: float = 0.4
    """Tallest digit as a fraction of the working image's shorter side."""
    min_aspect: float = 0.08
    """Narrowest digit box, width/height (a printed 1)."""
    max_aspect: float = 1.25
    """Boxes wider than this (width/height) are split candidates; single digits rarely are."""
    line_factor: float = 3.0
    """A straight stroke longer than this times the median digit height is a ruled line, removed."""
    line_max_thickness: float = 0.05
    """... and only when it is thin for its length (thickness at most this x length, or 3 px): the bar of
    a big 5 or the stem of a big 9 is long too, but thick."""
    line_span: float = 0.8
    """... and only when it runs along this share of its ink component (or is twice that length): the
    baselines of touching digits form a long thin run too, but it ends inside their component."""
    line_repair: bool = True
    """Where a character's stroke crosses a removed line (ink on both sides within 0.4 of the
    median digit height), the line's pixels stay: a rule struck through a 9 leaves it whole."""
    tilted_lines: bool = True
    """Also remove straight thin lines tilted 0.5-15 degrees off the frame's axes, at least 6 median digit
    heights long, from components the axis-aligned line step leaves big: a cheque's amount box or payee line
    photographed askew joins the digits that touch it into one region (not along a sheet's outline: a
    plate's border there touches its characters). See ``segment._tilted_lines``."""
    box_sides: bool = True
    """A thin candidate whose top and bottom both end on ruled-line ink the line step removed is the side of
    a box or a cell (a box drawn around an amount), not a 1."""
    cell_sides: bool = True
    """Upright strokes left between two removed horizontal lines (a form's cell sides) go with the lines."""
    rescue_level: float = 0.5
    """Faint digits broken into fragments are taken whole from this fraction of the ink threshold when
    that gives one digit-sized component of fragments only (0: off). See ``Segmenter._rescue_faint``."""
    short_exempt: float = 0.8
    """A candidate at least this fraction of the frame's median digit height is never a mark for being much
    shorter than its neighbours: on security paper or in a grid the pattern's strokes join into tall
    pieces beside the digits (0: every short candidate is a mark)."""
    max_clutter: float = 0.3
    """A candidate whose surroundings (3x its box) are more than this full of ink is texture, not a digit."""
    touch_aspect: float = 1.05
    """Components at least this wide for their height are looked at again at higher ink thresholds
    (blurred, bold characters touching their neighbours)."""
    rethreshold_levels: tuple = (0.45, 0.6, 0.75)
    """Fractions of a wide component's own strong-ink contrast (90th percentile) tried, lowest first,
    to separate touching characters; empty: off."""
    fragment_height: float = 0.65
    """A piece whose height is below this fraction of its neighbour's is a fragment that may be merged."""
    merge_gap: float = 0.25
    """Largest gap (fraction of the merged height) bridged when merging a fragment."""
    merge_max_aspect: float = 1.0
    """A merged box must stay at most this wide for its height."""

    # ---- split
    split_aspect: float = 1.25
    """Boxes wider than this (width/height) are tried as 2-4 touching digits."""
    split_wide_in_row: float = 1.4
    """A box at least 0.9 as wide as tall and this many times as wide as the characters of its size on its
    row (their median width/height, two or more of them, thin strokes not counted) is a split candidate
    too, however sure the classifier is of it: bold print's touching pairs read as one sure digit. 0: off."""
    split_max_confidence: float = 0.999
    """A box the classifier reads at least this surely is not tried: each piece must beat the whole (dev
    scenes: 1 of 223 such tries won, at a quarter of the split stage's time on a page of handwriting)."""
    split_aspect_unsure: float = 0.8
    """Boxes wider than this are tried too when the classifier is below min_confidence on them."""
    split_max_aspect: float = 3.2
    """Boxes wider than this are not tried: no split of a wider box succeeded on the dev scenes and the
    page clip (widest 2.6); they are words and rules (saves crops and classifier time)."""
    split_height: tuple = (0.5, 2.0)
    """... nor boxes outside this range of the frame's median candidate height (successful splits:
    0.78-1.53): touching digits are digit-sized."""
    split_not_digit: float = 0.5
    """With an 11-class model, a box no wider than ``split_aspect`` whose "not a digit" probability exceeds
    this is not tried (a letter, not touching digits; saves classifier time)."""
    split_between_digits: bool = True
    """... but one with sure digits right beside it on both sides is tried all the same: a printed date's '/'
    run into the digit after it ("/2") is no letter."""
    split_confidence: float = 0.99
    """Every piece of an accepted split must reach this top probability (splitting symbols into
    strokes makes confident-looking false digits)."""
    split_no_all_ones: bool = True
    """Refuse splits whose pieces are all 1s: those are the strokes of letters like N, H, M, U, W."""
    split_margin: float = 0.0
    """A split wins when its weakest piece beats the unsplit box's confidence by this much."""

    # ---- normalize
    mnist_stroke: float = 0.11
    """MNIST's median stroke width relative to digit height (measured on its test set)."""
    stroke_tolerance: float = 1.8
    """Strokes thinner/thicker than mnist_stroke by more than this factor are dilated/eroded."""

    # ---- reject
    min_confidence: float = 0.90
    """A digit whose top probability is below this is not reported (keeps 99.2 % of MNIST test digits)."""
    doubt_confidence: float = 0.999
    """Below this a digit counts as doubtful (half a reject) in the word-of-letters vote."""
    reject_class_threshold: float = 0.12
    """With an 11-class model: the 'not a digit' probability above which a box is rejected (the shipped
    model's reject class was shifted down by 2 logits after training, see models/README.md)."""
    reject_class_min_confidence: float = 0.5
    """With an 11-class model, ``min_confidence`` is this (the model rejects non-digits itself)."""
    reject_class_letter_vote: float = 0.6
    """With an 11-class model, ``letter_run_vote`` and ``letter_line_vote`` are this."""
    max_line_continuation: float = 0.5
    """A thin 1-like box whose stroke runs on (ink at half the threshold) along more than this share of
    0.6 of its height beyond both of its ends is a piece of a longer line, not a 1 (1.0: off)."""
    max_side_step: float = 0.2
    """A thin 1-like box whose two sides differ in brightness by more than this fraction is the edge of a
    sheet or a shadow, not a stroke (1.0: off)."""
    sheet_edges: bool = True
    """A thin 1-like box on the outline of the sheet found (see :func:`camrec.crop.sheet_edge`) is an
    edge, like one with paper on one side only (``max_side_step``, and off with it): dev scenes 21 false digits fewer,
    2 true ones lost."""
    max_aspect_sure: float = 1.6
    """A box wider than ``max_aspect`` (and not split) is still one digit up to this width/height when the
    model is at least ``sure_confidence`` sure of it (a wide hand's 0, 4 or 5)."""
    max_aspect_surest: float = 2.4
    """... and up to this width/height when, besides, the model's "not a digit" is under 1 % (an 11-class
    model): dev scenes, 17 true digits rejected "too wide" kept, no false one."""
    sure_confidence: float = 0.99
    """See ``max_aspect_sure``."""
    max_fill: float = 0.72
    """Boxes more than this full of ink (and not thin) are blobs, not digits."""
    min_line_height: float = 0.6
    """A candidate shorter than this fraction of its line's median height (3+ characters) is not a digit."""
    max_line_height: float | None = 1.5
    """... nor one taller than this times it (a plate's or a box's border piece). None: off."""
    max_surround: float = 0.6
    """Mean ink contrast in the band one box-height tall above or below a box (the cleaner of the two), as a
    fraction of the ink threshold, above which the box is texture. Texture is inky on both sides; a paper
    edge or a line of text is on one side only."""
    max_surround_own: float = 0.33
    """The same band contrast as a fraction of the box's own ink contrast, above which it is texture."""
    lone_surround: float | None = 0.45
    """A candidate alone on its row (no other candidate within ``lone_gap`` heights left or right) is
    rejected when its texture score (see ``max_surround``; 1 = texture) exceeds this: a lone digit sits
    on clean paper, a lone stroke with ink around it is a grid line, a box side or a paper edge
    (dev scenes: 1 of 107 lone true digits above 0.45, 75 of 93 lone false digits). None: off."""
    lone_exempt_aspect: float | None = 0.4
    lone_exempt_confidence: float = 0.95
    """A lone candidate at least ``lone_exempt_aspect`` as wide as tall that the classifier is at least this sure
    of is never rejected as "lone": the strokes the lone test is for are thin (dev scenes: 217 of 224 lone
    false digits thinner than 0.4), a lone digit on security paper or a textured card is not. None: off."""
    lone_clean_surround: float | None = 0.6
    lone_clean_continuation: float = 0.3
    lone_clean_step: float = 0.05
    lone_clean_confidence: float = 0.9
    """A lone candidate (a thin 1 too) whose stroke runs on into no line (``continuation`` under
    ``lone_clean_continuation``), with the same surface on both its sides (``side_step`` under
    ``lone_clean_step``), a texture score under ``lone_clean_surround`` and a digit score of at least
    ``lone_clean_confidence`` is never rejected as "lone": it is no grid line, box side or paper
    edge, and a lone digit on security paper has the pattern's ink in its ring (isolated 16 px digits on a
    guilloche, scripts/page_check.py: 89-90 % read -> 92 %; dev scenes: 3 false digits more in 400 scenes).
    None: off."""
    lone_gap: float = 1.5
    """Horizontal distance (fraction of the box height) within which a neighbour makes a candidate not lone."""
    x_height_ratio: float = 1.2
    """On a text line whose tallest characters are at least this many times its x-height (the lower
    quartile of its rejected characters' heights: a line of mixed-case letters), a candidate no taller
    than ``x_height_tol`` x the x-height is a lowercase letter, not a digit. 0: off."""
    x_height_sure_digits: bool = True
    """A sure 2, 3, 4, 6, 8 or 9 (not an o, l, s or r look-alike) is never taken for a lowercase letter
    (dev scenes: 12 of 38 digits the x-height test took, against 1 of its 632 letters)."""
    x_height_tol: float = 1.1
    """See ``x_height_ratio``."""
    x_height_gap: float = 1.2
    """Characters closer than this (fraction of height) are on one text line for the x-height test."""
    x_height_min: int = 3
    """The x-height test needs at least this many rejected characters on the line."""
    x_height_share: float = 0.3
    """... and at least this share of the line's characters rejected."""
    x_height_word: int = 3
    """... and applies to words of at most this many unrejected characters (short words: 'to', 'on')."""
    slash_slope: float | None = None
    """If set: a '1' leaning right more than this (dx/dy of its ink axis) between two digits is a date's '/'.
    Off by default: slashes in the synthetic scenes measured 0.31-0.6, but so do many handwritten 1s
    (MNIST test 1s: median 0.19, a quarter above 0.42), so any threshold eats real 1s."""
    blob_min_height: int = 26
    """The blob test applies only to boxes at least this tall (px of the working image)."""
    broken_line_min: int = 5
    """This many or more thin 1-like boxes strung along one straight near-vertical line, spanning over
    four of their heights, are pieces of a broken long line (a paper edge, a faint rule), not digits.
    0: off."""
    letter_gap: float = 0.4
    """Characters closer than this (fraction of height) on one line form a word for the letter vote."""
    mixed_height: float = 1.22
    """In a word, a member more than this many times shorter than the tallest counts as half a doubt
    (x-height letters beside ascenders); a word of mixed heights is voted on even without a reject.
    0: off."""
    letter_line_vote: float = 0.4
    """A run of several words whose mean doubt reaches this is letters as a whole; below it, each word
    (split at clear spaces) is voted on alone."""
    letter_run_vote: float = 0.4
    """A word with a rejected member and mean doubt >= this is letters: all of it is rejected."""

    word_min_letters: int = 2
    """A word with at least this many members rejected as letter-like (model, confidence, x-height, too
    wide, blob) and at most ``word_max_digits`` others, or fewer others than such letters, is letters
    whatever the vote ('l' in "Call", 'D' in "Do", 'H' and 'l' in "Handle"). 0: off."""
    plate_digit_block: bool = True
    """A word's kept members that form a block of two or more sure digits (not all 0s and 1s) are not
    outvoted by ``word_min_letters`` letters: letters and digits glued on a plate ("JR04"). And in a word
    of capitals (one height) voted letters, such a block not at the word's start keeps its place:
    "YK48 VCP", where the plate's space is within letter spacing."""
    letter_marks: bool = True
    """Lowercase letters too small to be digit candidates (marks of x-height on a candidate's baseline,
    within ``letter_gap``) count as letters in the word vote: the a in "Call", the o in "Do"."""
    word_max_digits: int = 2
    """See ``word_min_letters``."""
    in_number_not_digit: float | None = 0.3
    """With an 11-class model: a candidate rejected by the model with "not a digit" at most this (and a
    digit score of 0.9 or more) is kept when a kept digit of its size stands right beside it (within half
    a height) and nothing rejected does: the number vouches for it. Dev scenes: 555 numbers read
    0.776 -> 0.784, 777 unchanged. None: off."""
    alone_not_digit: float | None = 0.05
    """With an 11-class model: a digit with no other kept digit near it on its row (within
    ``separator_gap`` heights) is rejected ("alone") above this "not a digit" probability, a stricter
    limit than ``reject_class_threshold``: no number vouches for it. Dev scenes: 18 false digits went,
    7 true ones (0.1 % of them); isolated-digit pages (scripts/page_check.py grid) lose 0.2-0.4 %.
    None: off."""
    word_sure_digits: tuple = (2, 3, 7)
    """These digits, when sure (``doubt_confidence``, "not a digit" under 1 %), stay digits in a word voted
    letters: few letters pass for them (dev scenes: 25 such digits the word vote took, against 3 of its
    1,522 letters), while O, l, S, b, B and g pass for 0, 1, 5, 6, 8 and 9, and H or A for a 4. Empty: off."""
    letter_ones: bool = True
    """Two 0s or 1s at letter spacing beside a rejected letter of their size (not a thin stroke) are
    letters too: the l's of "Call" when its C and a joined."""
    sure_letter: float = 0.9
    """A candidate whose "not a digit" probability reaches this is surely a letter (``letter_ones``,
    ``letter_pair``): below it, it may be a badly written digit, whose neighbours are digits too."""
    sparse_frame_confidence: float | None = 0.95
    """A frame with only one or two digits kept keeps them only when the classifier reads them at least this
    surely ("alone"): no number or neighbour vouches for them. Blank pages of seed 4321: 0.12 -> 0.07 false
    digits each (0 at 0.99), letters pages 1.23 -> 1.15 (1.10); one MNIST test digit alone on a page: 394
    -> 389 of 400 read (382). None: off (the drawing canvas, where every stroke is meant as a digit)."""
    glued_to_lowercase: bool = True
    """A digit glued to a sure lowercase letter 0.4-0.75 of its height that shares its baseline (an
    ascender: the b of "balance") or its top (a descender: the g of "Meeting") is a letter too, unless a
    digit of its size stands beside it or it is a sure 2, 3 or 7 ("2nd"). The word grouping keeps
    characters of such different heights apart, so the word vote does not see them together."""
    letter_cut_digit: bool = True
    """In a word not voted letters, a lone digit (not a 0 or 1: those have their own rules) separated from
    the word's number (2+ digits) by sure letters of its height is a letter: the S of a plate's "SP52" read
    as a sure 5 (80 plate scenes of seed 42: F1 0.859 -> 0.868, plates read 0.588 -> 0.613)."""
    letter_pair: bool = True
    """A word of two, a digit and a rejected letter of its height (not a thin stroke), is letters: the S
    of a plate's "SX" that the model reads as a sure 5."""

    letter_next_vote: float | None = 0.3
    """The ``letter_run_vote`` of a word (4+ characters) that has a word voted letters beside it on its
    line, within ``letter_next_gap`` heights ("WORLD" after "HELLO"). None: off."""
    os_and_ls_beside: bool = True
    """A word of 0s and 1s with two or more rejected letters in the words within ``letter_next_gap``
    heights on its line (a word beside it counts whole), and no kept digit there, is O, o, l, I and D: the
    "Do" of "Do not" read 00; the "00" of "Time: 00:17" stays."""
    letter_next_gap: float = 1.0
    """See ``letter_next_vote``."""
    among_letters_gap: float = 1.2
    """A doubtful digit (below ``doubt_confidence``) whose every neighbour on its row within this many
    heights was rejected as a letter (confidence, word, x-height) is a letter too. 0: off."""

    # ---- group
    tight_gap: float = 0.55
    """Gaps (fraction of digit height) up to this join digits into one number."""
    space_gap: float = 0.9
    """Gaps up to this with nothing between them join as a space inside one number."""
    separator_gap: float = 1.8
    """Gaps up to this join when a '-', '.' or '/' mark lies between the digits."""
    row_overlap: float = 0.5
    """Two digits are on one line when their vertical spans overlap by this fraction of the smaller."""
    height_ratio: float = 1.7
    """Neighbouring digits of one number differ in height by at most this factor."""
    group_space_gap: float = 1.15
    """Gaps up to this with nothing between join (as a space) when both sides are groups of 2+ closely
    spaced digits (phone numbers written in blocks); lone digits need ``space_gap``."""
    comma_gap: float = 1.3
    """Gaps up to this with a ',' (or nothing found) between join when 2 or 3 closely spaced digits
    follow: a handwritten thousands or decimal comma (14,693.77; 43.676,30)."""
    date_slashes: bool = True
    """A '1' that is slash-like (at least as tall as its neighbours, slanted or wide) where reading it
    as '/' makes the number a valid date (dd/mm/yy[yy], mm/dd/yyyy, yyyy/mm/dd) is a separator."""

    def with_(self, **changes) -> "PipelineConfig":
        """A copy with some settings changed; unknown names are refused with a suggestion."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                import difflib

                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"unknown pipeline setting {name!r}{hint}")
        return replace(self, **changes)
