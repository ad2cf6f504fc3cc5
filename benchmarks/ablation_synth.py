"""HDR paper Table 5 ablation (#1, #2, #3, #8) on held-out synthetic two-hand samples.

Same SHPE (MediaPipe landmark network, no joint prior: first region = the whole crop, then
refined) on the target hand's crop made from ground-truth masks, four ways:
  #1 SHPE alone          the raw crop I_s
  #2 w/o removal         only M_D restored (the other hand stays)
  #3 w/o de-occlusion    only M_R restored (the other hand removed, the hidden part left)
  #8 full HDR            M_D and M_R restored
Prints 2D EPE (px, in the 256-px sample image) on the hands that SHPE finds (presence >= 0.5)
in all four variants, plus each variant's own found count, per restorer (inpainting baseline
and HDRNet).

Options closer to the running pipeline: ``--prior`` gives SHPE a tracker-like joint prior (the
ground truth degraded as HASM's training prior is, fixed seed; the same prior in all four
variants), as the pipeline gives it HASM's prior; ``--masks hasm`` builds the crops from the
learned HASM's predicted masks (from that degraded prior) instead of the ground-truth masks.

    python benchmarks/ablation_synth.py --data data/synth_v1 [--prior] [--masks hasm]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from hdr_live.eval2d import epe_px
from hdr_live.joints import Side
from hdr_live.geometry import apply_affine, invert_affine
from hdr_live.stages.builders import DEFAULT_HASM_WEIGHTS, DEFAULT_HDRM_WEIGHTS
from hdr_live.stages.hdrm import CropInputs, CropOptions, InpaintRestorerBaseline, Restorer, build_crop_inputs
from hdr_live.stages.shpe import MediaPipeLandmarkShpe
from hdr_live.types import Frame, HandCrop
from training.synth_dataset import open_split

VARIANTS = ("#1 SHPE alone", "#2 w/o removal", "#3 w/o de-occlusion", "#8 full HDR")


def _variant(inputs: CropInputs, name: str) -> CropInputs:
    none = np.zeros_like(inputs.m_d)
    if name == VARIANTS[0]:
        return dataclasses.replace(inputs, m_d=none, m_r=none)
    if name == VARIANTS[1]:
        return dataclasses.replace(inputs, m_r=none)
    if name == VARIANTS[2]:
        return dataclasses.replace(inputs, m_d=none)
    return inputs


def evaluate(samples, restorer: Restorer, shpe: MediaPipeLandmarkShpe, min_presence: float,
             use_prior: bool = False, hasm=None, seed: int = 7):
    """(N hands, 4) array of 2D EPE per variant, NaN where SHPE's presence < ``min_presence``.

    ``use_prior``: SHPE gets the degraded ground truth as its joint prior; ``hasm``: a
    (net, spec) pair whose predicted masks replace the ground-truth masks.
    """
    from hdr_live.stages.hasm_learned import predict_masks
    from training.hasm_data import PriorNoise, noisy_prior

    rng = np.random.default_rng(seed)
    noise = PriorNoise(missing_prob=0.0, swap_prob=0.0)
    rows = []
    for sample in samples:
        frame = Frame(sample.image, 0, 0.0)
        prior = noisy_prior(sample, rng, noise) if use_prior or hasm is not None else None
        masks = sample.masks if hasm is None else predict_masks(hasm[0], hasm[1], frame, prior)
        for side in Side:
            inputs = build_crop_inputs(frame, masks, side, False, CropOptions())
            if inputs is None:
                continue
            prior_crop = apply_affine(invert_affine(inputs.crop_to_frame), prior.get(side)) \
                if use_prior else None
            row = []
            for v in VARIANTS:
                ci = _variant(inputs, v)
                crop = HandCrop(side, restorer.restore(ci), ci.image_rgb, ci.crop_to_frame,
                                ci.mirrored, ci.m_d, ci.m_r, ci.target_visible)
                est = shpe.estimate(crop, prior_crop)
                row.append(epe_px(est.to_frame(crop)[0], sample.hand(side).joints_px)
                           if est.presence >= min_presence else np.nan)
            rows.append(row)
    return np.array(rows, dtype=np.float64)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path("data/synth_v1"))
    p.add_argument("--hdrm-weights", type=Path, default=DEFAULT_HDRM_WEIGHTS)
    p.add_argument("--min-presence", type=float, default=0.5)
    p.add_argument("--prior", action="store_true", help="SHPE gets a tracker-like joint prior")
    p.add_argument("--masks", choices=["gt", "hasm"], default="gt")
    p.add_argument("--hasm-weights", type=Path, default=DEFAULT_HASM_WEIGHTS)
    p.add_argument("--limit", type=int, help="only the first N held-out samples")
    args = p.parse_args()
    from hdr_live.stages.hasm_learned import load_mask_net
    from hdr_live.stages.hdrm_learned import load_hdrm

    _, val, info = open_split(args.data)
    val = val[:args.limit] if args.limit else val
    shpe = MediaPipeLandmarkShpe()
    hasm = load_mask_net(args.hasm_weights) if args.masks == "hasm" else None
    print(f"held-out synthetic samples: {len(val)} ({info['folder']}, seed {info['seed']}); "
          f"masks {args.masks}, SHPE prior {'degraded ground truth' if args.prior else 'none'}; "
          f"HDRNet {args.hdrm_weights}")
    for name, restorer in (("inpaint baseline", InpaintRestorerBaseline()),
                           ("HDRNet", load_hdrm(args.hdrm_weights))):
        res = evaluate(val, restorer, shpe, args.min_presence, args.prior, hasm)
        common = np.isfinite(res).all(axis=1)
        base = np.mean(res[common, 0])
        print(f"{name}: {len(res)} hands, {common.sum()} found in all four variants")
        for k, v in enumerate(VARIANTS):
            found = np.isfinite(res[:, k])
            mean = float(np.mean(res[common, k]))
            print(f"  {v:20s} 2D EPE on common hands {mean:6.2f} px "
                  f"({100 * (1 - mean / base):+5.1f}% vs #1); found {found.sum()}/{len(res)}, "
                  f"EPE over its own found hands {np.mean(res[found, k]):6.2f} px")


if __name__ == "__main__":
    main()
