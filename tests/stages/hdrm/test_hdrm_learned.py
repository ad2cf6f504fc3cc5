"""Learned HDRM pieces: partial convolution, HDRNet, strict weights, ONNX, restorer (the
training losses: tests/training/test_hdrm_losses.py)."""

import dataclasses
import json

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from hdr_live.joints import Side
from hdr_live.models.hdrnet import (MODEL_KIND, HdrmSpec, HdrNet, PartialConv2d,
                                    export_hdrnet_onnx, make_network_input)
from hdr_live.stages.hdrm.masks import CropInputs
from hdr_live.stages.hdrm.learned import (LearnedRestorer, OnnxHdrNet, Runtime, TorchHdrNet,
                                          load_hdrm, load_torch_hdrnet)
from hdr_live.weights import WeightsError, sha256_of, write_weights
from training.hdrm_timing import random_network_input

TINY = HdrmSpec(input_px=32, channels=(8, 16), kernels=(5, 3), transformer_depth=1,
                num_heads=2, mlp_ratio=2)


def _pconv(c_in=3, c_out=4, k=3, stride=1, seed=0):
    torch.manual_seed(seed)
    return PartialConv2d(c_in, c_out, k, stride)


def test_partial_conv_ignores_masked_values_and_updates_the_mask():
    conv = _pconv(stride=1)
    x = torch.randn(1, 3, 12, 12)
    mask = torch.ones(1, 1, 12, 12)
    mask[..., 2:9, 3:10] = 0  # a 7x7 hole: its 5x5 core has fully masked 3x3 windows
    y, new = conv(x, mask)
    x2 = x.clone()
    x2[mask.expand_as(x) == 0] = 1e3 * torch.randn(int((mask == 0).sum()) * 3)
    y2, _ = conv(x2, mask)
    torch.testing.assert_close(y, y2)  # no output depends on a masked input value
    # fully masked windows: output 0 and mask 0; the rule is "any valid pixel in the window"
    expected = F.max_pool2d(mask, 3, 1, 1) > 0
    assert torch.equal(new.bool(), expected)
    assert not new[..., 3:8, 4:9].any() and (y[..., 3:8, 4:9] == 0).all()
    assert new[..., 2, 3] == 1  # hole border: partly valid window


def test_partial_conv_renormalises_partial_windows():
    conv = PartialConv2d(2, 1, 3, 1, bias=False)
    with torch.no_grad():
        conv.conv.weight.fill_(1.0)
    x = torch.ones(1, 2, 6, 6)
    mask = torch.ones(1, 1, 6, 6)
    mask[..., :, :3] = 0
    y, _ = conv(x, mask)
    # a constant input gives the full-window response wherever any pixel is valid (sum(1)/sum(M))
    valid = F.max_pool2d(mask, 3, 1, 1) > 0
    torch.testing.assert_close(y[valid.expand_as(y)], torch.full((int(valid.sum()),), 18.0))


def test_partial_conv_per_channel_masks_and_parts_agree():
    conv = _pconv(c_in=5, c_out=3)
    a, b = torch.randn(1, 3, 10, 10), torch.randn(1, 2, 10, 10)
    ma = (torch.rand(1, 3, 10, 10) > 0.4).float()
    mb = (torch.rand(1, 1, 10, 10) > 0.4).float()
    y1, m1 = conv.forward_parts(((a, ma), (b, mb)))
    y2, m2 = conv(torch.cat([a, b], 1), torch.cat([ma, mb.expand(-1, 2, -1, -1)], 1))
    torch.testing.assert_close(y1, y2)
    assert torch.equal(m1, m2)
    with pytest.raises(ValueError):
        conv(torch.randn(1, 5, 4, 4), torch.ones(1, 2, 4, 4))


def _random_crop_arrays(n=32, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
    m_d = np.zeros((n, n), bool)
    m_d[8:16, 8:20] = True
    m_r = np.zeros((n, n), bool)
    m_r[18:26, 4:14] = True
    tv = np.zeros((n, n), bool)
    tv[4:8, 4:24] = True
    bv = ~(m_d | m_r | tv)
    return image, m_d, m_r, tv, bv


def test_network_shapes_composite_and_hole_independence():
    torch.manual_seed(0)
    net = HdrNet(TINY).eval()
    image, m_d, m_r, tv, bv = _random_crop_arrays()
    x, valid = make_network_input(image, m_d, m_r, tv, bv)
    assert x.shape == (8, 32, 32) and valid.shape == (2, 32, 32) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0:3][:, m_d], 0)  # eq. 3: I_D erased on M_D
    np.testing.assert_array_equal(x[4:7][:, m_r], 0)
    xt, vt = torch.from_numpy(x)[None], torch.from_numpy(valid)[None]
    with torch.inference_mode():
        out = net(xt, vt)
        assert out.shape == (1, 3, 32, 32)
        keep = torch.from_numpy(~(m_d | m_r))
        # outside M_D ∪ M_R the output is the input image exactly
        torch.testing.assert_close(out[0][:, keep], xt[0, 0:3][:, keep], rtol=0, atol=0)
        assert not torch.allclose(out[0][:, ~keep], xt[0, 0:3][:, ~keep])
        x2 = xt.clone()
        x2[0, 0:3][:, torch.from_numpy(m_d)] = 5.0  # values under the holes are never read
        x2[0, 4:7][:, torch.from_numpy(m_r)] = -3.0
        torch.testing.assert_close(net(x2, vt), out)


