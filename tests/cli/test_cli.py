"""The command line on real footage: outputs, schema, both modes, eval-2d."""

import subprocess
import sys

import pytest

from support import REAL, count_video_frames, need_real
from hdr_live.cli import main
from hdr_live.io.pose_log import read_pose_log


@pytest.mark.parametrize("mode", ["hdr", "mediapipe"])
def test_process_short_clip_writes_video_and_pose_log(short_clip, tmp_path, mode, capsys):
    out, log = tmp_path / "a.mp4", tmp_path / "p.jsonl"
    code = main(["process", str(short_clip), "--out", str(out), "--poses", str(log),
                 "--mode", mode, "--no-progress"])
    assert code == 0
    assert count_video_frames(out) == 12
    records = list(read_pose_log(log))
    assert [r["frame"] for r in records] == list(range(12))
    assert all(r["t_s"] < s["t_s"] for r, s in zip(records, records[1:]))
    both = [r for r in records if r["hands"]["left"] and r["hands"]["right"]]
    assert len(both) >= 10
    hand = both[0]["hands"]["right"]
    assert len(hand["joints_px"]) == 21 and all(len(p) == 2 for p in hand["joints_px"])
    assert len(hand["joints_rel_m"]) == 21 and hand["joints_rel_m"][0] == [0.0, 0.0, 0.0]
    assert len(hand["visible"]) == 21 and 0.0 <= hand["score"] <= 1.0
    summary = capsys.readouterr().out
    assert "frames 12" in summary and "two hands" in summary


def test_process_single_image_to_png(tmp_path):
    image = need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg")
    out, log = tmp_path / "a.png", tmp_path / "p.jsonl"
    assert main(["process", str(image), "--out", str(out), "--poses", str(log)]) == 0
    import cv2

    annotated = cv2.imread(str(out))
    assert annotated.shape == (512, 384, 3)
    (record,) = read_pose_log(log)
    assert record["hands"]["left"] and record["hands"]["right"]


def test_process_folder_of_images(tmp_path, clip_frames):
    import cv2

    folder = tmp_path / "seq"
    folder.mkdir()
    for i, rgb in enumerate(clip_frames[2:8]):
        small = cv2.resize(rgb, (640, 360))
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    log = tmp_path / "p.jsonl"
    assert main(["process", str(folder), "--poses", str(log), "--fps", "10"]) == 0
    records = list(read_pose_log(log))
    assert [r["t_s"] for r in records] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert sum(bool(r["hands"]["right"] and r["hands"]["left"]) for r in records) >= 4


def test_eval_2d_on_real_ground_truth(capsys):
    need_real(REAL / "ih26m_cap03_0390_dh_touchROM_cam400026_f69148.gt.json")
    assert main(["eval-2d", "--gt-dir", str(REAL), "--mode", "mediapipe"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    # three annotated hands: both hands of the clasped frame, the right hand of the control
    assert sum(" right: " in line or " left: " in line for line in out) == 3
    assert out[-1].startswith("summary mode=mediapipe: hands found ")
    assert "/3" in out[-1]


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "hdr_live.cli", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "process" in result.stdout and "eval-2d" in result.stdout
