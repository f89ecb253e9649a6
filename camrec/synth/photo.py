"""The camera: perspective, the desk, light, shadow, blur, noise and JPEG.

Where the document lands in the frame, the desk around it, then uneven light,
a soft shadow, motion blur, defocus, sensor noise and a JPEG save, in that
order (each scene's random draws depend on it).
"""

from __future__ import annotations

import cv2
import numpy as np

from camrec.synth.materials import desk_texture


def document_quad(rng: np.random.Generator, w: int, h: int, fw: int, fh: int, tilt: float) -> np.ndarray:
    """Where the document's corners land: rotated, keystoned, inside the frame."""
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) - np.float32([w / 2, h / 2])
    angle = np.deg2rad(rng.uniform(-tilt, tilt))
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = corners @ rot.T
    quad += rng.uniform(-0.05, 0.05, (4, 2)).astype(np.float32) * np.float32([w, h])  # keystone
    span = quad.max(0) - quad.min(0)
    scale = min(1.0, (fw * 0.98) / span[0], (fh * 0.98) / span[1])
    quad *= scale
    lo, hi = quad.min(0), quad.max(0)
    cx = rng.uniform(-lo[0] + 2, fw - hi[0] - 2) if fw - hi[0] - 2 > -lo[0] + 2 else fw / 2
    cy = rng.uniform(-lo[1] + 2, fh - hi[1] - 2) if fh - hi[1] - 2 > -lo[1] + 2 else fh / 2
    return (quad + np.float32([cx, cy])).astype(np.float32)


def place_on_desk(rng: np.random.Generator, paper: np.ndarray, H: np.ndarray, size: tuple[int, int]
                  ) -> tuple[np.ndarray, str]:
    """``paper`` warped by ``H`` onto a desk of the frame ``size`` (w, h), with a little drop shadow.

    Returns the float BGR image (0..1) and the desk kind.
    """
    fw, fh = size
    dh, dw = paper.shape[:2]
    desk, desk_kind = desk_texture(rng, fh, fw)
    page = cv2.warpPerspective(paper, H, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    cover = cv2.warpPerspective(np.ones((dh, dw), np.float32), H, (fw, fh), flags=cv2.INTER_LINEAR)
    if rng.random() < 0.6:  # the page casts a little shadow on the desk
        drop = cv2.GaussianBlur(np.roll(cover, (3, 3), (0, 1)), (0, 0), 4)
        desk = desk * (1 - 0.35 * drop[..., None])
    return desk * (1 - cover[..., None]) + page * cover[..., None], desk_kind


def photo_effects(rng: np.random.Generator, img: np.ndarray) -> tuple[np.ndarray, dict]:
    """Light gradient and fall-off, maybe a shadow, tint, maybe motion blur, defocus, noise.

    Returns the uint8 image and the settings drawn (for the ground truth).
    """
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.35, 0.35, 2)
    light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    r2 = ((xx - w * rng.uniform(0.3, 0.7)) / w) ** 2 + ((yy - h * rng.uniform(0.3, 0.7)) / h) ** 2
    light *= 1 - rng.uniform(0, 0.35) * r2
    light *= rng.uniform(0.75, 1.08)
    fx = {"gradient": [round(float(gx), 3), round(float(gy), 3)]}  # light falls off across the frame
    if rng.random() < 0.5:  # a soft shadow: a hand, phone or the camera itself
        mask = np.zeros((h // 4, w // 4), np.float32)
        c = rng.uniform([0, 0], [w / 4, h / 4])
        pts = (c + rng.normal(0, [w / 10, h / 8], (6, 2))).astype(np.int32)
        cv2.fillPoly(mask, [cv2.convexHull(pts)], 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(3, 12))
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        depth = rng.uniform(0.2, 0.45)
        light *= 1 - depth * mask
        fx["shadow"] = round(float(depth), 3)
    tint = 1 + rng.uniform(-0.07, 0.07, 3).astype(np.float32)
    img = img * light[..., None] * tint
    if rng.random() < 0.15:
        length = int(rng.integers(3, 7))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
        fx["motion_blur"] = length
    sigma = float(rng.uniform(0.0, 1.3))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    fx["blur_sigma"] = round(sigma, 2)
    noise = float(rng.uniform(0.004, 0.025))
    img = img + rng.standard_normal(img.shape).astype(np.float32) * noise
    fx["noise"] = round(noise, 4)
    return np.clip(img * 255, 0, 255).astype(np.uint8), fx


def jpeg_compress(rng: np.random.Generator, img: np.ndarray) -> tuple[bytes, np.ndarray, int]:
    """A JPEG save at a random quality (40-92): the file bytes, the decoded image, the quality."""
    quality = int(rng.integers(40, 93))
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return enc.tobytes(), cv2.imdecode(enc, cv2.IMREAD_COLOR), quality
