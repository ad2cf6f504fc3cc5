"""Export a trained PSJNet + EN: ONNX twin (dynamic batch) + safetensors + metadata JSON.

The metadata (``hdr_live.weights`` format) holds the model kind, the spec the inference side
checks (input normalisation, sizes), the provenance (data, error model, seed, steps, wall time),
the held-out metrics and the ONNX file's sha256 (``onnx_sha256``).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import time

import numpy as np
import torch

from hdr_live.lift.features import MIN_SPREAD_FRACTION, normalise
from hdr_live.lift.lifter import SPEC_NORMALISATION
from hdr_live.lift.psjnet import FE_HIDDEN, HIDDEN, LAYERS, MODEL_KIND, PsjNetEn
from hdr_live.weights import sha256_of, write_weights
from training.lift_losses import ALPHA, BETA


def export_onnx(model: PsjNetEn, path: pathlib.Path, opset: int = 17) -> pathlib.Path:
    """Write the EN output graph: inputs q (B, 21, 2), world (B, 21, 3), vis (B, 21) float32,
    output pose (B, 21, 3) float32; B is dynamic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = (torch.zeros(1, 21, 2), torch.zeros(1, 21, 3), torch.ones(1, 21))
    with torch.inference_mode():
        torch.onnx.export(model.eval(), args, str(path), input_names=["q", "world", "vis"],
                          output_names=["pose"], opset_version=opset, dynamo=False,
                          dynamic_axes={n: {0: "batch"} for n in ("q", "world", "vis", "pose")})
    return path


def architecture() -> dict:
    """Sizes recorded in the metadata spec."""
    return {"branches": 4, "branch_joints": 16, "hidden": HIDDEN, "layers": LAYERS,
            "fe_hidden": FE_HIDDEN, "alpha": ALPHA, "beta": BETA}


def single_call_ms(onnx_path: pathlib.Path, calls: int = 300) -> float:
    """Median wall time (ms) of one hand's normalisation + ONNX Runtime run on 1 thread."""
    from hdr_live.models.onnx_export import cpu_session

    session = cpu_session(onnx_path, threads=1)
    rng = np.random.default_rng(0)
    px, vis, world = rng.normal(128, 25, (1, 21, 2)), rng.random((1, 21)) > 0.5, rng.normal(0, .04, (1, 21, 3))
    times = []
    for i in range(calls + 20):
        t0 = time.perf_counter()
        inp = normalise(px, vis, world, 256)
        session.run(None, {"q": inp.joints_norm, "world": inp.world_norm, "vis": inp.visible})
        times.append(time.perf_counter() - t0)
    return float(1e3 * np.median(times[20:]))


def export(model: PsjNetEn, a: argparse.Namespace, data, state: dict, report: dict) -> None:
    """ONNX + weights + metadata for a finished run (see the module docstring)."""
    weights = pathlib.Path(a.weights)
    onnx_path = export_onnx(model, weights.with_suffix(".onnx"))
    errors = json.loads(pathlib.Path(a.errors).read_text())
    no_prior = pathlib.Path(a.errors).with_name("errors_noprior.json")
    if no_prior.is_file():  # the same measurement without a joint prior (whole-crop search)
        errors["summary_without_prior"] = json.loads(no_prior.read_text())["summary"]
    meta = {
        "spec": {"normalisation": SPEC_NORMALISATION, "min_spread_fraction": MIN_SPREAD_FRACTION,
                 "crop_px": 256, **architecture()},
        "provenance": {
            "paper": "Ishii et al., Occlusion-Robust 3D Hand Pose Estimation from a Single RGB "
                     "Image (seed 003): PSJNet + EN, steps 2-4",
            "data": f"training.lift_data.clean_hands(pool={a.pool}, seed={a.seed}); held-out "
                    f"{a.heldout} hands with seed {a.seed + 1_000_003}; real-SHPE share "
                    f"{a.real_share} from {a.records}",
            "shpe_error_stats": errors, "seed": a.seed, "steps": list(a.steps),
            "steps_run": state["step"], "best_step": state["best_step"], "batch": a.batch,
            "lr": a.lr, "threads": a.threads, "wall_time_s": round(state["wall_s"], 1),
            "host": platform.processor() or platform.machine(),
            "history": state["history"]},
        "metrics": {**report, "single_call_ms_median": round(single_call_ms(onnx_path), 3)},
        "onnx_sha256": sha256_of(onnx_path),
    }
    write_weights(model, weights, MODEL_KIND, meta)
