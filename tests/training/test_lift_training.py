"""Training PSJNet + EN: eq. (3)/(4) losses, a tiny run lowers the loss, --resume continues."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.lift_degrade import ErrorModel
from training.lift_losses import loss_3d, total_loss


def test_loss_equals_equation_3_on_a_hand_computed_case():
    pred = torch.zeros(1, 2, 3)
    pred[0, 0] = torch.tensor([0.1, 0.0, 0.5])   # 2D off by 0.1 spread = 2 px, d off by 0.5
    pred[0, 1] = torch.tensor([0.0, -0.3, 3.0])  # 2D off by 6 px, d off by 3
    tq, td, r = torch.zeros(1, 2, 2), torch.zeros(1, 2), torch.tensor([20.0])
    # smoothL1: |e| − 0.5 above 1, e²/2 below; α = 0.01, β = 1
    want = 0.01 * ((2 - 0.5) + (6 - 0.5)) + 1.0 * (0.5 ** 2 / 2 + (3 - 0.5))
    assert loss_3d(pred, tq, td, r).item() == pytest.approx(want, rel=1e-6)


def test_total_loss_is_equation_4():
    g = torch.Generator().manual_seed(0)
    parts, final = torch.randn(2, 4, 16, 3, generator=g), torch.randn(2, 21, 3, generator=g)
    joints = torch.stack([torch.arange(16) + (k > 0) for k in range(4)])
    tq, td, r = torch.randn(2, 21, 2, generator=g), torch.randn(2, 21, generator=g), torch.ones(2) * 9
    want = loss_3d(final, tq, td, r) + sum(
        loss_3d(parts[:, k], tq[:, joints[k]], td[:, joints[k]], r) for k in range(4)) / 4
    assert total_loss(parts, final, joints, tq, td, r).item() == pytest.approx(want.item(), rel=1e-6)


@pytest.fixture()
def errors(tmp_path):
    model = ErrorModel(np.full((2, 21), 0.1), np.full((2, 21), 0.2), np.full((2, 21), 0.1),
                       np.array([0.8, 0.9]))
    path = tmp_path / "errors.json"
    path.write_text(json.dumps({"error_model": model.to_json()}))
    return path


def _args(errors, ckpt, steps, extra=()):
    from training.train_lift import parse

    return parse(["--errors", str(errors), "--ckpt", str(ckpt), "--pool", "3000", "--heldout", "300",
                  "--batch", "64", "--eval-every", "10", "--threads", "1",
                  "--steps", *map(str, steps), *extra])


def test_tiny_run_lowers_the_loss_and_the_heldout_error(errors, tmp_path):
    from training.train_lift import train

    state = train(_args(errors, tmp_path / "ck", (40, 20, 20)))
    hist = state["history"]
    assert hist[-1]["loss"] < 0.7 * hist[0]["loss"]
    assert state["best_mm"] < hist[0]["all_mm"]


def test_resume_continues_the_same_run(errors, tmp_path):
    from training.train_lift import train

    straight = train(_args(errors, tmp_path / "a", (20, 10, 0)))
    train(_args(errors, tmp_path / "b", (20, 0, 0)))
    resumed = train(_args(errors, tmp_path / "b", (20, 10, 0), ["--resume"]))
    assert resumed["step"] == 30 and len(resumed["history"]) == 3
    for k, v in straight["best"].items():
        assert torch.allclose(v, resumed["best"][k], atol=1e-5), k
