"""The DESIGN.md output contract, checked the same way by every test that reads --json."""

from __future__ import annotations


def check_contract(obj: dict, tracked: bool = False) -> None:
    """Keys and types of one --json object; ``tracked``: video/camera frames carry track ids."""
    assert {"source", "frame", "width", "height", "digits", "numbers", "timing_ms"} <= set(obj)
    assert isinstance(obj["source"], str) and isinstance(obj["frame"], int)
    assert isinstance(obj["width"], int) and isinstance(obj["height"], int)
    for d in obj["digits"]:
        assert {"box", "label", "confidence"} <= set(d)
        assert len(d["box"]) == 4 and all(isinstance(v, int) for v in d["box"])
        assert isinstance(d["label"], int) and 0 <= d["label"] <= 9
        assert isinstance(d["confidence"], float) and 0.0 <= d["confidence"] <= 1.0
        if tracked:
            assert isinstance(d.get("track_id"), int), d
    for n in obj["numbers"]:
        assert {"text", "box", "confidence", "digits"} <= set(n)
        assert isinstance(n["text"], str) and n["text"].isdigit()
        assert len(n["box"]) == 4 and all(isinstance(v, int) for v in n["box"])
        assert isinstance(n["confidence"], float)
        assert all(isinstance(i, int) and 0 <= i < len(obj["digits"]) for i in n["digits"])
        if not tracked:  # a tracked number's text is voted over frames, its digits are this frame's
            assert "".join(str(obj["digits"][i]["label"]) for i in n["digits"]) == n["text"]
    assert isinstance(obj["timing_ms"], dict) and "total" in obj["timing_ms"]
    assert all(isinstance(v, float) for v in obj["timing_ms"].values())
