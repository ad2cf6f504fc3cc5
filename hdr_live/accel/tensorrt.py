"""Optional torch-tensorrt compilation of a learned network (``pip install .[gpu]``).

Only meaningful on CUDA; everywhere else (CPU device, torch-tensorrt not installed, or a
compilation error) the eager module is kept and the returned note says why, so a run never
fails because of this optional step.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Sequence

from hdr_live.accel.device import Device


@dataclasses.dataclass(frozen=True)
class CompileResult:
    """What :func:`maybe_compile` did.

    Attributes:
        module: the compiled module, or the eager one when not compiled.
        compiled: whether torch-tensorrt compiled it.
        note: why (not) compiled, for the log.
    """

    module: object
    compiled: bool
    note: str


def maybe_compile(model, example_shapes: Sequence[tuple[int, ...]], device: Device,
                  enabled: bool = True, fp16: bool = True) -> CompileResult:
    """Compile ``model`` with torch-tensorrt for fixed input shapes, when possible.

    Args:
        model: a torch module already on ``device``, in eval mode.
        example_shapes: the float32 input shapes (batch 1, fixed size) the stage calls it with.
        device: the device it runs on (compilation needs CUDA).
        enabled: the user's choice (``--tensorrt``).
        fp16: allow half-precision kernels.

    Returns:
        A :class:`CompileResult`; never raises for an unavailable or failing compiler.
    """
    if not enabled:
        return CompileResult(model, False, "torch-tensorrt not requested")
    if not device.is_cuda:
        return CompileResult(model, False, "torch-tensorrt needs CUDA; running eagerly on the CPU")
    if importlib.util.find_spec("torch_tensorrt") is None:
        return CompileResult(model, False, "torch-tensorrt is not installed (pip install .[gpu])")
    import torch
    import torch_tensorrt

    precisions = {torch.float32, torch.float16} if fp16 else {torch.float32}
    inputs = [torch_tensorrt.Input(shape, dtype=torch.float32) for shape in example_shapes]
    try:
        compiled = torch_tensorrt.compile(model, ir="dynamo", inputs=inputs,
                                          enabled_precisions=precisions)
    except Exception as exc:  # the compiler raises many types; fall back with the reason
        return CompileResult(model, False, f"torch-tensorrt failed ({type(exc).__name__}: {exc}); "
                                           "running eagerly")
    return CompileResult(compiled, True, f"compiled with torch-tensorrt {torch_tensorrt.__version__}")
