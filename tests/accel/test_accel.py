"""GPU path (hdr_live.accel): device choice, the CPU fallback of the stream runner, torch-tensorrt
fallback; CUDA-only behaviour is tested only where CUDA exists."""

import numpy as np
import pytest

from hdr_live.accel.device import (CPU, DeviceError, DevicePreference, cuda_status,
                                   resolve_device)
from hdr_live.accel.tensorrt import maybe_compile
from hdr_live.build import build_pipeline, build_restorer, load_device_hdrm, load_device_mask_net
from hdr_live.config import (DEFAULT_HASM_WEIGHTS, DEFAULT_HDRM_WEIGHTS, HasmKind, HdrmKind,
                             PipelineConfig)
from hdr_live.stages.hasm.learned import load_mask_net

torch = pytest.importorskip("torch")
CUDA, WHY_NOT = cuda_status()
needs_cuda = pytest.mark.skipif(not CUDA, reason=f"needs CUDA: {WHY_NOT}")
no_cuda = pytest.mark.skipif(CUDA, reason="this machine has CUDA")


@no_cuda
def test_auto_falls_back_to_the_cpu_with_a_reason():
    device = resolve_device(DevicePreference.AUTO)
    assert not device.is_cuda and device.torch_name == "cpu"
    assert device.reason.startswith("auto: ") and WHY_NOT in device.reason


@no_cuda
def test_cuda_requested_without_cuda_is_a_clear_error():
    with pytest.raises(DeviceError, match="--device cuda"):
        resolve_device(DevicePreference.CUDA)


def test_cpu_requested_is_the_cpu():
    assert resolve_device(DevicePreference.CPU) == CPU


def test_device_runner_on_the_cpu_agrees_with_onnx_runtime():
    """The same stream-runner code (CPU path) gives HASM's ONNX Runtime outputs."""
    onnx_net, spec = load_mask_net(DEFAULT_HASM_WEIGHTS)
    torch_net, spec2 = load_device_mask_net(DEFAULT_HASM_WEIGHTS, CPU)
    assert spec == spec2
    x = np.random.default_rng(0).standard_normal(
        (1, spec.in_channels, spec.input_px, spec.input_px)).astype(np.float32)
    np.testing.assert_allclose(torch_net(x), onnx_net(x), atol=2e-3)
    with pytest.raises(ValueError, match="numeric"):
        torch_net(np.full(x.shape, "a"))


def test_device_hdrm_on_the_cpu_agrees_with_the_bundled_runner():
    from training.hdrm_timing import random_network_input

    bundled = build_restorer(PipelineConfig().with_backends(None, HdrmKind.LEARNED))
    on_device = load_device_hdrm(DEFAULT_HDRM_WEIGHTS, CPU)
    x, valid = random_network_input(bundled.spec, seed=3)
    np.testing.assert_allclose(on_device.runner(x, valid), bundled.runner(x, valid), atol=2e-3)


def test_tensorrt_is_skipped_with_a_reason_on_the_cpu():
    model = torch.nn.Conv2d(1, 1, 3)
    result = maybe_compile(model, [(1, 1, 8, 8)], CPU, enabled=True)
    assert result.module is model and not result.compiled and "CUDA" in result.note
    assert maybe_compile(model, [(1, 1, 8, 8)], CPU, enabled=False).note == \
        "torch-tensorrt not requested"


def test_cli_device_cuda_without_cuda_exits_2(capsys, tmp_path):
    from hdr_live.cli import main

    if CUDA:
        pytest.skip("this machine has CUDA")
    img = tmp_path / "x.png"
    import cv2

    cv2.imwrite(str(img), np.zeros((64, 64, 3), np.uint8))
    assert main(["process", str(img), "--device", "cuda", "--no-progress"]) == 2
    assert "--device cuda" in capsys.readouterr().err


@needs_cuda
def test_cuda_stream_runner_matches_the_cpu_from_two_threads():
    """Each thread gets its own CUDA stream; results equal the CPU's."""
    from concurrent.futures import ThreadPoolExecutor

    device = resolve_device(DevicePreference.CUDA)
    gpu_net, spec = load_device_mask_net(DEFAULT_HASM_WEIGHTS, device)
    cpu_net, _ = load_device_mask_net(DEFAULT_HASM_WEIGHTS, CPU)
    xs = [np.random.default_rng(i).standard_normal(
        (1, spec.in_channels, spec.input_px, spec.input_px)).astype(np.float32) for i in range(4)]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(gpu_net, xs))
    for x, out in zip(xs, outs):
        np.testing.assert_allclose(out, cpu_net(x), atol=1e-2)
    import threading

    barrier, streams = threading.Barrier(2), []

    def grab():
        barrier.wait()
        streams.append(gpu_net.module._stream())

    workers = [threading.Thread(target=grab) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert streams[0] is not streams[1]


@needs_cuda
def test_learned_pipeline_builds_on_cuda():
    device = resolve_device(DevicePreference.CUDA)
    pipe = build_pipeline(PipelineConfig(device=device).with_backends(HasmKind.LEARNED,
                                                                      HdrmKind.LEARNED))
    pipe.close()
