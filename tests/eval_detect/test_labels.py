"""Reading box labels: images, clips, bad files (one clear error naming the file)."""

import json

import pytest

from hdr_live.eval_detect.labels import find_labels, load_labels
from hdr_live.io.sources import InputError
from hdr_live.joints import Side


def _write(folder, stem, data, media_suffix=".jpg"):
    (folder / f"{stem}{media_suffix}").write_bytes(b"x")
    path = folder / f"{stem}.labels.json"
    path.write_text(json.dumps(data))
    return path


def test_image_labels(tmp_path):
    path = _write(tmp_path, "a", {"hands": [{"side": "right", "bbox_xyxy": [1, 2, 30, 40],
                                             "person": 0, "notes": "n"}],
                                  "tags": ["small_hands"], "label_completeness": "partial"})
    f = load_labels(path)
    assert not f.is_video and not f.complete and f.tags == ("small_hands",)
    (hand,) = f.frames[0]
    assert hand.side is Side.RIGHT and hand.box_xyxy == (1.0, 2.0, 30.0, 40.0)


def test_clip_labels_by_frame_index(tmp_path):
    path = _write(tmp_path, "c", {"frames": {"0": [], "150": [{"side": "unknown",
                                                              "bbox_xyxy": [0, 0, 5, 5]}]}},
                  ".mp4")
    f = load_labels(path)
    assert f.is_video and list(f.frames) == [0, 150] and f.frames[150][0].side is None


@pytest.mark.parametrize("data,message", [
    ({"hands": [{"side": "middle", "bbox_xyxy": [0, 0, 1, 1]}]}, "side"),
    ({"hands": [{"side": "left", "bbox_xyxy": [5, 0, 1, 1]}]}, "bbox_xyxy"),
    ({"hands": "none"}, "hands must be a list"),
])
def test_bad_labels_are_refused_naming_the_file(tmp_path, data, message):
    path = _write(tmp_path, "b", data)
    with pytest.raises(InputError, match=message) as err:
        load_labels(path)
    assert "b.labels.json" in str(err.value)


def test_labels_without_media_and_empty_folders(tmp_path):
    (tmp_path / "lonely.labels.json").write_text("{}")
    with pytest.raises(InputError, match="no image or clip beside"):
        find_labels(tmp_path)
    with pytest.raises(InputError, match="no \\*.labels.json"):
        empty = tmp_path / "empty"
        empty.mkdir()
        find_labels(empty)
