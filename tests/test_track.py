"""DigitTracker on synthetic FrameResults: ids, smoothing, counters, numbers, reset, validation."""

from __future__ import annotations

import numpy as np
import pytest

from camrec.track import DigitTracker, TrackerConfig
from camrec.types import DigitBoxes, FrameResult, Number


def probs_for(labels, conf=0.95):
    p = np.full((len(labels), 10), (1 - conf) / 9, np.float32)
    for i, lab in enumerate(labels):
        p[i, lab] = conf
    return p


def make_result(frame, boxes, labels, conf=0.95, numbers=(), source="clip.mp4", probs=None):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    p = probs_for(labels, conf) if probs is None else probs
    digits = DigitBoxes(boxes, np.asarray(labels, np.int64), p.max(axis=1) if len(p) else None, p)
    nums = []
    for members in numbers:
        text = "".join(str(labels[m]) for m in members)
        box = np.float32([boxes[members, 0].min(), boxes[members, 1].min(),
                          boxes[members, 2].max(), boxes[members, 3].max()])
        nums.append(Number(text=text, xyxy=box, digits=list(members), confidence=conf, display=text))
    return FrameResult(frame=frame, width=640, height=480, digits=digits, numbers=nums, source=source)


def row(n, x0=100, y0=100, w=24, h=40, gap=8):
    return [[x0 + i * (w + gap), y0, x0 + i * (w + gap) + w, y0 + h] for i in range(n)]


def shifted(boxes, dx, dy):
    return [[a + dx, b + dy, c + dx, d + dy] for a, b, c, d in boxes]


def test_ids_stable_when_boxes_move_a_little():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    labels = [0, 7, 1, 2]
    first = tracker.update(make_result(0, row(4), labels))
    ids = first.digits.track_id.tolist()
    assert len(set(ids)) == 4 and min(ids) >= 0
    rng = np.random.default_rng(0)
    for f in range(1, 30):  # pan right 3 px per frame with jitter, detections shuffled
        boxes = shifted(row(4), 3 * f + rng.uniform(-2, 2), rng.uniform(-2, 2))
        order = rng.permutation(4)
        out = tracker.update(make_result(f, [boxes[i] for i in order], [labels[i] for i in order]))
        assert out.digits.track_id.tolist() == [ids[i] for i in order]
        assert out.digits.label.tolist() == [labels[i] for i in order]


def test_fast_pan_is_followed_by_velocity_prediction():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    labels = [3, 4, 5]
    ids = tracker.update(make_result(0, row(3), labels)).digits.track_id.tolist()
    # 20 px per frame = half a digit height: beyond max_distance after a missed frame without prediction
    for f in range(1, 10):
        if f == 5:
            tracker.update(make_result(f, [], []))  # blur: nothing detected this frame
            continue
        out = tracker.update(make_result(f, shifted(row(3), 20 * f, 0), labels))
        assert out.digits.track_id.tolist() == ids


def test_one_frame_wrong_label_does_not_flip_smoothed_label():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    seen = []
    for f in range(12):
        label, conf = (8, 0.99) if f in (4, 9) else (3, 0.9)
        out = tracker.update(make_result(f, row(1), [label], conf=conf))
        seen.append(int(out.digits.label[0]))
    assert seen == [3] * 12
    # a digit that really changed (the page now shows a 5) switches within the window
    for f in range(12, 24):
        out = tracker.update(make_result(f, row(1), [5]))
        seen.append(int(out.digits.label[0]))
    assert seen[-1] == 5
    assert seen.index(5) <= 12 + tracker.config.window
    switches = sum(a != b for a, b in zip(seen, seen[1:]))
    assert switches == 1


def test_second_frame_disagreeing_keeps_first_label_on_a_near_tie():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    assert tracker.update(make_result(0, row(1), [1], conf=0.9)).digits.label[0] == 1
    out = tracker.update(make_result(1, row(1), [7], conf=0.95))
    assert out.digits.label[0] == 1  # the window makes 7 only ~2x likelier: below switch_odds


def test_two_sure_frames_switch_at_once_after_a_blur_burst():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    for f in range(4):  # blurred: read as 1, surely
        assert tracker.update(make_result(f, row(1), [1], conf=0.995)).digits.label[0] == 1
    # sharp again: a 6. The window still holds four 1s, but two sure frames in a row switch it
    assert tracker.update(make_result(4, row(1), [6], conf=0.999)).digits.label[0] == 1
    assert tracker.update(make_result(5, row(1), [6], conf=0.999)).digits.label[0] == 6
    # unsure frames do not make a streak
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    for f in range(4):
        tracker.update(make_result(f, row(1), [1], conf=0.995))
    for f in range(4, 6):
        assert tracker.update(make_result(f, row(1), [6], conf=0.95)).digits.label[0] == 1


