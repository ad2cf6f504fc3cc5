"""HASM training: examples, prior degradation, a loop that learns, resume, export."""

import json

import numpy as np
import pytest
import torch

from hdr_live.joints import Side, hand_scale_px
from hdr_live.models.hasm_net import HasmSpec
from hdr_live.stages.hasm.learned import load_torch_mask_net
from training.hasm_data import (PriorNoise, degrade_joints, hand_only, hasm_example,
                                misplace_prior, noisy_prior)
from training.synth_dataset import open_split, open_splits
from training.train_hasm import Run, TrainConfig, export, iou_per_mask, train

SPEC = HasmSpec(input_px=64, hidden_sizes=(8, 16, 24, 32), num_heads=(1, 1, 1, 1),
                decoder_hidden_size=16)


@pytest.fixture(scope="module")
def tiny_dataset(tiny_synth_dataset):
    """Four samples (seed 11, 2-shape bank): three train, one val (conftest)."""
    return tiny_synth_dataset


def test_hand_only_cuts_the_forearm_keeps_the_fingers():
    joints = np.zeros((21, 2))
    joints[0] = (50, 60)
    joints[1:] = np.array([(40 + 5 * (i % 5), 50 - 2 * (i // 5)) for i in range(20)])
    joints[9] = (50, 40)  # middle MCP straight above the wrist: axis points up
    mask = np.zeros((120, 100), bool)
    mask[20:120, 35:66] = True  # hand plus a long forearm below
    out = hand_only(mask, joints)
    scale = hand_scale_px(joints)
    assert out[30:55, 35:66].all()  # the hand stays
    assert not out[int(60 + scale):, :].any()  # far below the wrist: cut
    assert not (out & ~mask).any()


def test_degrade_joints_scales_with_hand_size():
    rng = np.random.default_rng(0)
    base = np.random.default_rng(1).uniform(0, 40, (21, 2))
    base[9] = base[0] + (0, -40)
    zero = PriorNoise(0, 0, 0, 0, 0, 0, 0, 0)
    np.testing.assert_allclose(degrade_joints(base, rng, zero), base)
    noisy = PriorNoise(joint_std=0.1, shift_std=0, scale_std=0, rot_std_deg=0, drop_finger_prob=0)
    small = np.mean([np.abs(degrade_joints(base, rng, noisy) - base).mean() for _ in range(50)])
    big = np.mean([np.abs(degrade_joints(base * 3, rng, noisy) - base * 3).mean() for _ in range(50)])
    assert 2.5 < big / small < 3.5


def test_examples_are_consistent(tiny_dataset):
    train_set, val_set, info = open_split(tiny_dataset)
    assert len(train_set) == 3 and len(val_set) == 1 and info["train"] == 3
    rng = np.random.default_rng(0)
    x, y = hasm_example(train_set[0], SPEC, rng, PriorNoise(missing_prob=0.0))
    assert x.shape == (15, 64, 64) and y.shape == (4, 64, 64) and x.dtype == np.float32
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert not ((y[1] > 0) & (y[0] == 0)).any() and not ((y[3] > 0) & (y[2] == 0)).any()
    assert y[0].sum() > 0 and y[2].sum() > 0
    assert x[3:9].max() > 0.5 and x[9:15].max() > 0.5  # both priors present


def test_a_misplaced_prior_lies_off_both_hands(tiny_dataset):
    """A detector-like false positive: the prior sits in the image, off both hands, while the
    targets stay the true masks."""
    train_set, _, _ = open_split(tiny_dataset)
    rng = np.random.default_rng(0)
    placed = 0
    for sample in train_set:
        hands = sample.right.amodal | sample.left.amodal
        h, w = hands.shape
        for side in (Side.RIGHT, Side.LEFT):
            joints = sample.hand(side).joints_px
            moved = misplace_prior(joints, sample, rng)
            if moved is None:  # no free place for this hand in the image
                continue
            placed += 1
            shift = np.linalg.norm(moved - joints, axis=1)
            assert np.allclose(shift, shift[0])  # moved as a whole
            assert 1.2 <= shift[0] / hand_scale_px(joints) <= 3.0
            ij = np.round(moved).astype(int)
            inside = (ij[:, 0] >= 0) & (ij[:, 0] < w) & (ij[:, 1] >= 0) & (ij[:, 1] < h)
            assert inside.mean() >= 0.7 and hands[ij[inside, 1], ij[inside, 0]].mean() <= 0.05
    assert placed >= 2
    # always misplaced, no other noise: a prior hand is off its hand (or, with no free place,
    # exactly on it); the targets stay the true masks
    noise = PriorNoise(0, 0, 0, 0, 0, 0, 0, misplaced_prob=1.0)
    off = 0
    for sample in train_set:
        prior = noisy_prior(sample, np.random.default_rng(1), noise)
        for side in (Side.RIGHT, Side.LEFT):
            truth = sample.hand(side).joints_px
            far = np.linalg.norm(prior.get(side) - truth, axis=1).mean()
            assert far == 0.0 or far >= 1.2 * hand_scale_px(truth)
            off += far > 0.0
        _, y = hasm_example(sample, SPEC, np.random.default_rng(1), noise)
        assert y[0].sum() > 0 and y[2].sum() > 0
    assert off >= 1

def _separation(model, samples) -> float:
    """Mean predicted probability on target pixels minus on background pixels."""
    rng = np.random.default_rng(5)
    xs, ys = zip(*(hasm_example(samples[i], SPEC, rng, PriorNoise(missing_prob=0.0))
                   for i in range(len(samples))))
    with torch.inference_mode():
        p = torch.sigmoid(model(torch.from_numpy(np.stack(xs)))).numpy()
    y = np.stack(ys) > 0.5
    return float(p[y].mean() - p[~y].mean())


def test_training_learns_resumes_and_exports(tiny_dataset, tmp_path):
    train_set, val_set, info = open_split(tiny_dataset)
    cfg = TrainConfig(batch=4, lr=3e-3, warmup_steps=1, total_steps=40, eval_every=1000,
                      threads=2)
    noise = PriorNoise()
    run = Run(tmp_path / "run", SPEC, cfg)
    before = _separation(run.model, train_set)
    train(run, train_set, val_set, noise, until_step=20)
    run.save()
    resumed = Run(tmp_path / "run", SPEC, cfg)
    assert resumed.step == 20
    train(resumed, train_set, val_set, noise, until_step=40)
    after = _separation(resumed.model, train_set)
    assert after > before + 0.05  # mask pixels now score clearly above the background
    assert set(iou_per_mask(resumed.model, val_set, SPEC, noise)) == {
        "right_amodal", "right_visible", "left_amodal", "left_visible"}
    losses = [json.loads(l)["loss"] for l in open(tmp_path / "run" / "log.jsonl")]
    assert losses[-1] < losses[0]
    out = tmp_path / "w" / "hasm.safetensors"
    metrics = export(resumed, out, val_set, noise, info)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["provenance"]["steps"] == 40 and meta["metrics"] == json.loads(json.dumps(metrics))
    net, spec = load_torch_mask_net(out)
    assert spec == SPEC


def test_two_datasets_read_as_one(tiny_dataset):
    train_set, val_set, info = open_splits([tiny_dataset, tiny_dataset])
    one_train, _, one_info = open_split(tiny_dataset)
    assert len(train_set) == 2 * len(one_train) and len(val_set) == 2
    assert info == {"datasets": [one_info, one_info]}
    np.testing.assert_array_equal(train_set[len(one_train)].image, one_train[0].image)
    np.testing.assert_array_equal(train_set[-1].image, one_train[-1].image)
    with pytest.raises(IndexError):
        train_set[len(train_set)]
    with pytest.raises(ValueError):
        open_splits([])


def test_init_from_another_run_and_stop_on_time(tiny_dataset, tmp_path):
    train_set, val_set, _ = open_split(tiny_dataset)
    cfg = TrainConfig(batch=2, lr=3e-3, warmup_steps=1, total_steps=10, eval_every=1000, threads=2)
    first = Run(tmp_path / "a", SPEC, cfg)
    train(first, train_set, val_set, PriorNoise(), until_step=3)
    first.save()
    second = Run(tmp_path / "b", SPEC, cfg, init=tmp_path / "a")
    assert second.step == 0 and second.init_from["step"] == 3
    for (name, a), b in zip(first.model.state_dict().items(), second.model.state_dict().values()):
        assert torch.equal(a, b), name
    train(second, train_set, val_set, PriorNoise(), until_step=10, max_minutes=0.0)
    assert second.step == 0  # the time budget was spent before the first step: checkpoint only
    assert Run(tmp_path / "b", SPEC, cfg).init_from["run"] == str(tmp_path / "a")
    with pytest.raises(SystemExit):
        Run(tmp_path / "c", SPEC, cfg, init=tmp_path / "missing")
