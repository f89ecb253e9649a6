"""The vocabulary every layer shares: frames, digit boxes, numbers, results.

Shaped after supervision's ``Detections``: one object of parallel numpy
arrays per frame rather than a list of little objects, so stages filter with
boolean masks (``digits[digits.score > 0.6]``) and nothing is copied per digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Frame:
    """One image from a source: BGR uint8 pixels plus where it came from."""

    image: np.ndarray
    index: int = 0
    source: str = ""
    timestamp: float | None = None  # seconds, from the source (never read inside stages)

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


@dataclass
class DigitBoxes:
    """n digits as parallel arrays; validated on construction.

    xyxy: (n,4) float32 pixel corners x0,y0,x1,y1 (x1,y1 exclusive);
    label: (n,) int (-1 = not yet classified / rejected class);
    score: (n,) float32 confidence of ``label``; probs: (n,C) float32;
    track_id: (n,) int (-1 = untracked).
    """

    xyxy: np.ndarray
    label: np.ndarray | None = None
    score: np.ndarray | None = None
    probs: np.ndarray | None = None
    track_id: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.label = np.full(n, -1, np.int64) if self.label is None else np.asarray(self.label, np.int64)
        self.score = np.zeros(n, np.float32) if self.score is None else np.asarray(self.score, np.float32)
        self.probs = np.zeros((n, 10), np.float32) if self.probs is None else np.asarray(self.probs, np.float32)
        self.track_id = np.full(n, -1, np.int64) if self.track_id is None else np.asarray(self.track_id, np.int64)
        for name in ("label", "score", "probs", "track_id"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"DigitBoxes.{name} has {len(getattr(self, name))} rows, xyxy has {n}")

    @classmethod
    def empty(cls) -> "DigitBoxes":
        return cls(np.zeros((0, 4), np.float32))

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: Any) -> "DigitBoxes":
        """Boolean mask, index array or slice: a new DigitBoxes with those rows."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return DigitBoxes(self.xyxy[index], self.label[index], self.score[index], self.probs[index],
                          self.track_id[index])

    @staticmethod
    def merge(parts: "list[DigitBoxes]") -> "DigitBoxes":
        parts = [p for p in parts if len(p)]
        if not parts:
            return DigitBoxes.empty()
        width = max(p.probs.shape[1] for p in parts)
        probs = [np.pad(p.probs, ((0, 0), (0, width - p.probs.shape[1]))) for p in parts]
        return DigitBoxes(np.concatenate([p.xyxy for p in parts]), np.concatenate([p.label for p in parts]),
                          np.concatenate([p.score for p in parts]), np.concatenate(probs),
                          np.concatenate([p.track_id for p in parts]))

    @property
    def xywh(self) -> np.ndarray:
        """Integer [x, y, w, h] boxes, as the JSON output contract wants them."""
        x0y0 = np.floor(self.xyxy[:, :2])
        x1y1 = np.ceil(self.xyxy[:, 2:])
        return np.hstack([x0y0, x1y1 - x0y0]).astype(np.int64)

    @property
    def height(self) -> np.ndarray:
        return self.xyxy[:, 3] - self.xyxy[:, 1]

    @property
    def width(self) -> np.ndarray:
        return self.xyxy[:, 2] - self.xyxy[:, 0]


@dataclass
class Number:
    """A run of digits on one text line: a phone number, amount, plate..."""

    text: str  # digits only
    xyxy: np.ndarray  # (4,) float32 union of the member boxes
    digits: list[int]  # indices into the frame's DigitBoxes, left to right
    confidence: float
    display: str | None = None  # with separators kept, e.g. "0712-345-678"
    track_id: int = -1


@dataclass
class FrameResult:
    """Everything camrec found in one frame; ``to_json`` is the output contract."""

    frame: int
    width: int
    height: int
    digits: DigitBoxes
    numbers: list[Number] = field(default_factory=list)
    timing_ms: dict[str, float] = field(default_factory=dict)
    source: str = ""
    crops: np.ndarray | None = None  # (n,28,28) what the classifier saw, for the debug view

    def to_json(self) -> dict:
        digits = []
        tracked = bool(len(self.digits)) and bool((self.digits.track_id >= 0).any())
        for box, label, score, tid in zip(self.digits.xywh.tolist(), self.digits.label.tolist(),
                                          self.digits.score.tolist(), self.digits.track_id.tolist()):
            item = {"box": box, "label": int(label), "confidence": round(float(score), 4)}
            if tracked:
                item["track_id"] = int(tid)
            digits.append(item)
        numbers = []
        for number in self.numbers:
            x0, y0 = np.floor(number.xyxy[:2])
            x1, y1 = np.ceil(number.xyxy[2:])
            item = {"text": number.text, "box": [int(x0), int(y0), int(x1 - x0), int(y1 - y0)],
                    "confidence": round(float(number.confidence), 4), "digits": list(number.digits)}
            if number.display and number.display != number.text:
                item["display"] = number.display
            if number.track_id >= 0:
                item["track_id"] = int(number.track_id)
            numbers.append(item)
        return {"source": self.source, "frame": self.frame, "width": self.width, "height": self.height,
                "digits": digits, "numbers": numbers,
                "timing_ms": {k: round(float(v), 3) for k, v in self.timing_ms.items()}}