def test_fragment_becoming_the_whole_digit_votes_afresh():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    narrow = [[100, 100, 108, 140]]  # the left stroke of a digit entering the frame, read as 1
    for f in range(5):
        tracker.update(make_result(f, narrow, [1], conf=0.99))
    out = tracker.update(make_result(5, [[96, 100, 122, 140]], [8], conf=0.97))
    assert out.digits.label[0] == 8
    assert out.digits.track_id[0] == tracker.update(make_result(6, [[96, 100, 122, 140]], [8])).digits.track_id[0]


def test_number_keeps_a_digit_lost_for_a_frame_and_grows_at_once():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    labels = [0, 7, 1, 2, 4]
    for f in range(4):  # 0712 is read; the 4 is not in view yet
        out = tracker.update(make_result(f, row(4), labels[:4], numbers=[(0, 1, 2, 3)]))
    assert [n.text for n in out.numbers] == ["0712"]
    out = tracker.update(make_result(4, row(4)[:3], labels[:3], numbers=[(0, 1, 2)]))  # the 2 is lost
    assert [n.text for n in out.numbers] == ["0712"]
    out = tracker.update(make_result(5, row(4)[:3], labels[:3], numbers=[(0, 1, 2)]))  # ...and stays lost:
    assert [n.text for n in out.numbers] == ["071"]  # it was gone (or false); show what is read
    for f in range(6, 9):
        tracker.update(make_result(f, row(4), labels[:4], numbers=[(0, 1, 2, 3)]))
    out = tracker.update(make_result(9, row(5), labels, numbers=[(0, 1, 2, 3, 4)]))  # a digit came into view
    assert [n.text for n in out.numbers] == ["07124"]


def test_a_date_read_with_its_slashes_is_not_held_back_by_a_longer_reading():
    """A date's '/' is read as a 1 in some frames and found as a separator in others; the frames that
    found it show the date as read, not the longer voted text (the hold is for a digit lost to blur)."""
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    boxes = row(6)
    slash = [0, 2, 1, 1, 0, 3]  # box 2 is a '/' read as a 1 in the first frames
    for f in range(3):
        tracker.update(make_result(f, boxes, slash, numbers=[(0, 1, 2, 3, 4, 5)]))
    kept = [0, 1, 3, 4, 5]  # the slash found: five digits, a '/' in the display
    res = make_result(3, [boxes[i] for i in kept], [slash[i] for i in kept], numbers=[(0, 1, 2, 3, 4)])
    res.numbers[0].display = "02/103"
    out = tracker.update(res)
    assert [n.text for n in out.numbers] == ["02103"]
    # the same five digits without a '/' (a digit lost to blur): the longer reading is held one frame
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    for f in range(3):
        tracker.update(make_result(f, boxes, slash, numbers=[(0, 1, 2, 3, 4, 5)]))
    out = tracker.update(make_result(3, [boxes[i] for i in kept], [slash[i] for i in kept], numbers=[(0, 1, 2, 3, 4)]))
    assert [n.text for n in out.numbers] == ["021103"]
    # a date read with its slashes in every frame, one of which loses a digit: held to the voted date
    tracker = DigitTracker(TrackerConfig(initialization_delay=0))
    date = [1, 6, 0, 7, 1, 2]  # 16/07/12
    for f in range(3):
        res = make_result(f, boxes, date, numbers=[(0, 1, 2, 3, 4, 5)])
        res.numbers[0].display = "16/07/12"
        tracker.update(res)
    lost = [0, 1, 2, 3, 4]  # the last 2 lost to blur
    res = make_result(3, [boxes[i] for i in lost], [date[i] for i in lost], numbers=[(0, 1, 2, 3, 4)])
    res.numbers[0].display = "16/07/1"
    assert [n.text for n in tracker.update(res).numbers] == ["160712"]


def test_initialization_delay_hides_new_tracks():
    tracker = DigitTracker(TrackerConfig(initialization_delay=2, hit_counter_max=5))
    counts = [len(tracker.update(make_result(f, row(2), [4, 2])).digits) for f in range(4)]
    assert counts == [0, 0, 2, 2]  # reported from the 3rd frame seen


def test_one_frame_spurious_detection_never_reported():
    tracker = DigitTracker(TrackerConfig(initialization_delay=1))
    tracker.update(make_result(0, row(2), [1, 2]))
    out = tracker.update(make_result(1, row(2) + [[400, 300, 424, 340]], [1, 2, 9]))
    assert sorted(out.digits.label.tolist()) == [1, 2]
    out = tracker.update(make_result(2, row(2), [1, 2]))
    assert sorted(out.digits.label.tolist()) == [1, 2]


