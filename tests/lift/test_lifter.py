"""Lifter.load is strict (errors name the path); lift() runs the ONNX twin like torch does."""

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hdr_live.lift.features import MIN_SPREAD_FRACTION, normalise
from hdr_live.lift.lifter import SPEC_NORMALISATION, LiftedPose, Lifter
from hdr_live.lift.psjnet import MODEL_KIND, PsjNetEn
from hdr_live.weights import WeightsError, write_weights


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from training.lift_export import export_onnx

    torch.manual_seed(0)
    model = PsjNetEn().eval()
    path = tmp_path_factory.mktemp("lift") / "lift.safetensors"
    export_onnx(model, path.with_suffix(".onnx"))
    from hdr_live.weights import sha256_of

    write_weights(model, path, MODEL_KIND, {
        "spec": {"normalisation": SPEC_NORMALISATION, "min_spread_fraction": MIN_SPREAD_FRACTION},
        "onnx_sha256": sha256_of(path.with_suffix(".onnx"))})
    return model, path


def _copy(path, tmp_path):
    for suffix in (".safetensors", ".json", ".onnx"):
        shutil.copy(path.with_suffix(suffix), tmp_path / ("w" + suffix))
    return tmp_path / "w.safetensors"


def _hand(seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(128, 25, (21, 2)), rng.random(21) > 0.3, rng.normal(0, 0.04, (21, 3)))


def test_model_kind_is_the_same_on_both_sides():
    from hdr_live.lift import lifter

    assert lifter.MODEL_KIND == MODEL_KIND


def test_lift_matches_the_torch_model(saved):
    model, path = saved
    lifter = Lifter.load(path)
    px, vis, world = _hand(1)
    out = lifter.lift(px, vis, world, 256)
    assert isinstance(out, LiftedPose)
    assert out.joints_crop_px.shape == (21, 2) and out.rel_depth.shape == (21,)
    assert out.joints_crop_px.dtype == np.float64 and out.rel_depth.dtype == np.float64
    inp = normalise(px[None], vis[None], world[None], 256)
    with torch.inference_mode():
        ref = model(*(torch.from_numpy(a) for a in (inp.joints_norm, inp.world_norm, inp.visible)))
    ref = ref.numpy().astype(np.float64)
    assert np.abs(out.rel_depth - ref[0, :, 2]).max() < 1e-4
    assert np.abs(out.joints_crop_px - inp.to_crop_px(ref[..., :2])[0]).max() < 1e-2


def test_missing_files_raise_naming_the_path(saved, tmp_path):
    _, path = saved
    with pytest.raises(WeightsError, match="nowhere.safetensors"):
        Lifter.load(tmp_path / "nowhere.safetensors")
    w = _copy(path, tmp_path)
    w.with_suffix(".onnx").unlink()
    with pytest.raises(WeightsError, match=str(w.with_suffix(".onnx"))):
        Lifter.load(w)


@pytest.mark.parametrize("suffix", [".safetensors", ".onnx"])
def test_corrupt_files_raise_naming_the_path(saved, tmp_path, suffix):
    _, path = saved
    w = _copy(path, tmp_path)
    bad = w.with_suffix(suffix)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=str(bad)):
        Lifter.load(w)


def test_other_normalisation_or_kind_is_refused(saved, tmp_path):
    _, path = saved
    w = _copy(path, tmp_path)
    meta = json.loads(w.with_suffix(".json").read_text())
    meta["spec"]["normalisation"] = "something else"
    w.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match=str(w)):
        Lifter.load(w)
    meta["model"] = "hasm"
    w.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match="expected 'lift-psjnet-en'"):
        Lifter.load(w)


def test_bad_inputs_raise_value_error(saved):
    lifter = Lifter.load(saved[1])
    px, vis, world = _hand(2)
    with pytest.raises(ValueError):
        lifter.lift(px[:20], vis, world, 256)
    with pytest.raises(ValueError):
        lifter.lift(px * np.nan, vis, world, 256)
