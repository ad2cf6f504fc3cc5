"""Train the synthetic single-hand pose estimator (:mod:`hdr_live.stages.shpe.detnet`) used by the HDR
ablation (paper Table 5: "the same SHPE trained on the IH26M-SH set" — here, on the synthetic
single-hand targets I_o*).

Resumable: the run folder keeps ``checkpoint.pt`` (model, optimiser, step, RNG state),
``log.jsonl`` (losses, held-out 2D EPE and MPJPE) and ``views_{train,val}.npz`` (the cached
single-hand views). ``--export`` writes safetensors + metadata (config, data, steps, wall time,
metrics, sha256).

    python -m training.train_shpe --data data/synth_v1 data/synth_v2 --run runs/shpe --steps 4000
    python -m training.train_shpe --data data/synth_v1 data/synth_v2 --run runs/shpe \
        --export hdr_live/weights/shpe_synth_detnet.safetensors

Under torchrun (:mod:`training.distributed`) each of N processes trains on 1/N of every global
batch (``--batch`` a multiple of N) with synchronised BatchNorm; rank 0 builds the cached
views, evaluates and writes the checkpoint, log and export. L_heat and L_loc are means over each
rank's own valid joints / exact-3D examples, so a rank's weight in the averaged gradient is its
shard's (equal only when the shards hold as many of them).

    torchrun --standalone --nproc_per_node=2 -m training.train_shpe --data data/synth_v1 \
        --run-dir runs/shpe --steps 4000
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from hdr_live.eval2d import mpjpe_mm
from hdr_live.models.detnet import MODEL_KIND, DetNet, DetNetSpec, decode
from training.distributed import SINGLE, DistContext, run_in_context, trainer_parser
from training.run_folder import AdamWRun, read_spec
from training.shpe_data import HandViews, build_hand_views, make_batch
from training.shpe_detnet import detnet_loss


@dataclasses.dataclass(frozen=True)
class ShpeTrainConfig:
    """Optimisation settings (saved with the checkpoint and the exported weights).

    ``heat_weight`` scales L_heat (cross-entropy) against L_loc."""

    batch: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    total_steps: int = 4000
    eval_every: int = 250
    heat_weight: float = 1.0
    threads: int = 2
    seed: int = 0


def cached_views(path: Path, samples, spec: DetNetSpec, ctx: DistContext = SINGLE) -> HandViews:
    """The views of ``samples``, built once and kept in ``path`` (.npz). Under torchrun rank 0
    builds and writes them while the other ranks wait, then read the file."""
    if not ctx.is_main:
        ctx.barrier()
        return _read_views(path)
    if path.is_file():
        views = _read_views(path)
    else:
        views = build_hand_views(tqdm(samples, desc=f"views → {path.name}", mininterval=30.0),
                                 spec)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **dataclasses.asdict(views))
        tmp.replace(path)
    ctx.barrier()
    return views


def _read_views(path: Path) -> HandViews:
    """The views kept in ``path`` (.npz written by :func:`cached_views`)."""
    with np.load(path) as z:
        return HandViews(**{f.name: z[f.name] for f in dataclasses.fields(HandViews)})


def evaluate(model: DetNet, views: HandViews, spec: DetNetSpec) -> dict[str, float]:
    """Held-out errors on clean single-hand views, without jitter: 2D EPE in HDRM-crop pixels
    (256²) on whole-crop views (first pass) and on views around the true joints (second pass),
    and root-aligned MPJPE (mm, exact-3D hands) on the second-pass views; computed on the
    model's device."""
    device = next(model.parameters()).device
    model.eval()
    epe = {False: [], True: []}
    mpjpe = []
    with torch.inference_mode():
        for start in range(0, len(views), 64):
            idx = np.arange(start, min(start + 64, len(views)))
            x, _, rel_t, has_3d, joints = make_batch(views, idx, spec, None)
            heat, loc = (t.cpu() for t in model(torch.from_numpy(x).to(device)))
            for k, i in enumerate(idx):
                j2, rel = decode(heat[k].numpy(), loc[k].numpy(), spec)
                err = np.linalg.norm(j2 - joints[k], axis=1).mean()
                epe[bool(views.tight[i])].append(err * views.crop_px_per_view_px[i])
                if has_3d[k] and views.tight[i]:
                    mpjpe.append(mpjpe_mm(rel, rel_t[k] * spec.loc_scale_m * 1000.0))
    model.train()
    return {"epe_whole_crop_px": float(np.mean(epe[False])),
            "epe_tight_crop_px": float(np.mean(epe[True])), "mpjpe_tight_mm": float(np.mean(mpjpe)),
            "hands": len(epe[False]), "hands_3d": len(mpjpe)}


