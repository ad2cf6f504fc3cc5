"""HASM training loss (eq. 1, training.hasm_losses)."""

import torch

from training.hasm_losses import bce_loss


def test_bce_loss_is_the_sum_of_the_four_mask_losses():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 16, 16)
    y = (torch.rand(2, 4, 16, 16) > 0.5).float()
    manual = sum(torch.nn.functional.binary_cross_entropy_with_logits(logits[:, k], y[:, k])
                 for k in range(4))
    assert torch.isclose(bce_loss(logits, y), manual, atol=1e-6)
