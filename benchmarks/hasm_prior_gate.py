"""How well HASM's own masks tell a true prior from a misplaced one (held-out synthetic data).

For every held-out sample, both hands get a prior degraded as in HASM's training (no missing
or swapped hands) and HASM predicts the masks; a hand's score is its amodal area near its prior
in squared hand sizes (``hdr_live.stages.hasm.learned.amodal_area_near_prior``), the quantity
``LearnedHasmOptions.min_primed_area`` thresholds. Then the left prior is moved off both hands
(``training.hasm_data.misplace_prior``, as a detector's false positive on a face, body, sleeve or
the background) and scored again.
Prints both distributions and, per threshold, the share of true hands kept and of misplaced
priors rejected. The pipeline's threshold is chosen here, never on the real footage.

    python benchmarks/hasm_prior_gate.py --data data/synth_v1 data/synth_v2 [--weights W]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from hdr_live.joints import Side
from hdr_live.config import DEFAULT_HASM_WEIGHTS
from hdr_live.stages.hasm.learned import (LearnedHasmOptions, amodal_area_near_prior,
                                         load_mask_net, predict_masks)
from hdr_live.types import Frame, Hands
from training.hasm_data import PriorNoise, degrade_joints, misplace_prior
from training.synth_dataset import open_splits

THRESHOLDS = (0.1, 0.25, 0.5, 0.75, 1.0)


def amodal_area_scores(weights: Path, data: list[Path],
                       seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """(true-hand scores, misplaced-prior scores): amodal area near the prior / hand size²,
    float64 arrays."""
    net, spec = load_mask_net(weights)
    _, val, _ = open_splits(data)
    noise = dataclasses.replace(PriorNoise(), missing_prob=0.0, swap_prob=0.0, misplaced_prob=0.0)
    no_gate = LearnedHasmOptions(min_primed_area=0.0)
    rng = np.random.default_rng(seed)
    true_scores, misplaced_scores = [], []
    for i in range(len(val)):
        sample = val[i]
        frame = Frame(sample.image, i, 0.0)
        prior = Hands(right=degrade_joints(sample.right.joints_px, rng, noise),
                      left=degrade_joints(sample.left.joints_px, rng, noise))
        masks = predict_masks(net, spec, frame, prior, no_gate)
        for side in (Side.RIGHT, Side.LEFT):
            if sample.hand(side).visible.sum() >= 20:  # the hand is in the image
                true_scores.append(amodal_area_near_prior(masks, side, prior.get(side)))
        moved = misplace_prior(prior.left, sample, rng)
        if moved is not None:
            masks = predict_masks(net, spec, frame, Hands(right=prior.right, left=moved), no_gate)
            misplaced_scores.append(amodal_area_near_prior(masks, Side.LEFT, moved))
    return np.array(true_scores), np.array(misplaced_scores)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", required=True)
    p.add_argument("--weights", type=Path, default=DEFAULT_HASM_WEIGHTS)
    args = p.parse_args()
    true_scores, misplaced = amodal_area_scores(args.weights, args.data)
    print(f"weights {args.weights}")
    print(f"true primed hands: n={len(true_scores)}, percentiles 1/5/50: "
          f"{np.percentile(true_scores, [1, 5, 50]).round(3).tolist()}")
    print(f"misplaced priors: n={len(misplaced)}, percentiles 50/80/95: "
          f"{np.percentile(misplaced, [50, 80, 95]).round(3).tolist()}")
    current = LearnedHasmOptions().min_primed_area
    for t in sorted(set(THRESHOLDS) | {current}):
        mark = "  <- min_primed_area" if t == current else ""
        print(f"threshold {t:.2f}: true hands kept {np.mean(true_scores >= t):.3f}, "
              f"misplaced priors rejected {np.mean(misplaced < t):.3f}{mark}")


if __name__ == "__main__":
    main()
