"""Per-call milliseconds of the learned networks on each engine and device available here.

HASM (SegFormer, 1×C×128×128) and HDRNet (1×8×N×N + valid mask) with: ONNX Runtime on the CPU,
eager PyTorch on the CPU (the GPU path's code on its CPU fallback), and PyTorch on CUDA with
per-thread streams and pinned transfers when a CUDA device exists (else a line says why not).

    python benchmarks/bench_device.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hdr_live.accel.device import CPU, DevicePreference, cuda_status, resolve_device
from hdr_live.build import load_device_hdrm, load_device_mask_net
from hdr_live.config import DEFAULT_HASM_WEIGHTS, DEFAULT_HDRM_WEIGHTS
from hdr_live.stages.hasm.learned import load_mask_net
from hdr_live.stages.hdrm.learned import Runtime, load_hdrm
from training.hdrm_timing import random_network_input


def median_ms(call, repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``call()`` in ms."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    onnx_hasm, spec = load_mask_net(DEFAULT_HASM_WEIGHTS)
    x = np.random.default_rng(0).standard_normal(
        (1, spec.in_channels, spec.input_px, spec.input_px)).astype(np.float32)
    hdrm_onnx = load_hdrm(DEFAULT_HDRM_WEIGHTS, Runtime.ONNX)
    hx, hv = random_network_input(hdrm_onnx.spec)
    engines = [("onnxruntime cpu", onnx_hasm, hdrm_onnx.runner),
               ("torch cpu", load_device_mask_net(DEFAULT_HASM_WEIGHTS, CPU)[0],
                load_device_hdrm(DEFAULT_HDRM_WEIGHTS, CPU).runner)]
    usable, why = cuda_status()
    if usable:
        gpu = resolve_device(DevicePreference.CUDA)
        engines.append((f"torch {gpu.name}", load_device_mask_net(DEFAULT_HASM_WEIGHTS, gpu)[0],
                        load_device_hdrm(DEFAULT_HDRM_WEIGHTS, gpu).runner))
    print(f"HASM input 1x{spec.in_channels}x{spec.input_px}x{spec.input_px}, "
          f"HDRNet input 1x8x{hdrm_onnx.spec.input_px}x{hdrm_onnx.spec.input_px}")
    for name, hasm, hdrnet in engines:
        print(f"{name:24s} HASM {median_ms(lambda: hasm(x), args.repeats):7.2f} ms   "
              f"HDRNet {median_ms(lambda: hdrnet(hx, hv), args.repeats):7.2f} ms")
    if not usable:
        print(f"cuda: not measured ({why})")


if __name__ == "__main__":
    main()
