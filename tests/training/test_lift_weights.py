"""The bundled lifter (hdr_live/weights/lift_psjnet.*) on freshly generated hands.

Bound: on hands the training never saw (another seed), degraded by the error model recorded in
the weights' own metadata, the root-aligned MPJPE must stay within 30 % of the held-out figure
stored in the metadata (300 hands: the sampling spread of the mean is a few per cent) and below
the MPJPE of the SHPE inputs alone on the same hands (the lifter must help, seed 003 Table 2).
"""

import time

import numpy as np
import pytest

from hdr_live.lift.lifter import DEFAULT_LIFT_WEIGHTS, Lifter
from hdr_live.weights import read_metadata
from training.lift_batches import root_aligned_mm, shpe_baseline, synthetic_batch
from training.lift_data import CROP_PX, clean_hands
from training.lift_degrade import ErrorModel


@pytest.fixture(scope="module")
def meta():
    return read_metadata(DEFAULT_LIFT_WEIGHTS, "lift-psjnet-en")


def test_bundled_lifter_gives_plausible_poses(meta):
    errors = ErrorModel.from_json(meta["provenance"]["shpe_error_stats"]["error_model"])
    batch = synthetic_batch(clean_hands(300, seed=777), errors, np.random.default_rng(0))
    lifter = Lifter.load()
    px, d = np.zeros((300, 21, 2)), np.zeros((300, 21))
    for i in range(300):
        out = lifter.lift(batch.shpe_px[i], batch.visible[i], batch.shpe_rel_m[i], CROP_PX)
        px[i], d[i] = out.joints_crop_px, out.rel_depth
    got = float(root_aligned_mm(batch.truth, px, d).mean())
    assert got < 1.3 * meta["metrics"]["heldout_synthetic"]["all_mm"]
    assert got < shpe_baseline(batch).all_mm
    assert np.abs(d).max() < 10  # keybone lengths: a hand spans about ±4 keybones in depth


def test_single_call_cost_is_about_a_millisecond():
    lifter = Lifter.load()
    rng = np.random.default_rng(1)
    args = (rng.normal(128, 25, (21, 2)), rng.random(21) > 0.5, rng.normal(0, 0.04, (21, 3)), 256)
    for _ in range(20):
        lifter.lift(*args)
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        lifter.lift(*args)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.02  # generous for a shared CPU; ~1 ms measured (metadata)
