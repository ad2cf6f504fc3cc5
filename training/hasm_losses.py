"""HASM training loss (HDR paper §3.2, eq. 1): the sum of four binary cross-entropies."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def bce_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """HDR paper eq. (1): the sum over the four masks of the mean binary cross-entropy.

    Args:
        logits: (B, 4, S, S) float logits (:class:`hdr_live.models.hasm_net.HasmNet` output).
        targets: (B, 4, S, S) float {0, 1}.

    Returns:
        Scalar tensor: Σ over the 4 masks of the BCE averaged over batch and pixels.
    """
    per_mask = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return per_mask.mean(dim=(0, 2, 3)).sum()
