"""Multi-process training under ``torchrun`` (DistributedDataParallel), shared by the trainers.

:func:`init_from_env` reads torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) and opens the process group: backend
``nccl`` on ``cuda:LOCAL_RANK`` when CUDA is available, else ``gloo`` on the CPU. Without that
environment it returns :data:`SINGLE`, a context whose every method is a no-op (no process
group), so a plain ``python -m training.train_hasm …`` runs exactly the single-process code.

Data: every rank draws the same global batch from the run's shared numpy generator (same seed,
same checkpointed state on every rank), so a trainer's sampling is unchanged; each rank then
keeps its own contiguous block of rows (:meth:`DistContext.shard`) for the forward and
backward pass. Data generation is therefore replicated on every rank; the network's work is
split. Gradients are averaged by DDP (:meth:`DistContext.wrap`). BatchNorm layers are
synchronised across ranks (:class:`SyncedBatchNorm`, CPU and CUDA) so that, with equal shards
and a loss that is a mean over the batch, the averaged gradient is the full-batch gradient and
a run does not depend on the number of processes (up to float rounding and dropout masks).

    torchrun --standalone --nproc_per_node=2 -m training.train_hasm --data data/synth \
        --run-dir runs/hasm
"""

from __future__ import annotations

import dataclasses
import os
import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, Mapping, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

#: The torchrun variables whose presence means "launched by torchrun".
ENV_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
#: The rendezvous variables the ``env://`` initialisation needs besides :data:`ENV_KEYS`.
RENDEZVOUS_KEYS = ("MASTER_ADDR", "MASTER_PORT")

Rows = TypeVar("Rows", torch.Tensor, np.ndarray)

#: README/``--help`` text: how to launch a trainer under torchrun.
TORCHRUN_HELP = """\
multi-process (DistributedDataParallel) training under torchrun, one node:
  torchrun --standalone --nproc_per_node=N -m {module} --run-dir RUN ARGS...
Write --run-dir, not --run (torchrun would take --run for its own --run-path). Each rank
trains on 1/N of every global batch (--batch must divide by N); gradients are averaged,
BatchNorm is synchronised, rank 0 alone writes the checkpoint, log and exports (an export runs
on rank 0 alone, on the CPU), and a second call with the same --run-dir resumes on every rank.
Backend nccl on cuda:LOCAL_RANK when CUDA is available, else gloo on the CPU (threads per rank:
the trainer's threads / N)."""


def torchrun_help(module: str) -> str:
    """:data:`TORCHRUN_HELP` for the trainer module ``module`` (e.g. ``training.train_hasm``)."""
    return TORCHRUN_HELP.format(module=module)


class _SumOverRanks(torch.autograd.Function):
    """Sum of a tensor over all ranks (all-reduce); its gradient is again summed over ranks, so
    each rank's inputs receive the gradient of the sum of every rank's loss."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        out = x.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:  # noqa: D102
        grad = grad.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(grad)
        return grad


class SyncedBatchNorm(_BatchNorm):
    """BatchNorm whose training-mode statistics are those of the global batch (all ranks).

    A stand-in for :class:`torch.nn.SyncBatchNorm` that also runs on the CPU with gloo (PyTorch's
    refuses CPU tensors). Two-pass statistics: per channel, the all-reduced sum and element count
    give the mean, the all-reduced sum of squared deviations the (biased) variance; the running
    statistics take the unbiased variance, as :class:`torch.nn.BatchNorm2d` does. The
    collectives are differentiable (:class:`_SumOverRanks`). In eval mode, or without a process
    group of two or more ranks, it is plain BatchNorm. Parameter and buffer names are those of
    BatchNorm, so checkpoints load in either.

    forward: (B, C, ...) float → same shape; every rank must call it in the same order.
    """

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D input)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Global-batch normalisation in training mode across ranks, else plain BatchNorm."""
        if not (self.training and dist.is_available() and dist.is_initialized()
                and dist.get_world_size() > 1):
            return super().forward(x)
        self._check_input_dim(x)
        dims = [0, *range(2, x.dim())]
        shape = [1, -1] + [1] * (x.dim() - 2)
        count = torch.full((1,), x.numel() / x.shape[1], dtype=x.dtype, device=x.device)
        sums = _SumOverRanks.apply(torch.cat([x.sum(dims), count]))
        n = sums[-1].detach()
        mean = sums[:-1] / n
        centred = x - mean.reshape(shape)
        var = _SumOverRanks.apply((centred * centred).sum(dims)) / n
        y = centred * torch.rsqrt(var + self.eps).reshape(shape)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        self._update_running(mean.detach(), var.detach(), n)
        return y

    def _update_running(self, mean: torch.Tensor, var: torch.Tensor, n: torch.Tensor) -> None:
        """Update the running mean / unbiased variance and the batch counter as BatchNorm does
        (``momentum`` None = cumulative average)."""
        if not self.track_running_stats or self.running_mean is None:
            return
        with torch.no_grad():
            self.num_batches_tracked.add_(1)
            factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                      else self.momentum)
            unbiased = var * n / torch.clamp(n - 1, min=1.0)
            self.running_mean.mul_(1.0 - factor).add_(mean * factor)
            self.running_var.mul_(1.0 - factor).add_(unbiased * factor)


