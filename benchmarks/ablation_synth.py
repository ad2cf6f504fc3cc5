"""HDR paper Table 5 ablation (#1, #2, #3, #8) on held-out synthetic two-hand samples.

The same SHPE on the target hand's crop made from ground-truth masks, four ways:
  #1 SHPE alone          the raw crop I_s
  #2 w/o removal         only M_D restored (the other hand stays)
  #3 w/o de-occlusion    only M_R restored (the other hand removed, the hidden part left)
  #8 full HDR            M_D and M_R restored
per restorer (inpainting baseline and HDRNet). Prints 2D EPE (px, in the 256-px sample image)
and root-aligned MPJPE (mm, rendered hands whose 3D joints are exact) on the hands the SHPE
finds in all four variants, plus each variant's own found count.

SHPEs (``--shpe``):
  detnet     the synthetic DetNet-style SHPE trained on single-hand targets I_o*
             (``training/train_shpe.py``), as the paper's ablation uses an SHPE trained on
             single hands (IH26M-SH); it scores every hand (no presence threshold).
  mediapipe  the pipeline's SHPE (MediaPipe landmark network, no joint prior: first region =
             the whole crop, then refined); a hand counts when presence >= 0.5.

Options closer to the running pipeline: ``--prior`` gives SHPE a tracker-like joint prior (the
ground truth degraded as HASM's training prior is, fixed seed; the same prior in all four
variants), as the pipeline gives it HASM's prior; ``--masks hasm`` builds the crops from the
learned HASM's predicted masks (from that degraded prior) instead of the ground-truth masks.

    python benchmarks/ablation_synth.py --data data/synth_v1 --shpe detnet [--masks hasm]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from hdr_live.eval2d import epe_px, mpjpe_mm
from hdr_live.joints import Side
from hdr_live.geometry import apply_affine, invert_affine
from hdr_live.config import DEFAULT_HASM_WEIGHTS, DEFAULT_HDRM_WEIGHTS
from hdr_live.weights import WEIGHTS_DIR
from hdr_live.stages.hdrm.masks import CropInputs, CropOptions, build_crop_inputs
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.stages.hdrm.stage import Restorer
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
from hdr_live.types import Frame, HandCrop
from hdr_live.stages.shpe.detnet import load_detnet

DEFAULT_DETNET_WEIGHTS = WEIGHTS_DIR / "shpe_synth_detnet.safetensors"
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


@dataclasses.dataclass(frozen=True)
class AblationErrors:
    """Per-hand errors of the four variants.

    Attributes:
        epe_px: (N hands, 4) 2D EPE in sample-image pixels; NaN where SHPE found no hand.
        mpjpe_mm: (N hands, 4) root-aligned MPJPE in mm; NaN where not found or the hand's 3D
            joints are not exact (pasted hands).
    """

    epe_px: np.ndarray
    mpjpe_mm: np.ndarray


def evaluate(samples, restorer: Restorer, shpe, min_presence: float,
             use_prior: bool = False, hasm=None, seed: int = 7,
             crop_options: CropOptions = CropOptions()) -> AblationErrors:
    """The four variants' errors on both hands of every sample.

    ``shpe``: anything with ``estimate(crop, prior_crop) -> CropPose``; ``use_prior``: SHPE gets
    the degraded ground truth as its joint prior; ``hasm``: a (net, spec) pair whose predicted
    masks replace the ground-truth masks.
    """
    from hdr_live.stages.hasm.learned import predict_masks
    from training.hasm_data import PriorNoise, noisy_prior

    rng = np.random.default_rng(seed)
    noise = PriorNoise(missing_prob=0.0, swap_prob=0.0, misplaced_prob=0.0)
    epe, mpjpe = [], []
    for sample in samples:
        frame = Frame(sample.image, 0, 0.0)
        prior = noisy_prior(sample, rng, noise) if use_prior or hasm is not None else None
        masks = sample.masks if hasm is None else predict_masks(hasm[0], hasm[1], frame, prior)
        for side in Side:
            inputs = build_crop_inputs(frame, masks, side, False, crop_options)
            if inputs is None:
                continue
            truth = sample.hand(side)
            prior_crop = apply_affine(invert_affine(inputs.crop_to_frame), prior.get(side)) \
                if use_prior else None
            e_row, m_row = [], []
            for v in VARIANTS:
                ci = _variant(inputs, v)
                crop = HandCrop(side, restorer.restore(ci), ci.image_rgb, ci.crop_to_frame,
                                ci.mirrored, ci.m_d, ci.m_r, ci.target_visible)
                est = shpe.estimate(crop, prior_crop)
                if est.presence < min_presence:
                    e_row.append(np.nan)
                    m_row.append(np.nan)
                    continue
                joints_px, rel_m = est.to_frame(crop)
                e_row.append(epe_px(joints_px, truth.joints_px))
                m_row.append(mpjpe_mm(rel_m, truth.joints_cam_m * 1000.0)
                             if truth.joints_3d_exact else np.nan)
            epe.append(e_row)
            mpjpe.append(m_row)
    return AblationErrors(np.array(epe, dtype=np.float64), np.array(mpjpe, dtype=np.float64))


def report(name: str, errors: AblationErrors) -> None:
    """Print the variants' mean errors on the hands found in all four."""
    common = np.isfinite(errors.epe_px).all(axis=1)
    common_3d = common & np.isfinite(errors.mpjpe_mm).all(axis=1)
    base = np.mean(errors.epe_px[common, 0])
    base_3d = np.mean(errors.mpjpe_mm[common_3d, 0])
    n = len(errors.epe_px)
    print(f"{name}: {n} hands, {common.sum()} found in all four variants "
          f"({common_3d.sum()} with exact 3D)")
    for k, v in enumerate(VARIANTS):
        found = np.isfinite(errors.epe_px[:, k])
        mean = float(np.mean(errors.epe_px[common, k]))
        mean_3d = float(np.mean(errors.mpjpe_mm[common_3d, k]))
        print(f"  {v:20s} 2D EPE {mean:6.2f} px ({100 * (mean / base - 1):+5.1f}% vs #1), "
              f"MPJPE {mean_3d:6.1f} mm ({100 * (mean_3d / base_3d - 1):+5.1f}%); "
              f"found {found.sum()}/{n}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", default=[Path("data/synth_v1")])
    p.add_argument("--shpe", choices=["detnet", "mediapipe"], default="detnet")
    p.add_argument("--shpe-weights", type=Path, default=DEFAULT_DETNET_WEIGHTS)
    p.add_argument("--hdrm-weights", type=Path, default=DEFAULT_HDRM_WEIGHTS)
    p.add_argument("--min-presence", type=float,
                   help="presence threshold (default 0.5 for mediapipe, none for detnet)")
    p.add_argument("--prior", action="store_true", help="SHPE gets a tracker-like joint prior")
    p.add_argument("--masks", choices=["gt", "hasm"], default="gt")
    p.add_argument("--hasm-weights", type=Path, default=DEFAULT_HASM_WEIGHTS)
    p.add_argument("--limit", type=int, help="only the first N held-out samples")
    p.add_argument("--removal-grow-px", type=int, default=CropOptions().removal_grow_px,
                   help="grow the other hand's visible mask by this many crop pixels before M_R")
    args = p.parse_args()
    from hdr_live.stages.hasm.learned import load_mask_net
    from hdr_live.stages.hdrm.learned import load_hdrm
    from training.synth_dataset import open_splits

    _, val, info = open_splits(args.data)
    val = val[:args.limit] if args.limit else val
    if args.shpe == "detnet":
        shpe, min_presence = load_detnet(args.shpe_weights), args.min_presence or 0.0
    else:
        shpe = MediaPipeLandmarkShpe()
        min_presence = 0.5 if args.min_presence is None else args.min_presence
    hasm = load_mask_net(args.hasm_weights) if args.masks == "hasm" else None
    print(f"held-out synthetic samples: {len(val)} ({info}); SHPE {shpe.name}; masks "
          f"{args.masks} (M_ov grown {args.removal_grow_px} px), SHPE prior "
          f"{'degraded ground truth' if args.prior else 'none'}; "
          f"HDRNet {args.hdrm_weights}")
    for name, restorer in (("inpaint baseline", InpaintRestorerBaseline()),
                           ("HDRNet", load_hdrm(args.hdrm_weights))):
        report(name, evaluate(val, restorer, shpe, min_presence, args.prior, hasm,
                              crop_options=CropOptions(removal_grow_px=args.removal_grow_px)))


if __name__ == "__main__":
    main()
