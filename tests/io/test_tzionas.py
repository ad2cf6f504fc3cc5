"""Tzionas-style clips (hdr_live.io.tzionas): both folder layouts, strict ground-truth parsing,
the 14 → 21 joint mapping and NaN for joints without ground truth (scoring:
tests/test_eval_tzionas_scoring.py). All fixtures are made here in a temporary folder (tiny PNG
frames drawn with OpenCV)."""

from __future__ import annotations

import logging
import re

import cv2
import numpy as np
import pytest

from hdr_live.io.sources import InputError
from hdr_live.io.tzionas import (
    TZIONAS_TO_JOINT,
    TzionasFolderSource,
    TzionasFormatError,
    find_tzionas_frames,
    is_tzionas_folder,
    read_tzionas_joints,
)
from hdr_live.joints import NUM_JOINTS, Joint, Side

#: File line i holds (x, y) = (10 + i, 200 + 2 i); lines in UNANNOTATED hold "0 0".
UNANNOTATED = (2, 13, 15, 27)
NO_GT = (Joint.WRIST, Joint.THUMB_CMC, Joint.THUMB_TIP, Joint.INDEX_TIP, Joint.MIDDLE_TIP,
         Joint.RING_TIP, Joint.PINKY_TIP)


def _xy(i: int) -> tuple[int, int]:
    return (0, 0) if i in UNANNOTATED else (10 + i, 200 + 2 * i)


def gt_text(order=range(28), sep="\t", newline="\n") -> str:
    return "".join(f"{i}{sep}{_xy(i)[0]}{sep}{_xy(i)[1]}{newline}" for i in order)


def _frame(path, value: int) -> None:
    image = np.full((24, 32, 3), value, np.uint8)
    cv2.circle(image, (16, 12), 5, (255, 0, 0), -1)
    assert cv2.imwrite(str(path), image)


def make_flat(folder, numbers=(0, 5, 10, 95, 100), annotated=(0, 10, 100), seq="Tz-02-1"):
    folder.mkdir(parents=True, exist_ok=True)
    for k, n in enumerate(numbers):
        _frame(folder / f"{seq}-rgb-{n:03d}.png", 20 * k)
    for n in annotated:
        (folder / f"{seq}-joints_2D_GT-{n:03d}.txt").write_text(gt_text())
    (folder / "notes.txt").write_text("not a frame")
    (folder / "x.gt.json").write_text("{}")
    return folder


def make_split(folder, numbers=(0, 5, 10, 95, 100), annotated=(0, 10, 100)):
    (folder / "rgb").mkdir(parents=True)
    (folder / "joints_2D_GT").mkdir()
    for k, n in enumerate(numbers):
        _frame(folder / "rgb" / f"{n:03d}.png", 20 * k)
    for n in annotated:
        (folder / "joints_2D_GT" / f"{n:03d}.txt").write_text(gt_text())
    (folder / "rgb" / "thumbs.db").write_bytes(b"")
    return folder


# ----------------------------------------------------------------------------------- parsing


def test_mapping_table_is_the_documented_one():
    assert TZIONAS_TO_JOINT == (17, 18, 19, 13, 14, 15, 9, 10, 11, 5, 6, 7, 2, 3)


