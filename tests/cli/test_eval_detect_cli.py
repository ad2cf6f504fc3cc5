"""``hdr-live eval-detect``: a real whole-body photo's two small hands found with their sides,
a generated blank image with no hand drawn, and bad flags refused in one line."""

import json

import cv2
import numpy as np

from hdr_live.cli import main
from support import DEV_REAL, need_dev_real


def test_eval_detect_finds_the_small_hands_of_a_whole_body_photo(tmp_path, capsys):
    need_dev_real("tfjs_pose_yoga_beach.jpg")
    sheet = tmp_path / "sheet.png"
    code = main(["eval-detect", "--labels", str(DEV_REAL), "--only", "tfjs_pose_yoga*",
                 "--reference", "--sheet", str(sheet)])
    out = capsys.readouterr().out
    assert code == 0
    assert "tfjs_pose_yoga_beach.jpg [hdr-live]: 2/2, false 0, side 0" in out
    assert "| all files | 2/2, false 0, side 0 |" in out
    assert cv2.imread(str(sheet)).shape[1] > 0


def test_eval_detect_draws_no_hand_on_a_blank_image(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((240, 320, 3), 90, np.uint8))
    (tmp_path / "blank.labels.json").write_text(json.dumps({"hands": [], "tags": ["no_hands"]}))
    assert main(["eval-detect", "--labels", str(tmp_path), "--reference", "mediapipe"]) == 0
    out = capsys.readouterr().out
    assert "| no_hands | 0/0, false 0, side 0 | 0/0, false 0, side 0 |" in out
    assert "no predicted hand to draw" not in out  # no --sheet asked


def test_eval_detect_refuses_an_unmatched_only_pattern(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "blank.png"), np.zeros((64, 64, 3), np.uint8))
    (tmp_path / "blank.labels.json").write_text(json.dumps({"hands": []}))
    assert main(["eval-detect", "--labels", str(tmp_path), "--only", "nothing*"]) == 2
    err = capsys.readouterr().err
    assert err.strip().startswith("hdr-live: error: --only nothing* matches no labelled file")
