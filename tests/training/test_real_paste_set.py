"""The real-footage copy-paste set (training.real_paste_set): licence filter, pairs across
files, provenance; HDRNet draws only exact targets; trainers start from exported weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hdr_live.joints import Side
from training.hdrm_data import ExampleOptions, GroundTruthMasks, draw_crop
from training.real_paste_set import media_files, paste_pairs, provenance
from training.synth.paste import HandCutout, unknown_joints

REPO = Path(__file__).resolve().parents[2]


def _footage(folder: Path) -> None:
    for name, ship in (("a.png", True), ("b.png", False), ("c.mp4", True)):
        (folder / name).write_bytes(b"x")
        (folder / name).with_suffix(".json").write_text(json.dumps(
            {"ship_ok": ship, "licence": "MIT" if ship else "none", "source": f"o/r {name}",
             "sha256": "0" * 64}))
    (folder / "README.md").write_text("no record")


def test_only_files_with_a_record_and_with_ship_only_only_ship_ok(tmp_path):
    _footage(tmp_path)
    assert [f.path.name for f in media_files(tmp_path, False)] == ["a.png", "b.png", "c.mp4"]
    assert [f.path.name for f in media_files(tmp_path, True)] == ["a.png", "c.mp4"]
    (tmp_path / "a.json").write_text(json.dumps({"ship_ok": False}))
    (tmp_path / "c.json").write_text(json.dumps({"ship_ok": False}))
    with pytest.raises(ValueError, match="ship_ok"):
        media_files(tmp_path, True)


def _cutout(seed: int, side: Side) -> HandCutout:
    """A generated "hand": a skin-coloured ellipse on a textured background."""
    import cv2

    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (160, 160, 3), np.uint8)
    mask = np.zeros((160, 160), np.uint8)
    cv2.ellipse(mask, (80, 80), (30, 45), float(rng.uniform(0, 180)), 0, 360, 1, -1)
    image[mask > 0] = (200, 150, 120)
    joints = np.stack([80 + rng.normal(0, 15, 21), 80 + rng.normal(0, 20, 21)], 1)
    return HandCutout(image, mask > 0, side, joints, unknown_joints()[1])


def test_pairs_come_from_two_files_and_the_base_hand_is_exact(tmp_path):
    cuts = {"a.png": [_cutout(1, Side.RIGHT)], "b.png": [_cutout(2, Side.LEFT)],
            "c.mp4": []}
    samples = list(paste_pairs(cuts, ["a.png", "b.png", "c.mp4"], 6, 128, 7, 0))
    assert len(samples) == 6
    for s in samples:
        exact = [side for side in Side if s.hand(side).target_exact]
        assert len(exact) == 1  # the base hand; the pasted one's target is inpainted
        assert s.hand(exact[0]).amodal.any() and s.hand(exact[0].other).visible.any()
    with pytest.raises(ValueError, match="at least two files"):
        next(paste_pairs(cuts, ["a.png", "c.mp4"], 1, 128, 7, 0))
    files = media_files(_footage(tmp_path) or tmp_path, False)
    record = provenance(files, {"a.png": 3, "c.mp4": 0}, ["a.png"])
    assert [(f["file"], f["hands"], f["split"], f["licence"]) for f in record["files"]] == [
        ("a.png", 3, "val", "MIT")]


def test_hdrnet_crops_are_drawn_only_from_exact_targets(monkeypatch):
    import training.hdrm_data as hdrm_data

    cuts = {"a": [_cutout(3, Side.RIGHT)], "b": [_cutout(4, Side.RIGHT)]}
    samples = list(paste_pairs(cuts, ["a", "b"], 4, 128, 9, 0))
    drawn, real_crop = [], hdrm_data.hdrm_crop

    def recording_crop(sample, side, masks, options):
        drawn.append(sample.hand(side).target_exact)
        return real_crop(sample, side, masks, options)

    monkeypatch.setattr(hdrm_data, "hdrm_crop", recording_crop)
    rng = np.random.default_rng(0)
    for _ in range(10):
        crop = draw_crop(samples, 64, rng, GroundTruthMasks(), ExampleOptions())
        assert crop.target.shape == (64, 64, 3)
    assert len(drawn) >= 10 and all(drawn)


def test_a_trainer_starts_from_exported_weights(tmp_path):
    from hdr_live.models.hasm_spec import HasmSpec
    from hdr_live.weights import read_metadata
    from training.train_hasm import Run, TrainConfig

    weights = REPO / "hdr_live" / "weights" / "hasm_mitb0.safetensors"
    spec = HasmSpec.from_json(read_metadata(weights, "hasm-segformer")["spec"])
    run = Run(tmp_path / "run", spec, TrainConfig(), init=weights)
    from safetensors.torch import load_file

    bundled = load_file(str(weights))
    state = run.model.state_dict()
    assert all(torch.equal(state[k], bundled[k]) for k in bundled)
    assert run.init_from["weights"] == str(weights) and run.init_from["sha256"]


def test_hdrnet_starts_from_exported_weights_with_a_fresh_discriminator(tmp_path):
    from safetensors.torch import load_file

    from hdr_live.models.hdrnet import HdrmSpec
    from hdr_live.weights import read_metadata
    from training.hdrm_run import Phase, Run, TrainConfig

    weights = REPO / "hdr_live" / "weights" / "hdrm_hdrnet.safetensors"
    spec = HdrmSpec.from_json(read_metadata(weights, "hdrm-hdrnet")["spec"])
    run = Run(tmp_path / "run", spec, TrainConfig(phase=Phase.GT), init=weights)
    bundled = load_file(str(weights))
    state = run.gen.state_dict()
    assert all(torch.equal(state[k], bundled[k].to(state[k].dtype)) for k in bundled)
    assert run.history[-1]["phase"] == "exported weights"
    assert run.history[-1]["sha256"] == read_metadata(weights, "hdrm-hdrnet")["sha256"]