def test_read_maps_28_lines_to_two_21_joint_hands(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(gt_text())
    gt = read_tzionas_joints(path)
    assert gt.path == path
    for block, side in enumerate((Side.RIGHT, Side.LEFT)):
        px, mask = gt.joints_px.get(side), gt.annotated.get(side)
        assert px.shape == (NUM_JOINTS, 2) and px.dtype == np.float64
        assert mask.shape == (NUM_JOINTS,) and mask.dtype == bool
        for k, joint in enumerate(TZIONAS_TO_JOINT):
            i = block * 14 + k
            if i in UNANNOTATED:
                assert np.isnan(px[joint]).all() and not mask[joint]
            else:
                assert px[joint].tolist() == [10 + i, 200 + 2 * i] and mask[joint]
        assert np.isnan(px[list(NO_GT)]).all() and not mask[list(NO_GT)].any()
        assert np.array_equal(mask, np.isfinite(px).all(axis=1))
    # spot checks of the mapping: right little MCP = line 0, left thumb IP = line 27 (0 0)
    assert gt.joints_px.right[Joint.PINKY_MCP].tolist() == [10, 200]
    assert np.isnan(gt.joints_px.right[Joint.THUMB_IP]).all()  # line 13 is 0 0
    assert gt.joints_px.left[Joint.INDEX_MCP].tolist() == [10 + 23, 200 + 46]
    assert gt.joints_px.left[Joint.THUMB_MCP].tolist() == [10 + 26, 200 + 52]
    assert np.isnan(gt.joints_px.left[Joint.THUMB_IP]).all()
    assert gt.count(Side.RIGHT) == 12 and gt.count(Side.LEFT) == 12


def test_any_order_spaces_blank_lines_crlf_and_decimals(tmp_path):
    path = tmp_path / "g.txt"
    order = list(range(27, -1, -1))
    body = gt_text(order, sep="  ", newline="\r\n")
    path.write_text("\n" + body.replace("\r\n", "\r\n\r\n", 1) + "\n  \n")
    gt = read_tzionas_joints(path)
    reference = tmp_path / "r.txt"
    reference.write_text(gt_text())
    ref = read_tzionas_joints(reference)
    for side in Side:
        np.testing.assert_array_equal(gt.joints_px.get(side), ref.joints_px.get(side))
    path.write_text(gt_text().replace("0\t10\t200", "0\t10.5\t2.0e2"))
    assert read_tzionas_joints(path).joints_px.right[Joint.PINKY_MCP].tolist() == [10.5, 200.0]


def test_a_hand_without_any_annotation(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("".join(f"{i} 0 0\n" if i >= 14 else f"{i} 5 6\n" for i in range(28)))
    gt = read_tzionas_joints(path)
    assert gt.count(Side.LEFT) == 0 and np.isnan(gt.joints_px.left).all()
    hands = gt.hands_px()
    assert hands.left is None and hands.right is gt.joints_px.right
    # a single coordinate at 0 is an annotation on the image border, not "missing"
    path.write_text(gt_text().replace("0\t10\t200", "0\t0\t200"))
    assert read_tzionas_joints(path).joints_px.right[Joint.PINKY_MCP].tolist() == [0, 200]


def _lines():
    return gt_text().splitlines()


BAD = {
    "27 lines": ("\n".join(_lines()[:27]), None, "expected 28 joint lines, got 27"),
    "29 lines": ("\n".join(_lines() + ["28\t1\t1"]), 29, "joint index must be 0-27, got 28"),
    "not a number": ("\n".join(_lines()[:5] + ["5\tabc\t210"] + _lines()[6:]), 6,
                     "x must be a finite number, got 'abc'"),
    "nan": ("\n".join(_lines()[:3] + ["3\t13\tnan"] + _lines()[4:]), 4,
            "y must be a finite number, got 'nan'"),
    "inf": ("\n".join(_lines()[:3] + ["3\tinf\t1"] + _lines()[4:]), 4, "x must be a finite"),
    "duplicate": ("\n".join(_lines()[:7] + ["3\t1\t1"] + _lines()[8:]), 8,
                  "joint index 3 again (first on line 4)"),
    "float index": ("\n".join(["0.0\t1\t1"] + _lines()[1:]), 1,
                    "joint index must be an integer, got '0.0'"),
    "negative index": ("\n".join(["-1\t1\t1"] + _lines()[1:]), 1, "must be an integer"),
    "two fields": ("\n".join(["0\t1"] + _lines()[1:]), 1, "expected 3 fields 'index x y', got 2"),
    "four fields": ("\n".join(["0\t1\t2\t3"] + _lines()[1:]), 1, "got 4"),
    "underscore": ("\n".join(["0\t1_0\t2"] + _lines()[1:]), 1, "x must be a finite number"),
    "empty": ("", None, "expected 28 joint lines, got 0"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_name_the_file_and_the_line(tmp_path, case):
    text, line, message = BAD[case]
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        read_tzionas_joints(path)
    msg = str(caught.value)
    assert isinstance(caught.value, TzionasFormatError) and isinstance(caught.value, InputError)
    assert str(path) in msg and "\n" not in msg
    assert (f", line {line}: " in msg) if line is not None else (", line " not in msg)


def test_blank_lines_count_in_the_line_number(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("\n\n" + "\n".join(["0\tx\t1"] + _lines()[1:]))
    with pytest.raises(ValueError, match="line 3:"):
        read_tzionas_joints(path)


def test_unreadable_and_non_utf8(tmp_path):
    with pytest.raises(InputError, match="cannot read ground truth"):
        read_tzionas_joints(tmp_path / "missing.txt")
    path = tmp_path / "bin.txt"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_tzionas_joints(path)


# ----------------------------------------------------------------------------------- folders


@pytest.mark.parametrize("make", [make_flat, make_split])
def test_both_layouts_sort_by_number_and_pair_ground_truth(tmp_path, make):
    folder = make(tmp_path / "clip")
    assert is_tzionas_folder(folder)
    frames = find_tzionas_frames(folder)
    assert [f.number for f in frames] == [0, 5, 10, 95, 100]
    assert [f.gt_path is not None for f in frames] == [True, False, True, False, True]
    for f in frames:
        assert f.image_path.is_file() and f.image_path.suffix == ".png"
        if f.gt_path is not None:
            assert f.gt_path.stem.endswith(f"{f.number:03d}")
            read_tzionas_joints(f.gt_path)
    with pytest.raises(dataclass_frozen()):
        frames[0].number = 3  # type: ignore[misc]


def dataclass_frozen():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_numbers_sort_as_numbers_not_names(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    for n in ("9", "10", "1000", "999"):
        _frame(folder / f"s-rgb-{n}.jpg", 0)
    (folder / "s-joints_2D_GT-0999.txt").write_text(gt_text())
    frames = find_tzionas_frames(folder)
    assert [f.number for f in frames] == [9, 10, 999, 1000]
    assert frames[2].gt_path is not None and frames[2].gt_path.name == "s-joints_2D_GT-0999.txt"


def test_split_layout_without_ground_truth_folder(tmp_path):
    folder = tmp_path / "clip"
    (folder / "rgb").mkdir(parents=True)
    _frame(folder / "rgb" / "3.png", 0)
    assert [(f.number, f.gt_path) for f in find_tzionas_frames(folder)] == [(3, None)]


def test_ground_truth_without_frame_is_ignored_with_a_warning(tmp_path, caplog):
    folder = make_split(tmp_path / "clip", numbers=(0, 5), annotated=(0, 5, 10))
    with caplog.at_level(logging.WARNING, logger="hdr_live.io.tzionas"):
        frames = find_tzionas_frames(folder)
    assert [f.number for f in frames] == [0, 5]
    assert "1 ground-truth file(s) without a frame" in caplog.text and "10" in caplog.text


@pytest.mark.parametrize("setup, message", [
    ("missing", "no such folder"),
    ("empty", "is not a Tzionas-style clip"),
    ("plain", "is not a Tzionas-style clip"),
    ("two sequences", r"more than one sequence \(a, b\)"),
    ("same number", "two frames with frame number 7"),
    ("same gt number", "two ground-truth files with frame number 7"),
    ("both layouts", "has both <seq>-rgb-NNN images and an rgb/ folder"),
])
def test_folder_errors_are_one_line_naming_the_folder(tmp_path, setup, message):
    folder = tmp_path / "clip"
    if setup != "missing":
        folder.mkdir()
    if setup == "plain":
        _frame(folder / "frame_0001.png", 0)
        (folder / "rgb.txt").write_text("")
    elif setup == "two sequences":
        _frame(folder / "a-rgb-001.png", 0)
        _frame(folder / "b-rgb-001.png", 0)
    elif setup == "same number":
        _frame(folder / "s-rgb-7.png", 0)
        _frame(folder / "s-rgb-007.png", 0)
    elif setup == "same gt number":
        (folder / "rgb").mkdir()
        (folder / "joints_2D_GT").mkdir()
        _frame(folder / "rgb" / "007.png", 0)
        (folder / "joints_2D_GT" / "7.txt").write_text(gt_text())
        (folder / "joints_2D_GT" / "007.txt").write_text(gt_text())
    elif setup == "both layouts":
        _frame(folder / "s-rgb-001.png", 0)
        (folder / "rgb").mkdir()
        _frame(folder / "rgb" / "001.png", 0)
    with pytest.raises(InputError, match=message) as caught:
        find_tzionas_frames(folder)
    assert str(folder) in str(caught.value) and "\n" not in str(caught.value)
    looks_like_one = setup in ("two sequences", "same number", "same gt number", "both layouts")
    assert is_tzionas_folder(folder) is looks_like_one


def test_is_tzionas_folder_on_files_and_plain_folders(tmp_path):
    path = tmp_path / "s-rgb-001.png"
    _frame(path, 0)
    assert not is_tzionas_folder(path)  # a file, not a folder
    assert is_tzionas_folder(tmp_path)
    (tmp_path / "rgb").mkdir()
    assert is_tzionas_folder(tmp_path)  # looks like one; find_tzionas_frames refuses both
    other = tmp_path / "other"
    (other / "rgb").mkdir(parents=True)
    (other / "rgb" / "cover.png").write_bytes(b"")  # not numbered
    assert not is_tzionas_folder(other)


def test_source_reads_frames_in_number_order(tmp_path, caplog):
    folder = make_split(tmp_path / "clip")
    (folder / "rgb" / "005.png").write_bytes(b"broken")
    with TzionasFolderSource(folder, fps=10.0) as source:
        assert source.frame_count == 5 and not source.is_live and source.fps == 10.0
        with caplog.at_level(logging.WARNING):
            frames = list(source)
    assert [f.index for f in frames] == [0, 2, 3, 4]  # the broken frame keeps its index
    assert [source.frames[f.index].number for f in frames] == [0, 10, 95, 100]
    assert [f.t_capture_s for f in frames] == [0.0, 0.2, 0.3, 0.4]
    assert [int(f.rgb[0, 0, 0]) for f in frames] == [0, 40, 60, 80]
    assert frames[0].rgb.shape == (24, 32, 3) and "skipping" in caplog.text
    with pytest.raises(InputError, match="frame rate"):
        TzionasFolderSource(folder, fps=0.0)
