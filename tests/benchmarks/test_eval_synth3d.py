"""The synthetic held-out 3D harness and the pose-log bone statistics: report logic on
constructed records, a smoke run on three generated samples, and a constructed pose log."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from support import REPO
from hdr_live.joints import NUM_JOINTS, Side

BENCH = REPO / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


evs = _load("eval_synth3d")
bones = _load("bone_stats")


def record(index: int, side: Side, occluded: int, err_mm: float | None, cam_m=None,
           gt_m=None, exact: bool = True):
    occ = np.zeros(NUM_JOINTS, bool)
    occ[NUM_JOINTS - occluded:] = True
    errors = None if err_mm is None else np.full(NUM_JOINTS, err_mm)
    gt = np.zeros((NUM_JOINTS, 3)) if gt_m is None else gt_m
    return evs.HandRecord(index, side, occ, err_mm is not None, (errors, None, None if cam_m is
                          None else errors), (None, None, cam_m), gt, exact)


def test_report_counts_splits_missed_hands_and_mrrpe() -> None:
    gt_r, gt_l = np.zeros((NUM_JOINTS, 3)), np.full((NUM_JOINTS, 3), 0.1)
    records = [record(0, Side.RIGHT, 0, 10.0, gt_r + 0.5, gt_r),
               record(0, Side.LEFT, 2, 10.0, gt_l + 0.5 + np.r_[0.0, 0.0, 0.02], gt_l),
               record(1, Side.RIGHT, 15, 35.0), record(1, Side.LEFT, 12, None),
               record(2, Side.RIGHT, 3, None), record(2, Side.LEFT, 16, None)]
    assert evs.mrrpe_values_mm(records) == [pytest.approx(20.0)]
    text = evs.report(records, 1.0, 3, "no")
    assert "hands found 3/6 (small occlusion 2/3, severe 1/3)" in text
    row = next(line for line in text.splitlines() if "| mediapipe | visible | severe |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3:6] == ["1", "2", str(NUM_JOINTS - 15 - 1)]  # hands, missed, joints (no wrist)
    assert float(cells[-1]) == pytest.approx(0.5)
    assert "| lifted | – | – | n/a (estimate absent) |" in text
    assert "MRRPE (fitted, both hands found, exact 3D truth): mean 20.0 mm" in text
    assert text.splitlines()[-1] == ("summary auc_severe_mediapipe=0.5000 auc_severe_lifted=na "
                                     "auc_severe_fitted=na")  # the fitted hands are not severe


def test_the_true_camera_reaches_the_3d_stage() -> None:
    real = evs.default_config(evs.App.BATCH, evs.InputKind.IMAGES)
    passed = evs.with_true_camera(real, 321.0, (120.5, 130.5))
    assert passed.threed.focal_px == 321.0 and passed.threed.principal_px == (120.5, 130.5)
    off = dataclasses.replace(real, threed=None)
    assert evs.with_true_camera(off, 321.0, (1.0, 1.0)) is off


def test_a_set_of_another_seed_is_refused(tmp_path) -> None:
    (tmp_path / "index.json").write_text(json.dumps({"seed": 4242}))
    with pytest.raises(SystemExit, match="seed 4242"):
        evs.ensure_heldout(tmp_path, 3)


def test_smoke_run_on_three_generated_samples(tmp_path) -> None:
    data, md = tmp_path / "heldout", tmp_path / "report.md"
    out = subprocess.run([sys.executable, str(BENCH / "eval_synth3d.py"), "--data", str(data),
                          "--count", "3", "--true-focal", "--out-md", str(md)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads((data / "index.json").read_text())["seed"] == evs.HELDOUT_SEED
    lines = out.stdout.strip().splitlines()
    found = re.search(r"samples 3, hands found (\d)/6", out.stdout)
    assert found is not None
    assert re.fullmatch(r"summary auc_severe_mediapipe=(\d\.\d{4}|na) auc_severe_lifted=(\S+) "
                        r"auc_severe_fitted=(\S+)", lines[-1])
    assert "true focal passed to the pipeline: yes" in out.stdout
    if int(found.group(1)) > 0:  # every found hand has all three estimates
        for estimate in ("mediapipe", "lifted", "fitted"):
            assert re.search(rf"\| {estimate} \| all \| (small|severe) \| [1-9]", out.stdout)
    assert md.read_text().strip().splitlines()[-1] == lines[-1]


def _hand(rel_m: np.ndarray, cam_m: np.ndarray | None = None, inferred: bool = False) -> dict:
    hand = {"joints_px": [[0.0, 0.0]] * NUM_JOINTS, "joints_rel_m": rel_m.tolist(),
            "visible": [True] * NUM_JOINTS, "score": 0.9}
    if cam_m is not None:
        hand["joints_cam_m"] = cam_m.tolist()
        hand["inferred"] = inferred
    return hand


def test_bone_stats_of_a_constructed_log(tmp_path) -> None:
    rng = np.random.default_rng(3)
    hand = rng.normal(0.0, 0.04, (NUM_JOINTS, 3))
    hand -= hand[0]
    lines = []
    for i in range(20):
        right = _hand(hand, hand + np.r_[0.01 * i, 0.0, 0.5], inferred=i >= 15)
        left = None if i % 4 == 0 else _hand(hand + rng.normal(0, 0.004, hand.shape))
        lines.append({"frame": i, "t_s": i / 30, "hands": {"left": left, "right": right}})
    log = tmp_path / "poses.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in lines))
    records = [json.loads(line) for line in log.read_text().splitlines()]
    r, left = bones.hand_log_stats(records, Side.RIGHT), bones.hand_log_stats(records, Side.LEFT)
    assert (r.present, r.inferred, left.present, left.inferred) == (20, 5, 15, 0)
    assert r.rel.mean_std_mm == pytest.approx(0.0, abs=1e-6)
    assert r.cam.mean_std_mm == pytest.approx(0.0, abs=1e-6) and left.cam is None
    assert left.rel.mean_std_mm > 1.0 and left.rel.frame_count == 15
    assert bones.both_hands_share(records) == pytest.approx(0.75)
    text = bones.describe(log)
    assert "left/right swaps 0" in text and "right: present 20/20, inferred 5" in text
    assert "joints_cam_m n/a" in text.splitlines()[-1]
