"""HASM network: SegFormer (MiT encoder + all-MLP decoder) with four mask outputs.

HDR paper §3.2: SegFormer with four decode heads (right amodal, right visible, left amodal, left
visible), trained with the sum of four binary cross-entropies (eq. 1; the loss lives in
``training/``, :func:`training.hasm_losses.bce_loss`). Here one decoder with four output
channels plays the four heads' role, and the input may carry the joint prior channels of
:mod:`hdr_live.models.prior` after RGB. Built on ``transformers``' Segformer implementation,
random init (no pretrained weights can be downloaded here).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from hdr_live.models.hasm_spec import MASK_NAMES, MODEL_KIND, HasmSpec, normalise_input

__all__ = ["MASK_NAMES", "MODEL_KIND", "HasmSpec", "HasmNet", "normalise_input"]


class HasmNet(nn.Module):
    """SegFormer with ``spec.in_channels`` inputs and four mask logits.

    forward: (B, C, S, S) float32 normalised input → (B, 4, S, S) float32 logits in
    :data:`MASK_NAMES` order (bilinear upsampling of the decoder's S/4 output).
    """

    def __init__(self, spec: HasmSpec) -> None:
        super().__init__()
        from transformers import SegformerConfig, SegformerForSemanticSegmentation

        self.spec = spec
        config = SegformerConfig(
            num_channels=spec.in_channels,
            num_labels=len(MASK_NAMES),
            hidden_sizes=list(spec.hidden_sizes),
            depths=list(spec.depths),
            num_attention_heads=list(spec.num_heads),
            sr_ratios=list(spec.sr_ratios),
            decoder_hidden_size=spec.decoder_hidden_size,
        )
        self.segformer = SegformerForSemanticSegmentation(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.segformer(pixel_values=x).logits
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)

