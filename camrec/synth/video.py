"""Camera clips with exact per-frame ground truth (``camrec synth --clips DIR``).

A clip is a virtual camera moving over a desk with one or more flat
documents on it (a handwritten page of numbers, a cheque, a number plate, a
sticky note). The world (desk + documents) is rendered **once** by
:mod:`camrec.synth`; each frame is then a smoothly varying homography of it
(pan along a path of key points, slight zoom and roll, a little keystone,
hand shake) into the output frame, followed by per-frame photometric effects
(uneven light, brightness ramps, defocus, motion blur that follows the camera
speed, sensor noise). Optional events: a blur burst (motion + defocus for
about half a second) and a lighting change (brightness and gradient ramp).

Ground truth is exact: every digit's ink outline (the convex hull used by
:func:`camrec.synth.make_scene`) goes through the same document -> world ->
frame homography as the pixels. A digit is reported in a frame when at least
:data:`VISIBLE` of its hull area lies inside the frame (its box is then
clipped to the frame); digits cut more than that by the frame edge are listed
as ``partial`` (predictions on them are neither hits nor false digits). A
number is reported when all of its digits are.

Everything is a pure function of the clip spec and its seed (no clock, no
argv). :func:`write_clip` writes ``NAME.mp4`` (OpenCV ``mp4v``) and
``NAME.json``:

```
{"version": 1, "name", "video", "fps", "width", "height", "frames", "seed", "command", "description",
 "events": {"blur": [first, last] | null, "lighting": [first, last] | null},
 "digits":  [{"gt_id", "label", "source"}],                 # every physical digit in the world
 "numbers": [{"gt_number", "text", "display", "digits": [gt_id, ...]}],
 "frame_truth": [{"frame", "digits": [[gt_id, x, y, w, h], ...], "numbers": [[gt_number, x, y, w, h], ...],
                  "partial": [[gt_id, x, y, w, h], ...], "blur": float, "light": float}]}
```

Boxes are ``[x, y, w, h]`` float pixels of the frame, ``x, y`` top-left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from camrec.errors import CamrecError
from camrec.synth.distractors import rule_page
from camrec.synth.document import Document
from camrec.synth.glyphs import text_line
from camrec.synth.layouts import layout_cheque, layout_plate, layout_sticky
from camrec.synth.materials import paper_texture, smooth_noise
from camrec.synth.resources import MnistDigits, mnist_digits, pick_fonts
from camrec.synth.text import groups_of, number_text

CLIP_VERSION = 1
WORLD_SOFTNESS = 0.8  # Gaussian sigma (world px) applied to the rendered world
VISIBLE = 0.95  # share of a digit's ink hull inside the frame for it to count as visible
DESK_COLOURS = {"wood": (0.25, 0.40, 0.58), "gray": (0.45, 0.47, 0.48), "dark": (0.16, 0.16, 0.17)}


# ------------------------------------------------------------------ specs
@dataclass(frozen=True)
class Placement:
    """One document on the desk: its layout, size in world px, centre, rotation (degrees)."""

    layout: str  # hand_page | cheque | plate | sticky
    size: tuple[int, int]  # (w, h) world px
    centre: tuple[float, float]
    angle: float = 0.0


@dataclass(frozen=True)
class ClipSpec:
    """A clip: the world, the camera path and the events. Times in seconds."""

    name: str
    seed: int
    description: str
    world: tuple[int, int]  # desk size (w, h) px
    desk: str
    placements: tuple[Placement, ...]
    # camera key points: (t, x, y, scale, roll_deg); the frame centre looks at world (x, y), world px * scale
    path: tuple[tuple[float, float, float, float, float], ...]
    seconds: float = 6.0
    fps: float = 15.0  # 1280x720 at 30 fps does not fit 2 MB with mp4v
    size: tuple[int, int] = (1280, 720)
    shake_px: float = 1.5  # hand-shake amplitude in frame px
    keystone: float = 0.03  # perspective strength (corner displacement / frame size)
    blur: tuple[float, float] | None = None  # (start s, duration s) of a blur burst
    lighting: tuple[float, float] | None = None  # (start s, duration s) of a dim + gradient ramp
    noise: float = 0.004  # sensor noise (0..1 scale)


CLIPS: dict[str, ClipSpec] = {spec.name: spec for spec in (
    ClipSpec(
        name="page", seed=501, desk="wood",
        description="pan down and across a handwritten page of numbers (phone numbers, dates, amounts)",
        world=(2300, 1700), placements=(Placement("hand_page", (1900, 1350), (1150, 850), -1.5),),
        path=((0.0, 760, 520, 0.95, -1.0), (2.2, 1250, 600, 0.95, 0.5), (4.2, 1350, 1050, 0.92, 1.5),
              (6.0, 800, 1150, 0.97, -0.5)),
    ),
    ClipSpec(
        name="cheque", seed=502, desk="gray",
        description="a cheque: whole view, zoom towards the amount and date, back out",
        world=(2000, 1200), placements=(Placement("cheque", (1500, 652), (1000, 600), 2.0),),
        path=((0.0, 1000, 600, 0.78, 0.0), (2.2, 1300, 520, 1.05, -2.0), (4.2, 1250, 700, 1.0, 1.0),
              (6.0, 950, 640, 0.8, 0.0)),
    ),
    ClipSpec(
        name="plate", seed=503, desk="dark",
        description="two number plates: a wide view, closer to the first, then across to the second; hand shake",
        world=(2200, 1200), placements=(Placement("plate", (820, 175), (700, 420), -3.0),
                                        Placement("plate", (820, 175), (1500, 800), 2.0)),
        path=((0.0, 1100, 610, 0.55, 1.0), (2.0, 720, 440, 1.0, -1.0), (4.0, 1450, 780, 1.1, 1.0),
              (6.0, 1480, 790, 1.25, 0.0)),
        shake_px=2.5,
    ),
    ClipSpec(
        name="notes_blur", seed=504, desk="wood",
        description="a handwritten page and a sticky note; a blur burst at 1.6 s and a lighting change at 3.4 s",
        world=(2400, 1500),
        placements=(Placement("hand_page", (1500, 1060), (900, 750), 1.0),
                     Placement("sticky", (520, 520), (1950, 700), -6.0)),
        path=((0.0, 800, 600, 0.9, 0.0), (2.2, 1200, 700, 0.9, 1.0), (4.5, 1650, 720, 0.95, -1.0),
              (6.0, 1500, 900, 0.9, 0.0)),
        blur=(1.6, 0.5), lighting=(3.4, 1.6),
    ),
)}


# ------------------------------------------------------------------ world
@dataclass
class World:
    """The desk with documents on it, rendered once, and its digits in world coordinates."""

    image: np.ndarray  # (H, W, 3) uint8 BGR
    hulls: list[np.ndarray] = field(default_factory=list)  # per digit (k, 2) world px
    labels: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)  # text, display, digits (gt ids)


def layout_hand_page(rng: np.random.Generator, doc: Document, mnist: MnistDigits, fonts, height: float) -> None:
    """Lines of handwritten numbers (label words in a handwriting font), some ruled, a margin."""
    printed, hand = fonts
    spacing = height * rng.uniform(2.1, 2.4)
    top = doc.height * 0.07 + height
    if rng.random() < 0.6:
        rule_page(rng, doc, spacing, top + height * 1.05)
    labels = {"phone": ["Tel", "Call"], "date": ["Date", "Due"], "amount": ["Total", "Sum"],
              "plain": ["No", "Ref", "Room"], "time": ["at"]}
    y = top
    while y + height * 1.5 < doc.height * 0.96:
        for col, (lo, hi) in enumerate(((0.06, 0.12), (0.54, 0.6))):  # two columns
            if col and rng.random() < 0.25:
                continue
            kind = str(rng.choice(["phone", "date", "amount", "plain", "time"], p=[0.25, 0.2, 0.25, 0.2, 0.1]))
            text = number_text(rng, kind)
            if rng.random() < 0.4:
                text = f"{rng.choice(labels[kind])} {text}"
            items, width = text_line(rng, text, height, "hand", mnist, printed, hand)
            x = doc.width * rng.uniform(lo, hi)
            end = doc.width * (0.5 if col == 0 else 0.96)
            if items and x + width < end and len(items) == len(text.replace(" ", "")):
                doc.place(items, x, y, doc.ink_colour, groups_of(text, items))
                doc.occupied.append(doc.box_of(items, x, y))
        y += spacing


def _document(rng: np.random.Generator, placement: Placement, mnist: MnistDigits) -> Document:
    w, h = placement.size
    fonts = pick_fonts(rng)
    if placement.layout == "hand_page":
        doc = Document(paper_texture(rng, h, w, (0.96, 0.96, 0.95)), (0.45, 0.18, 0.06), "sheet")
        layout_hand_page(rng, doc, mnist, fonts, height=float(rng.uniform(40, 48)))
    elif placement.layout == "cheque":
        doc = Document(paper_texture(rng, h, w, (0.85, 0.93, 0.95)), (0.35, 0.12, 0.05), "cheque")
        layout_cheque(rng, doc, mnist, fonts, (14.0, h / 10))
    elif placement.layout == "plate":
        doc = Document(paper_texture(rng, h, w, (0.95, 0.95, 0.95)), (0.08, 0.08, 0.08), "plate")
        layout_plate(rng, doc, mnist, fonts, (14.0, h / 2))
    elif placement.layout == "sticky":
        doc = Document(paper_texture(rng, h, w, (0.55, 0.93, 0.98)), (0.12, 0.11, 0.10), "sticky")
        layout_sticky(rng, doc, mnist, fonts, (max(40.0, h / 10), h / 6))
    else:
        raise ValueError(f"unknown clip layout {placement.layout!r}")
    return doc


def _desk(rng: np.random.Generator, kind: str, w: int, h: int) -> np.ndarray:
    base = np.float32(DESK_COLOURS[kind])
    lum = 1 + 0.04 * smooth_noise(rng, h, w, 60)
    if kind == "wood":  # soft grain along x
        grain = np.sin((np.linspace(0, 1, h, dtype=np.float32)[:, None] * 40
                        + 0.3 * smooth_noise(rng, h, w, 90)) * np.pi * 2)
        lum = lum + 0.06 * grain
    return np.clip(base * lum[..., None], 0, 1).astype(np.float32)


def _placement_matrix(p: Placement) -> np.ndarray:
    """3x3 document -> world: rotate about the document centre, then move it to ``p.centre``."""
    w, h = p.size
    a = np.deg2rad(p.angle)
    c, s = np.cos(a), np.sin(a)
    to_origin = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]], np.float64)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)
    move = np.array([[1, 0, p.centre[0]], [0, 1, p.centre[1]], [0, 0, 1]], np.float64)
    return move @ rot @ to_origin


def render_world(spec: ClipSpec, mnist: MnistDigits | None = None, data_dir: str | None = None) -> World:
    rng = np.random.default_rng([int(spec.seed), 0])
    mnist = mnist or mnist_digits("test", data_dir)
    W, H = spec.world
    img = _desk(rng, spec.desk, W, H)
    world = World(image=np.zeros((H, W, 3), np.uint8))
    for p in spec.placements:
        doc = _document(rng, p, mnist)
        A = _placement_matrix(p)
        dw, dh = doc.width, doc.height
        cover = cv2.warpPerspective(np.ones((dh, dw), np.float32), A, (W, H), flags=cv2.INTER_LINEAR)
        page = cv2.warpPerspective(doc.paper, A, (W, H), flags=cv2.INTER_LINEAR)
        drop = cv2.GaussianBlur(np.roll(cover, (6, 6), (0, 1)), (0, 0), 6)  # the page's shadow on the desk
        img = img * (1 - 0.3 * drop[..., None] * (1 - cover[..., None]))
        img = img * (1 - cover[..., None]) + page * cover[..., None]
        base = len(world.labels)
        for d in doc.digits:
            pts = cv2.perspectiveTransform(d.hull.reshape(-1, 1, 2).astype(np.float64), A).reshape(-1, 2)
            world.hulls.append(pts)
            world.labels.append(int(d.label))
            world.sources.append(d.source)
        for n in doc.numbers:
            ids = [base + i for i in n["digits"]]
            world.numbers.append({"text": "".join(str(world.labels[i]) for i in ids),
                                  "display": n["display"].strip(), "digits": ids})
    # a little lens softness in world space: it also smooths the paper grain, which costs bitrate
    world.image = cv2.GaussianBlur(np.clip(img * 255, 0, 255).astype(np.uint8), (0, 0), WORLD_SOFTNESS)
    return world


# ------------------------------------------------------------------ camera
def _smoothstep(u: np.ndarray) -> np.ndarray:
    return u * u * (3 - 2 * u)


def _keyframe(path: tuple, t: float) -> np.ndarray:
    """Camera (x, y, scale, roll) at time ``t``: eased interpolation between key points."""
    keys = np.asarray(path, np.float64)
    if t <= keys[0, 0]:
        return keys[0, 1:]
    if t >= keys[-1, 0]:
        return keys[-1, 1:]
    i = int(np.searchsorted(keys[:, 0], t, side="right")) - 1
    t0, t1 = keys[i, 0], keys[i + 1, 0]
    u = float(_smoothstep(np.asarray((t - t0) / (t1 - t0))))
    return keys[i, 1:] * (1 - u) + keys[i + 1, 1:] * u


@dataclass(frozen=True)
class Shake:
    """Hand shake: a sum of sinusoids (2-9 Hz) per axis and for the roll, fixed per clip."""

    freq: np.ndarray  # (3, k)
    phase: np.ndarray  # (3, k)
    amp: np.ndarray  # (3, k)

    @classmethod
    def make(cls, rng: np.random.Generator, px: float, k: int = 4) -> Shake:
        freq = rng.uniform(1.5, 9.0, (3, k))
        amp = rng.uniform(0.4, 1.0, (3, k)) / np.sqrt(k) * np.float64([[px], [px], [0.15]])
        return cls(freq, rng.uniform(0, 2 * np.pi, (3, k)), amp)

    def at(self, t: float, gain: float = 1.0) -> np.ndarray:
        return gain * (self.amp * np.sin(2 * np.pi * self.freq * t + self.phase)).sum(1)


def camera_matrix(spec: ClipSpec, t: float, shake: Shake, tilt: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """3x3 world -> frame homography at time ``t``."""
    fw, fh = spec.size
    x, y, scale, roll = _keyframe(spec.path, t)
    dx, dy, droll = shake.at(t, gain)
    a = np.deg2rad(roll + droll)
    c, s = np.cos(a) * scale, np.sin(a) * scale
    similarity = np.array([[c, -s, fw / 2 + dx - (c * x - s * y)], [s, c, fh / 2 + dy - (s * x + c * y)],
                           [0, 0, 1]], np.float64)
    # A little keystone that drifts slowly: perspective terms in frame coordinates centred on the frame.
    px, py = tilt * spec.keystone / np.float64([fw, fh])
    centre = np.array([[1, 0, fw / 2], [0, 1, fh / 2], [0, 0, 1]], np.float64)
    persp = np.array([[1, 0, 0], [0, 1, 0], [px, py, 1]], np.float64)
    return centre @ persp @ np.linalg.inv(centre) @ similarity


# ------------------------------------------------------------------ truth
def _polygon_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def _inside_share(pts: np.ndarray, fw: int, fh: int) -> float:
    """Share of the convex polygon ``pts`` lying inside the frame rectangle."""
    area = _polygon_area(pts)
    if area <= 0:
        return 0.0
    clip = np.array([[0, 0], [fw, 0], [fw, fh], [0, fh]], np.float32)
    inter, _ = cv2.intersectConvexConvex(np.ascontiguousarray(pts, np.float32), clip)
    return float(inter) / area


def frame_truth(world: World, M: np.ndarray, fw: int, fh: int) -> tuple[list, list, list]:
    """(digits, numbers, partial) of one frame; rows are [id, x, y, w, h] rounded to 0.1 px."""
    visible, partial, boxes = [], [], {}
    for gid, hull in enumerate(world.hulls):
        pts = cv2.perspectiveTransform(hull.reshape(-1, 1, 2), M).reshape(-1, 2)
        lo, hi = pts.min(0), pts.max(0)
        if hi[0] <= 0 or hi[1] <= 0 or lo[0] >= fw or lo[1] >= fh:
            continue
        x0, y0 = np.clip(lo, 0, [fw, fh])
        x1, y1 = np.clip(hi, 0, [fw, fh])
        row = [gid, round(float(x0), 1), round(float(y0), 1), round(float(x1 - x0), 1), round(float(y1 - y0), 1)]
        share = 1.0 if (lo >= 0).all() and hi[0] <= fw and hi[1] <= fh else _inside_share(
            cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2), fw, fh)
        if share >= VISIBLE:
            visible.append(row)
            boxes[gid] = (x0, y0, x1, y1)
        else:
            partial.append(row)
    numbers = []
    for nid, n in enumerate(world.numbers):
        if all(g in boxes for g in n["digits"]):
            b = np.array([boxes[g] for g in n["digits"]], np.float64)
            x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
            numbers.append([nid, round(float(x0), 1), round(float(y0), 1), round(float(x1 - x0), 1),
                            round(float(y1 - y0), 1)])
    return visible, numbers, partial


# ------------------------------------------------------------------ frames
def _event_gain(t: float, window: tuple[float, float] | None, ramp: float) -> float:
    """0 outside ``window`` (start, duration), 1 inside, smooth ramps of ``ramp`` s at both ends."""
    if window is None:
        return 0.0
    start, dur = window
    if t < start - ramp or t > start + dur + ramp:
        return 0.0
    if t < start:
        return float(_smoothstep(np.asarray((t - start + ramp) / ramp)))
    if t > start + dur:
        return float(_smoothstep(np.asarray((start + dur + ramp - t) / ramp)))
    return 1.0


def _motion_kernel(dx: float, dy: float) -> np.ndarray | None:
    length = float(np.hypot(dx, dy))
    if length < 1.5:
        return None
    k = int(np.ceil(length)) | 1
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    ux, uy = dx / length, dy / length
    cv2.line(kernel, (int(round(c - ux * length / 2)), int(round(c - uy * length / 2))),
             (int(round(c + ux * length / 2)), int(round(c + uy * length / 2))), 1.0, 1, cv2.LINE_AA)
    return kernel / kernel.sum()


@dataclass
class ClipFrame:
    index: int
    image: np.ndarray  # BGR uint8
    truth: dict


def frames(spec: ClipSpec, world: World, count: int | None = None) -> Iterator[ClipFrame]:
    """The clip's frames in order, each with its ground truth (a pure function of spec and world)."""
    rng = np.random.default_rng([int(spec.seed), 1])
    fw, fh = spec.size
    n = int(round(spec.seconds * spec.fps)) if count is None else int(count)
    shake = Shake.make(rng, spec.shake_px)
    tilt0, tilt1 = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)
    gx, gy = rng.uniform(-0.2, 0.2, 2)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    xn, yn = xx / fw - 0.5, yy / fh - 0.5
    vignette = 1 - 0.25 * (xn ** 2 + yn ** 2)
    blur_dir = rng.uniform(0, np.pi)
    prev_centre = None
    for i in range(n):
        t = i / spec.fps
        u = t / max(spec.seconds, 1e-6)
        burst = _event_gain(t, spec.blur, 0.08)
        dim = _event_gain(t, spec.lighting, 0.6)
        M = camera_matrix(spec, t, shake, tilt0 * (1 - u) + tilt1 * u, gain=1.0 + 3.0 * burst)
        img = cv2.warpPerspective(world.image, M, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        img = img.astype(np.float32) * (1 / 255)
        # light: a fixed soft gradient and vignette; the lighting event dims and tilts it
        light = (1 + gx * xn + gy * yn) * vignette * (1 - 0.45 * dim) * (1 + 0.5 * dim * xn)
        img *= light[..., None]
        # motion blur from the camera's own movement, plus the burst
        centre = cv2.perspectiveTransform(np.float64([[[fw / 2, fh / 2]]]), np.linalg.inv(M)).reshape(2)
        moved = np.zeros(2) if prev_centre is None else (centre - prev_centre) * M[0, 0]
        prev_centre = centre
        streak = moved * 0.5 + burst * 14 * np.array([np.cos(blur_dir), np.sin(blur_dir)])
        kernel = _motion_kernel(*streak)
        if kernel is not None:
            img = cv2.filter2D(img, -1, kernel)
        sigma = 0.6 + 1.8 * burst
        img = cv2.GaussianBlur(img, (0, 0), sigma)
        img += rng.standard_normal((fh, fw, 1)).astype(np.float32) * spec.noise
        image = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
        digits, numbers, partial = frame_truth(world, M, fw, fh)
        truth = {"frame": i, "digits": digits, "numbers": numbers, "partial": partial,
                 "blur": round(float(sigma), 2), "light": round(float(1 - 0.45 * dim), 3)}
        yield ClipFrame(i, image, truth)


# ------------------------------------------------------------------ files
def _event_frames(window: tuple[float, float] | None, fps: float) -> list[int] | None:
    if window is None:
        return None
    return [int(round(window[0] * fps)), int(round((window[0] + window[1]) * fps)) - 1]


def clip_truth(spec: ClipSpec, world: World, per_frame: list[dict], command: str, video: str) -> dict:
    fw, fh = spec.size
    return {
        "version": CLIP_VERSION, "name": spec.name, "video": video, "fps": spec.fps, "width": fw, "height": fh,
        "frames": len(per_frame), "seed": spec.seed, "command": command, "description": spec.description,
        "events": {"blur": _event_frames(spec.blur, spec.fps), "lighting": _event_frames(spec.lighting, spec.fps)},
        "digits": [{"gt_id": i, "label": lab, "source": src}
                   for i, (lab, src) in enumerate(zip(world.labels, world.sources))],
        "numbers": [{"gt_number": i, **n} for i, n in enumerate(world.numbers)],
        "frame_truth": per_frame,
    }


def _dump(truth: dict) -> str:
    """Readable JSON: the header indented, then one line per digit, per number and per frame."""
    lists = ("digits", "numbers", "frame_truth")
    head = json.dumps({k: v for k, v in truth.items() if k not in lists}, indent=1)[:-2]
    parts = [head]
    for key in lists:
        rows = ",\n".join(json.dumps(item, separators=(",", ":")) for item in truth[key])
        parts.append(f',\n "{key}": [\n{rows}\n]')
    return "".join(parts) + "\n}\n"


def write_clip(spec: ClipSpec, out_dir: str | Path, *, count: int | None = None, data_dir: str | None = None,
               command: str = "", progress: Callable[[Iterable], Iterable] | None = None) -> tuple[Path, Path]:
    """Render ``spec`` into ``out_dir/NAME.mp4`` + ``NAME.json``; returns both paths.

    ``count`` limits the number of frames (tests). The video is written with
    OpenCV's ``mp4v`` encoder; what OpenCV reads back is the reference.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    video, json_path = out / f"{spec.name}.mp4", out / f"{spec.name}.json"
    world = render_world(spec, data_dir=data_dir)
    fw, fh = spec.size
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), spec.fps, (fw, fh))
    if not writer.isOpened():
        raise CamrecError(video, "cannot create the clip (OpenCV has no mp4v encoder here)")
    per_frame = []
    try:
        items = frames(spec, world, count)
        for frame in (progress(items) if progress else items):
            writer.write(frame.image)
            per_frame.append(frame.truth)
    finally:
        writer.release()
    json_path.write_text(_dump(clip_truth(spec, world, per_frame, command, video.name)))
    return video, json_path


def write_clips(out_dir: str | Path, names: Iterable[str] | None = None, *, data_dir: str | None = None,
                command: str = "", progress: Callable[[Iterable], Iterable] | None = None) -> list[Path]:
    """Write the named clips (default: all of :data:`CLIPS`); returns the video paths."""
    chosen = list(names) if names else list(CLIPS)
    unknown = [n for n in chosen if n not in CLIPS]
    if unknown:
        raise CamrecError("--clip", f"unknown clip {unknown[0]!r}; choose from {', '.join(CLIPS)}")
    return [write_clip(CLIPS[n], out_dir, data_dir=data_dir, command=command, progress=progress)[0]
            for n in chosen]
