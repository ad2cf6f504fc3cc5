"""Learned networks on a PyTorch device, with CUDA streams and pinned-memory transfers.

:class:`DeviceModule` runs a torch module in inference mode on a
:class:`~hdr_live.accel.device.Device`:

- On CUDA, each calling thread gets its own ``torch.cuda.Stream`` (the pipelined runtime calls
  HASM of frame t+1 from one thread while HDRM of frame t runs on two others, one per hand, so
  their kernels overlap on the GPU). Inputs are staged through pinned (page-locked) host buffers
  and copied with ``non_blocking=True`` on that stream; the output comes back through a pinned
  buffer and the stream is synchronised before the numpy array is returned.
- On the CPU, the same call is a plain ``inference_mode`` forward (no streams, no pinning): this
  is the fallback path, and it is what the tests exercise on machines without CUDA.

:class:`DeviceMaskNet` and :class:`DeviceHdrNet` adapt it to the HASM
(:class:`~hdr_live.stages.hasm.learned.MaskNet`) and HDRNet
(:class:`~hdr_live.stages.hdrm.learned.HdrNetRunner`) call signatures.
"""

from __future__ import annotations

import threading

import numpy as np

from hdr_live.accel.device import Device


class DeviceModule:
    """A torch module on ``device``, called with float32 numpy arrays (see the module docstring).

    Args:
        model: a ``torch.nn.Module``; it is put in eval mode and moved to ``device``.
        device: where it runs.
        cpu_threads: intra-op threads on the CPU path.

    Raises:
        ValueError: an input is not a float32-convertible numeric array.
    """

    def __init__(self, model, device: Device, cpu_threads: int = 2) -> None:
        import torch

        self._torch = torch
        self.device = device
        self.model = model.eval().to(device.torch_name)
        self.cpu_threads = cpu_threads
        self._local = threading.local()

    def _stream(self):
        stream = getattr(self._local, "stream", None)
        if stream is None:
            stream = self._torch.cuda.Stream(device=self.device.torch_name)
            self._local.stream = stream
            self._local.pinned = {}
        return stream

    def _pinned(self, key: str, shape: tuple[int, ...]):
        buf = self._local.pinned.get(key)
        if buf is None or tuple(buf.shape) != shape:
            buf = self._torch.empty(shape, dtype=self._torch.float32, pin_memory=True)
            self._local.pinned[key] = buf
        return buf

    def __call__(self, *arrays: np.ndarray) -> np.ndarray:
        """Forward pass; returns the first output as a float32 numpy array."""
        torch = self._torch
        inputs = []
        for a in arrays:
            a = np.asarray(a)
            if not np.issubdtype(a.dtype, np.number):
                raise ValueError(f"network input must be numeric, got dtype {a.dtype}")
            inputs.append(np.ascontiguousarray(a, np.float32))
        if not self.device.is_cuda:
            if torch.get_num_threads() != self.cpu_threads:
                torch.set_num_threads(self.cpu_threads)
            with torch.inference_mode():
                return self.model(*(torch.from_numpy(a) for a in inputs)).numpy()
        stream = self._stream()
        with torch.inference_mode(), torch.cuda.stream(stream):
            on_device = []
            for i, a in enumerate(inputs):
                host = self._pinned(f"in{i}", a.shape)
                host.numpy()[...] = a
                on_device.append(host.to(self.device.torch_name, non_blocking=True))
            out = self.model(*on_device)
            host_out = self._pinned("out", tuple(out.shape))
            host_out.copy_(out, non_blocking=True)
        stream.synchronize()
        return host_out.numpy().copy()


class DeviceMaskNet:
    """HASM network on a device: (1, C, S, S) float32 → (1, 4, S, S) float32 logits."""

    def __init__(self, module: DeviceModule) -> None:
        self.module = module

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.module(x)


class DeviceHdrNet:
    """HDRNet on a device: x (1, 8, N, N), valid (1, 2, N, N) float32 → (1, 3, N, N) I_o."""

    def __init__(self, module: DeviceModule) -> None:
        self.module = module

    def __call__(self, x: np.ndarray, valid: np.ndarray) -> np.ndarray:
        return self.module(x, valid)
