"""Still images as a frame source (layer 2).

``expand(specs)`` turns ``--image`` arguments (files, folders, globs) into an
ordered list of paths, and ``read_image(path)`` decodes one robustly: every
failure becomes a :class:`~camrec.errors.CamrecError` with a short reason, so
the CLI can print one line per bad file and go on with the others.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from camrec.errors import CamrecError
from camrec.types import Frame

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm")
GLOB_CHARS = set("*?[")


def expand(specs: Iterable[str | Path]) -> list[Path | CamrecError]:
    """Files, folders (their images, sorted by name) and globs, in the order given.

    A spec that yields nothing becomes a CamrecError in its place; duplicates are kept once.
    """
    out: list[Path | CamrecError] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve() if path.exists() else path
        if key not in seen:
            seen.add(key)
            out.append(path)

    for spec in specs:
        spec = str(spec)
        path = Path(spec)
        if path.is_dir():
            images = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
            if not images:
                out.append(CamrecError(spec, f"no images in this folder (looked for {' '.join(IMAGE_EXTENSIONS)})"))
            for p in images:
                add(p)
        elif path.exists():
            add(path)
        elif GLOB_CHARS & set(spec):
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                out.append(CamrecError(spec, "no file matches this pattern"))
            for p in files:
                add(p)
        else:
            out.append(CamrecError(spec, "no such file or folder"))
    return out


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image (8/16-bit, float, gray, gray+alpha, BGR, BGRA) -> BGR uint8."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = image.astype(np.float32)
        finite = image[np.isfinite(image)]
        hi = float(finite.max()) if finite.size else 1.0
        image = np.nan_to_num(image) * (255.0 / hi if hi > 1.0 else 255.0)
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 2:  # gray + alpha
        gray, alpha = image[:, :, 0], image[:, :, 1]
        image = np.dstack([gray, gray, gray, alpha])
        channels = 4
    if channels == 4:  # composite over white paper (transparent pixels are often black)
        a = image[:, :, 3:4].astype(np.float32) / 255.0
        bgr = image[:, :, :3].astype(np.float32) * a + 255.0 * (1.0 - a)
        return bgr.astype(np.uint8)
    return np.ascontiguousarray(image[:, :, :3])


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file to BGR uint8, or raise CamrecError(path, reason)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CamrecError(path, "no such file") from None
    except IsADirectoryError:
        raise CamrecError(path, "is a folder, not an image") from None
    except OSError as exc:
        raise CamrecError(path, f"cannot read ({exc.strerror or exc})") from None
    if not data:
        raise CamrecError(path, "empty file (0 bytes)")
    # In JPEG entropy-coded data 0xFF is always stuffed, so the end marker (FFD9) must follow the
    # last start-of-scan (FFDA); otherwise the file was cut short (an EXIF thumbnail has its own pair).
    if data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        raise CamrecError(path, "truncated JPEG (the file ends before the image does)")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise CamrecError(path, f"cannot decode ({str(exc).strip().splitlines()[-1]})") from None
    if image is None or image.size == 0:
        raise CamrecError(path, "not an image OpenCV can decode (wrong format, corrupt or truncated)")
    return to_bgr8(image)


def iter_images(specs: Iterable[str | Path]) -> Iterator[Frame | CamrecError]:
    """Frames of the images in order; a CamrecError in the place of each one that failed."""
    index = 0
    for item in expand(specs):
        if isinstance(item, CamrecError):
            yield item
            continue
        try:
            image = read_image(item)
        except CamrecError as exc:
            yield exc
            continue
        except MemoryError:
            yield CamrecError(item, "too large to decode in memory")
            continue
        yield Frame(image=image, index=index, source=str(item))
        index += 1
