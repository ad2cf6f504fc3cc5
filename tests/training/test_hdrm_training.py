"""HDRM training: examples (eq. 2–3, mirroring), degraded masks, learning, resume, export."""

import json

import numpy as np
import pytest
import torch

from hdr_live.joints import Side
from hdr_live.models.hdrnet import HdrmSpec
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.stages.hdrm.learned import OnnxHdrNet, Runtime, load_hdrm
from hdr_live.types import Frame
from training.hdrm_data import (DegradedMasks, GroundTruthMasks, MaskNoise, example_arrays,
                                hdrm_crop, make_batch)
from training.hdrm_eval import evaluate, evaluation_crops, ssim_map
from training.hdrm_export import export
from training.hdrm_losses import FeatureNetSpec
from training.synth.render_mode import render_sample
from training.synth.storage import IndexEntry, make_folders, write_index, write_sample
from training.synth_dataset import open_split
from training.train_hdrm import Phase, Run, TrainConfig, train, train_step

SPEC = HdrmSpec(input_px=32, channels=(8, 16), kernels=(5, 3), transformer_depth=1,
                num_heads=2, mlp_ratio=2)
CFG = TrainConfig(batch=4, lr=3e-3, warmup_steps=1, total_steps=40, eval_every=1000,
                  save_every=1000, log_every=1, features=FeatureNetSpec(widths=(4, 8, 8)),
                  disc_widths=(8, 16))


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    make_folders(root)
    entries = []
    for i in range(3):
        e = write_sample(root, render_sample(11, i))
        entries.append(IndexEntry(e.id, "val" if i == 2 else "train", e.source))
    write_index(root, entries, 11, 256)
    return root


def test_examples_follow_eq2_eq3_and_mirror_left_hands(tiny_dataset):
    train_set, _, _ = open_split(tiny_dataset)
    sample = train_set[0]
    opts = CropOptions(size_px=64)
    for side in (Side.RIGHT, Side.LEFT):
        crop = hdrm_crop(sample, side, sample.masks, opts)
        ci = crop.inputs
        assert ci.mirrored == (side is Side.LEFT)
        np.testing.assert_array_equal(ci.m_d, crop.true_m_d)  # GT masks: same regions
        np.testing.assert_array_equal(ci.m_r, crop.true_m_r)
        x, valid, target, disc = example_arrays(crop)
        img = ci.image_rgb.astype(np.float32).transpose(2, 0, 1) / 255
        np.testing.assert_allclose(x[0:3], img * ~ci.m_d)  # I_D = I_s (1 − M_D)
        np.testing.assert_array_equal(x[3], ci.target_visible)  # M_rv
        np.testing.assert_allclose(x[4:7], img * ~ci.m_r)  # I_R = I_s (1 − M_R)
        np.testing.assert_array_equal(x[7], ~ci.target_amodal & ~ci.other_amodal)  # M_bv
        np.testing.assert_array_equal(valid, np.stack([~ci.m_d, ~ci.m_r]))
        np.testing.assert_array_equal(disc, np.stack([ci.target_visible, ci.m_bv]))
        assert target.shape == (3, 64, 64) and 0 <= target.min() and target.max() <= 1
    left = hdrm_crop(sample, Side.LEFT, sample.masks, opts)
    # the same hand's crop built as if the input were mirrored is not mirrored: flip agrees
    plain = build_crop_inputs(Frame(sample.image, 0, 0.0), sample.masks, Side.LEFT, True, opts)
    np.testing.assert_array_equal(left.inputs.target_amodal, plain.target_amodal[:, ::-1])
    np.testing.assert_array_equal(left.inputs.m_r, plain.m_r[:, ::-1])
    assert np.abs(left.inputs.image_rgb.astype(int) - plain.image_rgb[:, ::-1]).max() <= 1


def test_target_differs_from_input_only_in_the_holes(tiny_dataset):
    train_set, _, _ = open_split(tiny_dataset)
    sample = train_set[1]
    for side in (Side.RIGHT, Side.LEFT):
        change = sample.m_d(side) | sample.m_r(side)
        assert change.any()
        np.testing.assert_array_equal(sample.hand(side).target[~change], sample.image[~change])


def test_degraded_masks_stay_close_and_consistent(tiny_dataset):
    train_set, _, _ = open_split(tiny_dataset)
    sample = train_set[0]
    source = DegradedMasks(MaskNoise(max_morph_px=2, max_shift_px=2.0, blob_prob=1.0))
    a = source.masks(sample, np.random.default_rng(0))
    b = source.masks(sample, np.random.default_rng(0))
    np.testing.assert_array_equal(a.right_amodal, b.right_amodal)  # seeded
    for side in (Side.RIGHT, Side.LEFT):
        amodal, truth = a.amodal(side), sample.hand(side).amodal
        assert not (a.visible(side) & ~amodal).any()
        assert not np.array_equal(amodal, truth)
        assert (amodal & truth).sum() / (amodal | truth).sum() > 0.6
    assert not (a.right_visible & a.left_visible).any()


def test_ssim_map_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    a = rng.random((40, 40, 3))
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1)
    _, ref = skm.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=1.0,
                                       channel_axis=2, full=True)
    np.testing.assert_allclose(ssim_map(a, b), ref.mean(axis=2), atol=1e-6)


