"""Losses of PSJNet + EN (seed 003 eq. 3 and eq. 4).

    L_3D = α Σ_i smoothL1(p_i, p̂_i) + β Σ_i smoothL1(d_i, d̂_i),   α = 0.01, β = 1   (eq. 3)
    L_total = L_EN + (1/N) Σ_k L_PSJ,k                                                (eq. 4)

p_i is the 2D joint in HDRM-crop pixels (as in the paper, where α = 0.01 balances pixel errors
against keybone-relative depth errors), d_i is eq. (1). smoothL1 is Huber with threshold 1
(torch's default), summed over x and y and over the joints, averaged over the batch. The
network predicts normalised 2D q = (p − c)/r (:mod:`hdr_live.lift.features`); p − p̂ = r (q − q̂).
"""

from __future__ import annotations

import torch
from torch.nn.functional import smooth_l1_loss

ALPHA = 0.01
BETA = 1.0


def loss_3d(pred: torch.Tensor, target_q: torch.Tensor, target_d: torch.Tensor,
            spread_px: torch.Tensor, alpha: float = ALPHA, beta: float = BETA) -> torch.Tensor:
    """Eq. (3) over the joints present in ``pred``.

    Args:
        pred: (B, n, 3) float32 (q_x, q_y, d). target_q: (B, n, 2) normalised GT 2D.
        target_d: (B, n) GT d. spread_px: (B,) the 2D spread r of each hand, crop px.

    Returns:
        () float32 batch mean of eq. (3).
    """
    r = spread_px[:, None, None]
    l2d = smooth_l1_loss(pred[..., :2] * r, target_q * r, reduction="none").sum(dim=(1, 2))
    ld = smooth_l1_loss(pred[..., 2], target_d, reduction="none").sum(dim=1)
    return (alpha * l2d + beta * ld).mean()


def psj_loss(parts: torch.Tensor, joints: torch.Tensor, target_q: torch.Tensor,
             target_d: torch.Tensor, spread_px: torch.Tensor) -> torch.Tensor:
    """Σ_k L_PSJ,k: parts (B, N, 16, 3), joints (N, 16) int64 joint ids of each branch."""
    return sum(loss_3d(parts[:, k], target_q[:, joints[k]], target_d[:, joints[k]], spread_px)
               for k in range(parts.shape[1]))


def total_loss(parts: torch.Tensor, final: torch.Tensor, joints: torch.Tensor,
               target_q: torch.Tensor, target_d: torch.Tensor, spread_px: torch.Tensor) -> torch.Tensor:
    """Eq. (4): L_EN + (1/N) Σ_k L_PSJ,k."""
    return (loss_3d(final, target_q, target_d, spread_px)
            + psj_loss(parts, joints, target_q, target_d, spread_px) / parts.shape[1])
