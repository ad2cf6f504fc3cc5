"""Train PSJNet + EN (seed 003 §2.2, steps 2–4; step 1, the 2D generator, is the frozen SHPE).

Steps (global step counter): ``[0, s2)`` step 2, PSJNet + its FEs on Σ_k L_PSJ,k;
``[s2, s2 + s3)`` step 3, EN + its FE on L_EN with PSJNet frozen; then step 4, everything on
L_total (eq. 4) for at most ``s4`` steps, stopped early when the held-out synthetic root-aligned
MPJPE has not improved for ``patience`` evaluations. The best held-out EN model is exported
(safetensors + metadata + ONNX twin) to ``--weights``.

Batches are synthetic (:mod:`training.lift_data`, degraded by the error model that
:mod:`training.shpe_errors` measured) with a share of the real SHPE's recorded outputs. Batch
``i`` is drawn from ``default_rng([seed, i])``, so ``--resume`` (from ``CKPT/last.pt``) continues
the same run. Usage::

    nice .venv/bin/python -m training.train_lift --errors /tmp/lift_shpe/errors.json \\
        --records /tmp/lift_shpe/records.npz --ckpt /tmp/lift_ckpt [--resume]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import time

import numpy as np
import torch
from tqdm import tqdm

from hdr_live.lift.psjnet import PsjNetEn
from training.lift_batches import (
    LiftBatch,
    concat,
    mpjpe,
    records_batch,
    shpe_baseline,
    synthetic_batch,
)
from training.lift_data import clean_hands
from training.lift_degrade import ErrorModel
from training.lift_losses import loss_3d, psj_loss, total_loss
from training.shpe_errors import ShpeRecords


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The CLI options (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--errors", type=pathlib.Path, required=True, help="shpe_errors errors.json")
    p.add_argument("--records", type=pathlib.Path, default=None, help="shpe_errors records.npz")
    p.add_argument("--ckpt", type=pathlib.Path, required=True)
    p.add_argument("--weights", type=pathlib.Path, default=None, help="export the best model here")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--pool", type=int, default=200_000, help="clean training hands")
    p.add_argument("--heldout", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--real-share", type=float, default=0.1)
    p.add_argument("--steps", type=int, nargs=3, default=(2500, 1200, 4000), metavar=("S2", "S3", "S4"))
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--eval-every", type=int, default=400)
    p.add_argument("--patience", type=int, default=4)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (2 stalls badly when the other core is busy)")
    return p.parse_args(argv)


def tensors(batch: LiftBatch) -> tuple[torch.Tensor, ...]:
    """(q, world, vis, target_q, target_d, spread_px) float32 tensors of a batch."""
    i = batch.inputs
    return tuple(torch.from_numpy(np.ascontiguousarray(a, np.float32)) for a in (
        i.joints_norm, i.world_norm, i.visible, batch.target_q, batch.truth.rel_depth, i.spread_px))


def predict(model: PsjNetEn, batch: LiftBatch) -> tuple[np.ndarray, np.ndarray]:
    """EN output of ``batch`` as (crop px (B, 21, 2), d (B, 21))."""
    q, w, v = tensors(batch)[:3]
    with torch.inference_mode():
        out = model(q, w, v).numpy().astype(np.float64)
    return batch.inputs.to_crop_px(out[..., :2]), out[..., 2]


def stage_of(step: int, steps: tuple[int, int, int]) -> int:
    """Seed 003 §2.2 training step (2, 3 or 4) of global step ``step``."""
    return 2 if step < steps[0] else 3 if step < steps[0] + steps[1] else 4


def optimiser(model: PsjNetEn, stage: int, lr: float) -> torch.optim.Optimizer:
    """Adam over the parameters trained in ``stage`` (others frozen)."""
    for p in model.branches.parameters():
        p.requires_grad_(stage != 3)
    for p in list(model.en.parameters()) + list(model.en_fe.parameters()):
        p.requires_grad_(stage != 2)
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad],
                            lr=lr * (0.5 if stage == 4 else 1.0))


class Data:
    """The training pool, the held-out sets and the batch sampler."""

    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.errors = ErrorModel.from_json(json.loads(a.errors.read_text())["error_model"])
        self.pool = clean_hands(a.pool, a.seed)
        held = clean_hands(a.heldout, a.seed + 1_000_003)
        self.heldout = synthetic_batch(held, self.errors, np.random.default_rng([a.seed, 0xE7A1]))
        self.rec = ShpeRecords.load(a.records) if a.records else None
        ok = self.rec.found if self.rec is not None else None
        self.rec_train = np.flatnonzero(ok & ~self.rec.val) if ok is not None else np.zeros(0, int)
        self.rec_val = records_batch(self.rec, np.flatnonzero(ok & self.rec.val)) \
            if ok is not None else None

    def batch(self, step: int) -> LiftBatch:
        """Training batch ``step`` (deterministic)."""
        rng = np.random.default_rng([self.a.seed, step])
        n_real = round(self.a.batch * self.a.real_share) if len(self.rec_train) else 0
        syn = synthetic_batch(self.pool.take(rng.integers(0, len(self.pool.joints_px),
                                                          self.a.batch - n_real)), self.errors, rng)
        if n_real == 0:
            return syn
        return concat(syn, records_batch(self.rec, rng.choice(self.rec_train, n_real)))


def train(a: argparse.Namespace) -> dict:
    """Run or resume; returns the final state dict of the run's bookkeeping."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    data = Data(a)
    model = PsjNetEn()
    a.ckpt.mkdir(parents=True, exist_ok=True)
    last = a.ckpt / "last.pt"
    state = {"step": 0, "best_mm": float("inf"), "best_step": -1, "best": None, "history": [],
             "wall_s": 0.0, "bad_evals": 0}
    opt_state = None
    if a.resume and last.is_file():
        ck = torch.load(last, weights_only=False)
        model.load_state_dict(ck["model"])
        state, opt_state = ck["state"], ck["opt"]
        print(f"resumed at step {state['step']} (best {state['best_mm']:.1f} mm)")
    total = sum(a.steps)
    stage = stage_of(state["step"], a.steps)
    opt = optimiser(model, stage, a.lr)
    if opt_state is not None and opt_state["stage"] == stage:
        opt.load_state_dict(opt_state["opt"])
    joints = torch.stack([br.joints for br in model.branches])
    t0, wall0 = time.time(), state["wall_s"]
    bar = tqdm(total=total, initial=state["step"], desc="lift")
    while state["step"] < total and state["bad_evals"] < a.patience:
        step = state["step"]
        if stage_of(step, a.steps) != stage:
            stage = stage_of(step, a.steps)
            opt = optimiser(model, stage, a.lr)
        model.train()
        q, w, v, tq, td, r = tensors(data.batch(step))
        parts, final = model.forward_all(q, w, v)
        if stage == 2:
            loss = psj_loss(parts, joints, tq, td, r)
        elif stage == 3:
            loss = loss_3d(model.merge(parts.detach(), q, w, v), tq, td, r)
        else:
            loss = total_loss(parts, final, joints, tq, td, r)
        opt.zero_grad()
        loss.backward()
        opt.step()
        state["step"] = step + 1
        bar.update(1)
        bar.set_postfix(stage=stage, loss=f"{loss.item():.3f}")
        if state["step"] % a.eval_every == 0 or state["step"] == total:
            model.eval()
            m = mpjpe(data.heldout, *predict(model, data.heldout))
            state["history"].append({"step": state["step"], "stage": stage, "loss": loss.item(),
                                     **dataclasses.asdict(m)})
            tqdm.write(f"step {state['step']} stage {stage} held-out MPJPE {m.all_mm:.1f} mm "
                       f"(small {m.small_mm:.1f}, severe {m.severe_mm:.1f})")
            if stage >= 3 and m.all_mm < state["best_mm"]:
                state.update(best_mm=m.all_mm, best_step=state["step"], bad_evals=0,
                             best={k: t.clone() for k, t in model.state_dict().items()})
            elif stage == 4:
                state["bad_evals"] += 1
            state["wall_s"] = wall0 + time.time() - t0
            torch.save({"model": model.state_dict(), "state": state,
                        "opt": {"stage": stage, "opt": opt.state_dict()}}, last)
    bar.close()
    state["wall_s"] = wall0 + time.time() - t0
    if state["best"] is not None:
        model.load_state_dict(state["best"])
    model.eval()
    report = evaluate(model, data)
    print(json.dumps(report, indent=2))
    if a.weights is not None:
        from training.lift_export import export
        export(model, a, data, state, report)
    return state


def evaluate(model: PsjNetEn, data: Data) -> dict:
    """Held-out metrics of ``model`` and of the SHPE inputs alone (synthetic and recorded)."""
    out = {"heldout_synthetic": dataclasses.asdict(mpjpe(data.heldout, *predict(model, data.heldout))),
           "heldout_synthetic_shpe_input": dataclasses.asdict(shpe_baseline(data.heldout))}
    if data.rec_val is not None:
        out["recorded_shpe_val"] = dataclasses.asdict(mpjpe(data.rec_val, *predict(model, data.rec_val)))
        out["recorded_shpe_val_shpe_input"] = dataclasses.asdict(shpe_baseline(data.rec_val))
    return out


def main(argv: list[str] | None = None) -> None:
    """CLI entry point."""
    train(parse(argv))


if __name__ == "__main__":
    main()