def _l1_in_m_r(run, batch) -> float:
    with torch.no_grad():
        out = run.gen(batch.x, batch.valid)
    return float(((out - batch.target).abs() * batch.m_r).sum() / (3 * batch.m_r.sum()))


def test_training_reduces_l1_in_m_r_on_a_fixed_batch(tiny_dataset, tmp_path):
    train_set, _, _ = open_split(tiny_dataset)
    torch.set_num_threads(2)
    run = Run(tmp_path / "run", SPEC, CFG)
    batch = make_batch(train_set, 4, SPEC.input_px, np.random.default_rng(0), GroundTruthMasks())
    assert batch.m_r.sum() > 0
    before = _l1_in_m_r(run, batch)
    records = [train_step(run, batch) for _ in range(12)]
    after = _l1_in_m_r(run, batch)
    assert run.step == 12 and after < 0.8 * before, (before, after)
    assert records[-1]["l1"] < records[0]["l1"]


def test_resume_continues_and_export_round_trips(tiny_dataset, tmp_path):
    train_set, val_set, info = open_split(tiny_dataset)
    val_crops = evaluation_crops(val_set, GroundTruthMasks())
    run = Run(tmp_path / "gt", SPEC, CFG)
    train(run, train_set, val_crops, until_step=3)
    resumed = Run(tmp_path / "gt", SPEC, CFG)
    assert resumed.step == 3
    assert resumed.rng.bit_generator.state == run.rng.bit_generator.state
    train(resumed, train_set, val_crops, until_step=5)
    log = [json.loads(line) for line in open(tmp_path / "gt" / "log.jsonl")]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5] and "val" in log[-1]
    assert set(log[-1]["val"]) == {"m_d", "m_r", "crops", "ms_per_crop"}
    # phase 2 starts from phase 1's weights and records its history
    cfg2 = TrainConfig(**{**CFG.__dict__, "phase": Phase.PREDICTED_MASKS})
    tuned = Run(tmp_path / "pm", SPEC, cfg2, init=tmp_path / "gt")
    assert tuned.step == 0 and tuned.history[0]["phase"] == "gt" and tuned.history[0]["steps"] == 5
    train(tuned, train_set, evaluation_crops(val_set, cfg2.mask_source()), until_step=2)
    out = tmp_path / "w" / "hdrm.safetensors"
    metrics = export(tuned, out, val_set, info, bench_repeats=2)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["provenance"]["steps"] == 7 and HdrmSpec.from_json(meta["spec"]) == SPEC
    assert meta["provenance"]["data"]["seed"] == 11 and meta["metrics"]["val_samples"] == 1
    for masks in ("gt_masks", "degraded_masks"):
        assert set(meta["metrics"][masks]) == {"hdrnet", "baseline_inpaint"}
    assert metrics["inference"]["onnx_max_abs_diff"] <= 1e-4
    restorer = load_hdrm(out)
    assert restorer.spec == SPEC
    assert isinstance(restorer.runner, OnnxHdrNet) == (meta["inference"]["preferred_runtime"] == "onnx")
    torch_restorer = load_hdrm(out, Runtime.TORCH)
    crops = evaluation_crops(val_set, GroundTruthMasks())
    a = torch_restorer.restore(crops[0].inputs).astype(int)
    b = restorer.restore(crops[0].inputs).astype(int)
    assert np.abs(a - b).max() <= 1  # same network, same outputs (uint8 rounding)
    hdrnet = meta["metrics"]["gt_masks"]["hdrnet"]
    assert hdrnet == evaluate(restorer, crops).record() | {"ms_per_crop": hdrnet["ms_per_crop"]}


def test_phase_two_masks_are_the_learned_hasm_predictions(tiny_dataset):
    """Phase predicted-masks trains on what the bundled HASM predicts from a (here clean) prior."""
    from hdr_live.config import DEFAULT_HASM_WEIGHTS
    from hdr_live.stages.hasm.learned import load_mask_net
    from training.hasm_data import PriorNoise
    from training.hdrm_data import HasmPredictedMasks

    if not DEFAULT_HASM_WEIGHTS.is_file():
        pytest.skip(f"bundled HASM weights missing: {DEFAULT_HASM_WEIGHTS}")
    train_set, _, _ = open_split(tiny_dataset)
    clean = PriorNoise(0, 0, 0, 0, 0, 0, 0, 0)
    source = HasmPredictedMasks(*load_mask_net(DEFAULT_HASM_WEIGHTS), noise=clean)
    for sample in train_set:
        masks = source.masks(sample, np.random.default_rng(0))
        assert not (masks.right_visible & masks.left_visible).any()
        for side in (Side.RIGHT, Side.LEFT):
            pred, truth = masks.amodal(side), sample.hand(side).amodal
            assert not (masks.visible(side) & ~pred).any()
            assert (pred & truth).sum() / max((pred | truth).sum(), 1) > 0.3, side
    assert TrainConfig(phase=Phase.PREDICTED_MASKS).mask_source().__class__ is HasmPredictedMasks
    assert TrainConfig(phase=Phase.DEGRADED_MASKS).mask_source().__class__ is DegradedMasks
