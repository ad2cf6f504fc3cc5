"""The lifter's input normalisation."""

import numpy as np
import pytest

from hdr_live.lift.features import normalise, spread


def test_normalisation_is_invariant_to_crop_placement_and_scale():
    rng = np.random.default_rng(0)
    p, w, v = rng.normal(100, 20, (1, 21, 2)), rng.normal(0, 0.05, (1, 21, 3)), rng.random((1, 21)) < 0.5
    a = normalise(p, v, w, 256)
    b = normalise(3.0 * p + 17.0, v, 2.0 * w, 256)
    assert np.allclose(a.joints_norm, b.joints_norm, atol=1e-5)
    assert np.allclose(a.world_norm, b.world_norm, atol=1e-5)
    assert np.allclose(spread(a.joints_norm), 1.0, atol=1e-5)
    assert np.allclose(a.to_crop_px(a.joints_norm.astype(np.float64)), p, atol=1e-3)


def test_bad_shapes_and_values_raise():
    p, w, v = np.zeros((1, 21, 2)), np.zeros((1, 21, 3)), np.ones((1, 21))
    with pytest.raises(ValueError):
        normalise(p[:, :20], v, w, 256)
    with pytest.raises(ValueError):
        normalise(p * np.nan, v, w, 256)
    with pytest.raises(ValueError):
        normalise(p, v, w, 0)
    out = normalise(p, v, w, 256)  # collapsed joints: spread floored, no division by zero
    assert np.isfinite(out.joints_norm).all() and out.spread_px[0] > 0