def test_spec_validation_and_json_round_trip():
    assert HdrmSpec.from_json(json.loads(json.dumps(TINY.to_json()))) == TINY
    with pytest.raises(ValueError):
        HdrmSpec(input_px=34, channels=(8, 16), kernels=(5, 3))
    with pytest.raises(ValueError):
        HdrmSpec(channels=(8, 16, 24), kernels=(5, 3))
    with pytest.raises(TypeError):
        HdrmSpec.from_json({**TINY.to_json(), "extra": 1})


def _save(tmp_path, net, spec, name="hdrm.safetensors", extra=None):
    path = tmp_path / name
    write_weights(net, path, MODEL_KIND, {"spec": spec.to_json(), **(extra or {})})
    return path


def test_weights_round_trip_and_strict_errors(tmp_path):
    torch.manual_seed(1)
    net = HdrNet(TINY).eval()
    path = _save(tmp_path, net, TINY)
    model, spec = load_torch_hdrnet(path)
    assert spec == TINY
    x, valid = random_network_input(TINY)
    np.testing.assert_allclose(TorchHdrNet(model)(x, valid), TorchHdrNet(net)(x, valid), atol=1e-6)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / "bad.safetensors").write_bytes(bytes(data))
    (tmp_path / "bad.json").write_text(path.with_suffix(".json").read_text())
    with pytest.raises(WeightsError, match="bad.safetensors"):
        load_hdrm(tmp_path / "bad.safetensors")
    with pytest.raises(WeightsError, match="not found"):
        load_hdrm(tmp_path / "missing.safetensors")
    other = dataclasses.replace(TINY, mlp_ratio=3)
    mismatch = _save(tmp_path, HdrNet(other), other, "other.safetensors")
    meta = json.loads(mismatch.with_suffix(".json").read_text())
    meta["spec"] = TINY.to_json()
    mismatch.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match="does not fit"):
        load_hdrm(mismatch, Runtime.TORCH)
    meta["model"] = "hasm-segformer"
    mismatch.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match="hasm-segformer"):
        load_hdrm(mismatch)
    with pytest.raises(WeightsError, match="no ONNX"):
        load_hdrm(path, Runtime.ONNX)


def test_onnx_runtime_agrees_with_torch_and_is_checked(tmp_path):
    torch.manual_seed(2)
    net = HdrNet(TINY).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    onnx = export_hdrnet_onnx(net, tmp_path / "hdrm.onnx")
    x, valid = random_network_input(TINY, seed=3)
    np.testing.assert_allclose(OnnxHdrNet(onnx)(x, valid), TorchHdrNet(net)(x, valid), atol=1e-4)
    path = _save(tmp_path, net, TINY, extra={
        "onnx": {"file": "hdrm.onnx", "sha256": sha256_of(onnx)},
        "inference": {"preferred_runtime": "onnx"}})
    restorer = load_hdrm(path)
    assert isinstance(restorer.runner, OnnxHdrNet) and restorer.spec == TINY
    assert isinstance(load_hdrm(path, Runtime.TORCH).runner, TorchHdrNet)
    onnx.write_bytes(onnx.read_bytes() + b"\0")
    with pytest.raises(WeightsError, match="sha256"):
        load_hdrm(path)


def _crop_inputs(size=48):
    image, m_d, m_r, tv, bv = _random_crop_arrays(size, seed=4)
    ta = tv | m_d
    oa = ~(bv | ta)
    return CropInputs(Side.RIGHT, image, ta, tv, oa, oa.copy(), m_d, m_r & ~ta,
                      np.eye(2, 3), False)


@pytest.mark.parametrize("size", [48, 32, 24])
def test_restorer_returns_uint8_crop_changed_only_in_the_holes(size):
    torch.manual_seed(3)
    restorer = LearnedRestorer(TorchHdrNet(HdrNet(TINY)), TINY)
    assert restorer.name == "learned-hdrnet"
    inputs = _crop_inputs(size)
    out = restorer.restore(inputs)
    assert out.dtype == np.uint8 and out.shape == (size, size, 3)
    hole = inputs.m_d | inputs.m_r
    np.testing.assert_array_equal(out[~hole], inputs.image_rgb[~hole])
    assert (out[hole] != inputs.image_rgb[hole]).any()
    empty = dataclasses.replace(inputs, m_d=np.zeros_like(hole), m_r=np.zeros_like(hole))
    np.testing.assert_array_equal(restorer.restore(empty), inputs.image_rgb)
