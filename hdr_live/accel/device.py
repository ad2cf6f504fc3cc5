"""Which device the learned networks run on: the user's preference resolved against the machine.

``auto`` picks CUDA when PyTorch is installed and ``torch.cuda.is_available()``; otherwise the CPU
path (ONNX Runtime where the checkpoint has an ONNX twin). ``cuda`` on a machine without it is an
error with the reason, never a silent fallback.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
from pathlib import Path


class DeviceError(RuntimeError):
    """The requested device cannot be used on this machine (the message says why)."""


class DevicePreference(str, enum.Enum):
    """The user's device choice (CLI ``--device``)."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


@dataclasses.dataclass(frozen=True)
class Device:
    """A resolved device.

    Attributes:
        kind: ``"cpu"`` or ``"cuda"``.
        index: CUDA device index (0 for the CPU).
        name: human-readable name (GPU model, or ``"cpu"``).
        reason: why this device was chosen (shown by the CLI).
    """

    kind: str
    index: int = 0
    name: str = "cpu"
    reason: str = ""

    @property
    def is_cuda(self) -> bool:
        return self.kind == "cuda"

    @property
    def torch_name(self) -> str:
        """The device string PyTorch takes (``"cpu"``, ``"cuda:0"``)."""
        return f"cuda:{self.index}" if self.is_cuda else "cpu"


CPU = Device("cpu", reason="CPU requested")


def nvidia_device_present() -> bool:
    """Whether the NVIDIA driver exposes a GPU (``/proc/driver/nvidia/gpus`` or ``/dev/nvidia0``);
    a cheap check that needs no PyTorch import."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return (gpus.is_dir() and any(gpus.iterdir())) or Path("/dev/nvidia0").exists()


def cuda_status() -> tuple[bool, str]:
    """(usable, reason): whether an NVIDIA GPU is present and PyTorch is installed with CUDA and
    sees it. PyTorch is imported only when the driver shows a GPU."""
    if not nvidia_device_present():
        return False, "no NVIDIA GPU found (no /proc/driver/nvidia/gpus, no /dev/nvidia0)"
    if importlib.util.find_spec("torch") is None:
        return False, "PyTorch is not installed"
    import torch

    if not torch.backends.cuda.is_built():
        return False, f"this PyTorch build ({torch.__version__}) has no CUDA support"
    if not torch.cuda.is_available():
        return False, "PyTorch sees no CUDA device"
    return True, f"CUDA device 0: {torch.cuda.get_device_name(0)}"


def resolve_device(preference: DevicePreference, cuda_index: int = 0) -> Device:
    """The device to run learned networks on.

    Args:
        preference: ``auto`` (CUDA if usable, else CPU), ``cpu`` or ``cuda``.
        cuda_index: which CUDA device when CUDA is used.

    Raises:
        DeviceError: ``cuda`` requested but unusable (no torch, CPU-only build, no device, or
            ``cuda_index`` out of range).
    """
    if preference is DevicePreference.CPU:
        return CPU
    usable, reason = cuda_status()
    if not usable:
        if preference is DevicePreference.CUDA:
            raise DeviceError(f"--device cuda: {reason}; use --device cpu or auto")
        return Device("cpu", reason=f"auto: {reason}, using the CPU")
    import torch

    count = torch.cuda.device_count()
    if not 0 <= cuda_index < count:
        raise DeviceError(f"CUDA device {cuda_index} does not exist ({count} device(s))")
    return Device("cuda", cuda_index, torch.cuda.get_device_name(cuda_index),
                  reason=f"{preference.value}: {reason}")
