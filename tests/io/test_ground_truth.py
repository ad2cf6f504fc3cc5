"""Ground-truth files are checked on load: shape and finite numbers, the file named in a one-line
InputError (never a ValueError traceback)."""

import json

import numpy as np
import pytest

from support import REAL, need_real
from hdr_live.eval2d import load_ground_truth
from hdr_live.io.sources import InputError

GOOD = [[float(i), 2.0 * i] for i in range(21)]


def _write(tmp_path, data, raw=None):
    (tmp_path / "x.jpg").write_bytes(b"")
    path = tmp_path / "x.gt.json"
    if isinstance(raw, bytes):
        path.write_bytes(raw)
    else:
        path.write_text(raw if raw is not None else json.dumps(data))
    return path


@pytest.mark.parametrize("data, message", [
    ({"left": GOOD[:20]}, "'left': expected null or a list of 21 joints, got 20"),
    ({"right": GOOD + [[1.0, 2.0]]}, "'right': expected null or a list of 21 joints, got 22"),
    ({"left": {"a": 1}}, "'left': expected null or a list of 21 joints, got dict"),
    ({"left": [[1.0]] * 21}, "'left': a joint must be null or 2 finite numbers"),
    ({"left": [[1.0, "2"]] * 21}, "a joint must be null or 2 finite numbers"),
    ({"left": [[1.0, True]] * 21}, "a joint must be null or 2 finite numbers"),
    ({"left": [[1.0, 2.0, 3.0]] * 21}, "a joint must be null or 2 finite numbers"),
    ({"right_3d_cam_mm": GOOD}, "'right_3d_cam_mm': a joint must be null or 3 finite numbers"),
    ({"image": 5}, "'image' must be a file name"),
])
def test_bad_shapes_name_the_file(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=message) as caught:
        load_ground_truth(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("raw, message", [
    ('{"left": [[NaN, 1.0]' + ', null' * 20 + ']}', "finite numbers"),
    ('{"left": [[Infinity, 1.0]' + ', null' * 20 + ']}', "finite numbers"),
    ('{"left": [[1e400, 1.0]' + ', null' * 20 + ']}', "finite numbers"),
    ('[1, 2, 3]', "expected a JSON object, got list"),
    ('{"left": [', "cannot read ground truth"),
    (b'{"left": "\xff\xfe"}', "cannot read ground truth"),
])
def test_non_finite_and_non_objects(tmp_path, raw, message):
    path = _write(tmp_path, None, raw)
    with pytest.raises(InputError, match=message):
        load_ground_truth(path)


def test_valid_file_with_null_joints(tmp_path):
    gt = load_ground_truth(_write(tmp_path, {"left": [None] * 21, "right": GOOD[:20] + [None]}))
    assert gt.joints_px.left is None and gt.joints_cam_mm.right is None
    assert gt.joints_px.right.shape == (21, 2) and np.isnan(gt.joints_px.right[20]).all()


def test_real_ground_truth_still_loads():
    path = need_real(REAL / "ih26m_cap03_0390_dh_touchROM_cam400026_f69148.gt.json")
    gt = load_ground_truth(path)
    assert gt.image_path.is_file()
    assert gt.joints_px.left.shape == (21, 2) and gt.joints_cam_mm.left.shape == (21, 3)