def test_track_dropped_after_misses_and_survives_fewer():
    cfg = TrackerConfig(initialization_delay=0, hit_counter_max=3)
    tracker = DigitTracker(cfg)
    for f in range(5):  # counter saturates at 3
        tid = int(tracker.update(make_result(f, row(1), [6])).digits.track_id[0])
    for f in range(5, 7):  # two misses: still alive
        tracker.update(make_result(f, [], []))
    assert tracker.active_tracks == 1
    assert int(tracker.update(make_result(7, row(1), [6])).digits.track_id[0]) == tid
    for f in range(8, 11):  # three consecutive misses: dropped
        tracker.update(make_result(f, [], []))
    assert tracker.active_tracks == 0
    assert int(tracker.update(make_result(11, row(1), [6])).digits.track_id[0]) != tid


def test_reset_and_source_change_forget_tracks():
    tracker = DigitTracker(TrackerConfig(initialization_delay=1))
    for f in range(3):
        out = tracker.update(make_result(f, row(2), [1, 2]))
    old = set(out.digits.track_id.tolist())
    tracker.reset()
    assert tracker.active_tracks == 0
    assert len(tracker.update(make_result(3, row(2), [1, 2])).digits) == 0  # initialisation again
    out = tracker.update(make_result(4, row(2), [1, 2]))
    assert len(out.digits) == 2 and not old & set(out.digits.track_id.tolist())  # ids never reused
    out = tracker.update(make_result(0, row(2), [1, 2], source="other.mp4"))
    assert len(out.digits) == 0 and tracker.active_tracks == 2


def test_numbers_get_stable_ids_and_voted_text():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0, number_initialization_delay=1))
    labels = [0, 7, 1, 2, 4, 2]
    boxes = row(4) + row(2, y0=300)
    texts, ids = [], []
    for f in range(15):
        lab = list(labels)
        if f == 6:
            lab[2] = 7  # one misread digit
        nums = [(0, 1, 2, 3), (4, 5)]
        bx = list(boxes)
        if f == 9:  # the segmenter lost a digit of the first number this frame
            bx = boxes[:3] + boxes[4:]
            lab = lab[:3] + lab[4:]
            nums = [(0, 1, 2), (3, 4)]
        out = tracker.update(make_result(f, shifted(bx, f, 0), lab, numbers=nums))
        if f == 0:
            assert out.numbers == []  # number_initialization_delay=1
            continue
        by_y = sorted(out.numbers, key=lambda nb: nb.xyxy[1])
        texts.append([nb.text for nb in by_y])
        ids.append([nb.track_id for nb in by_y])
        for nb in out.numbers:  # member indices point at the returned digits
            assert all(0 <= m < len(out.digits) for m in nb.digits)
    assert all(t == ["0712", "42"] for t in texts), texts
    assert all(i == ids[0] for i in ids) and len(set(ids[0])) == 2
    js = out.to_json()
    assert {n["text"] for n in js["numbers"]} == {"0712", "42"}
    assert all("track_id" in d for d in js["digits"]) and all("track_id" in n for n in js["numbers"])


def test_number_initialization_delay():
    tracker = DigitTracker(TrackerConfig(initialization_delay=0, number_initialization_delay=2,
                                         number_hit_counter_max=4))
    shown = [len(tracker.update(make_result(f, row(3), [5, 5, 5], numbers=[(0, 1, 2)])).numbers)
             for f in range(4)]
    assert shown == [0, 0, 1, 1]


def test_crops_filtered_with_digits():
    tracker = DigitTracker(TrackerConfig(initialization_delay=1))
    tracker.update(make_result(0, row(1), [3]))
    res = make_result(1, row(2), [3, 9])
    res.crops = np.stack([np.full((28, 28), 1, np.float32), np.full((28, 28), 2, np.float32)])
    out = tracker.update(res)
    assert len(out.digits) == 1 and out.crops.shape == (1, 28, 28) and out.crops[0, 0, 0] == 1


def test_empty_frames():
    tracker = DigitTracker()
    out = tracker.update(make_result(0, [], []))
    assert len(out.digits) == 0 and out.numbers == []
    assert out.to_json()["digits"] == []


@pytest.mark.parametrize("kwargs, message", [
    ({"initialization_delay": 10, "hit_counter_max": 10}, "initialization_delay must be"),
    ({"initialization_delay": -1}, "initialization_delay must be"),
    ({"hit_counter_max": 0}, "hit_counter_max must be"),
    ({"number_initialization_delay": 5, "number_hit_counter_max": 3}, "number_initialization_delay must be"),
    ({"window": 0}, "window must be"),
    ({"switch_margin": 1.5}, "switch_margin must be"),
    ({"max_distance": 0}, "max_distance must be"),
])
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrackerConfig(**kwargs)
    with pytest.raises(ValueError, match=message):
        DigitTracker(**kwargs)