class ShpeRun(AdamWRun):
    """A resumable SHPE training run in a folder (:class:`training.run_folder.AdamWRun`:
    ``ShpeRun(folder, spec, cfg, init=None, ctx=SINGLE)``, checkpoint, log, ``--init``,
    export)."""

    network_type = DetNet
    config_type = ShpeTrainConfig
    model_kind = MODEL_KIND
    trainer = "training/train_shpe.py"

    def train_step(self, views: HandViews) -> dict[str, float]:
        """One optimiser step on a random jittered batch (this rank's shard of it under
        torchrun); returns the losses (averaged over the ranks)."""
        self.schedule_lr()
        idx = self.rng.integers(0, len(views), self.cfg.batch)
        x, heat_t, rel_t, has_3d, _ = make_batch(views, idx, self.spec, self.rng)
        x, heat_t, rel_t, has_3d = (self.ctx.to_local(torch.from_numpy(a))
                                    for a in (x, heat_t, rel_t, has_3d))
        heat, loc = self.net(x)
        l_heat, l_loc = detnet_loss(heat, loc, heat_t, rel_t, has_3d)
        loss = self.cfg.heat_weight * l_heat + l_loc
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.step += 1
        return self.ctx.mean_record({"l_heat": l_heat.detach(), "l_loc": l_loc.detach()})


def train(run: ShpeRun, train_views: HandViews, val_views: HandViews, until_step: int,
          max_minutes: float = float("inf"), log_every: int = 25) -> None:
    """Train from ``run.step`` to ``until_step`` or for ``max_minutes`` (then checkpoint),
    logging every ``log_every`` steps; under torchrun rank 0 evaluates.

    Raises:
        ValueError: under torchrun, ``cfg.batch`` is not a multiple of the process count.
    """
    ctx = run.ctx
    ctx.set_threads(run.cfg.threads)
    ctx.local_batch(run.cfg.batch)
    bar = tqdm(total=until_step, initial=run.step, unit="step", mininterval=30.0,
               disable=not ctx.is_main)
    t_start = time.monotonic()
    while run.step < until_step and not ctx.any_rank(
            time.monotonic() - t_start >= 60.0 * max_minutes):
        t0 = time.perf_counter()
        losses = run.train_step(train_views)
        run.wall_s += time.perf_counter() - t0
        bar.update(1)
        record = {"step": run.step, **{k: round(v, 5) for k, v in losses.items()},
                  "wall_s": round(run.wall_s, 1)}
        if run.step % run.cfg.eval_every == 0 or run.step == until_step:
            record["val"] = evaluate(run.model, val_views, run.spec) if ctx.is_main else None
            run.save()
            if ctx.is_main:
                tqdm.write(f"step {run.step}: {record['val']}")
        if run.step % log_every == 0 or "val" in record:
            run.log(record)
    run.save()
    bar.close()


def export(run: ShpeRun, out: Path, val_views: HandViews, data_info: dict) -> dict:
    """Write the weights (float16) and metadata; returns the metrics (measured in float32)."""
    metrics = evaluate(run.model, val_views, run.spec)
    run.write_weights(out, {"val_clean_single_hand": metrics}, float16=True, data=data_info,
                      trained_on="single-hand targets I_o* of the synthetic train split: HDRM "
                                 "crops from ground-truth masks (whole) and upright regions "
                                 "around the joints, random similarity jitter")
    return metrics


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring); under torchrun, one process of the run."""
    run_in_context(_run_command, argv)


def _run_command(argv: list[str] | None, ctx: DistContext) -> None:
    """Parse ``argv`` and train or export in the process ``ctx``."""
    from training.synth_dataset import open_splits

    p = trainer_parser(__doc__, "training.train_shpe", "run folder (checkpoint, log, crops)")
    p.add_argument("--steps", type=int, default=ShpeTrainConfig.total_steps,
                   help="train until this step (resumes)")
    p.add_argument("--total-steps", type=int, default=ShpeTrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--lr", type=float, default=ShpeTrainConfig.lr, help="peak learning rate")
    p.add_argument("--batch", type=int, default=ShpeTrainConfig.batch,
                   help="global batch (all processes together)")
    p.add_argument("--log-every", type=int, default=25, help="log the losses every this many steps")
    p.add_argument("--init", type=Path, help="start a new run from this run's model weights")
    p.add_argument("--views-from", type=Path,
                   help="reuse this run folder's cached views (same data and spec)")
    p.add_argument("--max-minutes", type=float, default=float("inf"))
    p.add_argument("--spec", type=Path, help="network spec JSON (default: DetNetSpec())")
    p.add_argument("--export", type=Path, help="write weights here and stop")
    args = p.parse_args(argv)
    spec = DetNetSpec() if args.spec is None else read_spec(args.spec, DetNetSpec.from_json)
    train_set, val_set, data_info = open_splits(args.data, cache=False)
    cfg = ShpeTrainConfig(batch=args.batch, total_steps=args.total_steps, lr=args.lr)
    if args.export:  # rank 0 alone, on the CPU
        if ctx.is_main:
            run = ShpeRun(args.run, spec, cfg, init=args.init)
            views_dir = run.folder if args.views_from is None else args.views_from
            val_views = cached_views(views_dir / "views_val.npz", val_set, spec)
            print(json.dumps(export(run, args.export, val_views, data_info), indent=2))
        ctx.barrier()
        return
    run = ShpeRun(args.run, spec, cfg, init=args.init, ctx=ctx)
    views_dir = run.folder if args.views_from is None else args.views_from
    val_views = cached_views(views_dir / "views_val.npz", val_set, spec, ctx)
    train_views = cached_views(views_dir / "views_train.npz", train_set, spec, ctx)
    train(run, train_views, val_views, args.steps, args.max_minutes, args.log_every)


if __name__ == "__main__":
    main()