def sync_batch_norm(module: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer in ``module`` (in place) by a :class:`SyncedBatchNorm`
    sharing its parameters and buffers (so an optimiser built on ``module`` keeps working).

    Returns:
        ``module`` itself, or the replacement when ``module`` is itself a BatchNorm layer.
    """
    if isinstance(module, _BatchNorm) and not isinstance(module, SyncedBatchNorm):
        synced = SyncedBatchNorm(module.num_features, module.eps, module.momentum,
                                 module.affine, module.track_running_stats)
        if module.affine:
            synced.weight, synced.bias = module.weight, module.bias
        synced.running_mean, synced.running_var = module.running_mean, module.running_var
        synced.num_batches_tracked = module.num_batches_tracked
        return synced.train(module.training)
    for name, child in module.named_children():
        setattr(module, name, sync_batch_norm(child))
    return module


@dataclasses.dataclass(frozen=True)
class DistContext:
    """Where this process stands in a (possibly) multi-process run.

    Attributes:
        rank: global rank, 0 … world_size − 1 (rank 0 writes checkpoints, logs, exports).
        world_size: number of processes.
        local_rank: rank on this machine (its CUDA device index).
        local_world_size: processes on this machine (they share its CPU threads).
        device: the device this rank trains on.
        backend: the process group's backend (``"gloo"``, ``"nccl"``), None without one.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1
    device: torch.device = torch.device("cpu")
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        """True on rank 0, the one that writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """True when a process group is open (launched by torchrun)."""
        return self.backend is not None

    def local_batch(self, batch: int) -> int:
        """This rank's share of a global batch of ``batch`` rows.

        Raises:
            ValueError: ``batch`` is not a positive multiple of ``world_size`` (unequal shards
                would weight the ranks' mean losses wrongly).
        """
        if batch <= 0 or batch % self.world_size:
            raise ValueError(f"batch {batch} does not split into {self.world_size} equal "
                             "shards; use a batch that is a multiple of the process count")
        return batch // self.world_size

    def shard(self, rows: Rows) -> Rows:
        """This rank's contiguous block of the global batch ``rows`` (dim 0): rows
        ``[rank·b, (rank+1)·b)`` with ``b = len(rows) / world_size``; ``rows`` itself (the same
        object) with one process.

        Raises:
            ValueError: ``len(rows)`` is not a multiple of ``world_size``.
        """
        if self.world_size == 1:
            return rows
        b = self.local_batch(len(rows))
        return rows[self.rank * b:(self.rank + 1) * b]

    def to_local(self, rows: torch.Tensor) -> torch.Tensor:
        """:meth:`shard` of a tensor, moved to :attr:`device` (the same tensor on one CPU
        process)."""
        return self.shard(rows).to(self.device)

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module to train through: ``model`` itself without a process group; else
        ``model`` with its BatchNorm layers synchronised (:func:`sync_batch_norm`, in place,
        when two or more ranks) inside a :class:`~torch.nn.parallel.DistributedDataParallel`
        that averages its gradients over the ranks and starts every rank from rank 0's weights.
        Keep using ``model`` itself for checkpoints, evaluation and export.

        Args:
            model: on :attr:`device` already; every parameter used in each forward.
        """
        if not self.distributed:
            return model
        if self.world_size > 1:
            sync_batch_norm(model)
        if self.device.type == "cuda":
            return nn.parallel.DistributedDataParallel(model, device_ids=[self.local_rank],
                                                       output_device=self.local_rank)
        return nn.parallel.DistributedDataParallel(model)

    def threads_per_rank(self, threads: int) -> int:
        """Intra-op threads for one rank when this machine's ``threads`` are shared by its
        :attr:`local_world_size` ranks (at least 1; ``threads`` with one process)."""
        return max(1, threads // self.local_world_size)

    def set_threads(self, threads: int) -> None:
        """``torch.set_num_threads`` with :meth:`threads_per_rank` of ``threads``."""
        torch.set_num_threads(self.threads_per_rank(threads))

    def seed_per_rank(self, seed: int) -> None:
        """Give each rank its own torch RNG stream (``seed + 1000003·rank``) so that dropout and
        drop-path masks differ between the ranks' shards; a no-op with one process (whose
        stream stays as seeded by the run)."""
        if self.world_size > 1:
            torch.manual_seed(seed + 1_000_003 * self.rank)

    def barrier(self) -> None:
        """Wait until every rank gets here (no-op without a process group)."""
        if self.distributed:
            dist.barrier(device_ids=[self.local_rank] if self.device.type == "cuda" else None)

    def all_reduce_mean(self, value: float | torch.Tensor) -> float:
        """The mean of a scalar over the ranks, as a float (for logged metrics): with equal
        shards, the mean of the ranks' batch-mean losses is the global batch's mean loss.
        ``float(value)`` without a process group."""
        return self.mean_record({"v": value})["v"]

    def mean_record(self, values: Mapping[str, float | torch.Tensor]) -> dict[str, float]:
        """Each scalar of ``values`` averaged over the ranks (one all-reduce), as floats;
        ``{key: float(value)}`` without a process group."""
        if not self.distributed:
            return {k: float(v) for k, v in values.items()}
        flat = torch.tensor([float(v) for v in values.values()], dtype=torch.float64,
                            device=self.device)
        dist.all_reduce(flat)
        return {k: float(v) / self.world_size for k, v in zip(values, flat.tolist())}

    def any_rank(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is true on any (for decisions all ranks must take
        together, such as stopping on a time budget); ``bool(flag)`` without a process group."""
        if not self.distributed:
            return bool(flag)
        t = torch.tensor([int(bool(flag))], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def close(self) -> None:
        """Destroy the process group (no-op without one)."""
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


#: The single-process context (no process group): every method is a no-op.
SINGLE = DistContext()


def _env_int(environ: Mapping[str, str], key: str) -> int:
    """``environ[key]`` as an int.

    Raises:
        ValueError: not an integer.
    """
    try:
        return int(environ[key])
    except ValueError:
        raise ValueError(f"torchrun variable {key}={environ[key]!r} is not an integer") from None


def init_from_env(environ: Mapping[str, str] | None = None,
                  prefer_cuda: bool = True) -> DistContext:
    """The context of this process: :data:`SINGLE` when torchrun's variables are absent, else
    a new process group (``env://`` rendezvous, which reads ``os.environ``) with this rank's
    device.

    Args:
        environ: the environment (``os.environ`` when None).
        prefer_cuda: use ``nccl`` on ``cuda:LOCAL_RANK`` when CUDA is available (else, and
            always when False, ``gloo`` on the CPU).

    Raises:
        ValueError: only part of torchrun's variables are set, or they are not integers, or
            ``0 ≤ RANK < WORLD_SIZE`` / ``0 ≤ LOCAL_RANK < LOCAL_WORLD_SIZE`` fails.
    """
    environ = os.environ if environ is None else environ
    if not any(k in environ for k in ENV_KEYS):
        return SINGLE
    missing = [k for k in ENV_KEYS + RENDEZVOUS_KEYS if k not in environ]
    if missing:
        raise ValueError(f"incomplete torchrun environment: {', '.join(missing)} not set")
    rank, world, local = (_env_int(environ, k) for k in ENV_KEYS)
    local_world = _env_int(environ, "LOCAL_WORLD_SIZE") if "LOCAL_WORLD_SIZE" in environ else world
    if not (0 <= rank < world and 0 <= local < local_world):
        raise ValueError(f"RANK={rank}, WORLD_SIZE={world}, LOCAL_RANK={local}, "
                         f"LOCAL_WORLD_SIZE={local_world} are inconsistent")
    cuda = prefer_cuda and torch.cuda.is_available()
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    backend = "nccl" if cuda else "gloo"
    if cuda:
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world)
    return DistContext(rank, world, local, local_world, device, backend)


def run_in_context(command: Callable[[list[str] | None, "DistContext"], None],
                   argv: list[str] | None = None) -> None:
    """``command(argv, ctx)`` in the process context from torchrun's environment
    (:func:`init_from_env`; the single-process context without it), closed afterwards."""
    ctx = init_from_env()
    try:
        command(argv, ctx)
    finally:
        ctx.close()


def trainer_parser(doc: str, module: str, run_help: str) -> argparse.ArgumentParser:
    """A trainer's argument parser with the flags every trainer has: ``--data`` (dataset
    folders) and ``--run`` / ``--run-dir`` (the run folder), and torchrun's usage as epilog."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], epilog=torchrun_help(module),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, nargs="+", required=True,
                   help="generated synthetic dataset folder(s)")
    p.add_argument("--run", "--run-dir", dest="run", type=Path, required=True,
                   help=f"{run_help}; under torchrun write --run-dir (torchrun takes --run for "
                        "its own --run-path)")
    return p

