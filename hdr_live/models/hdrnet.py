"""HDRNet: the learned restorer of HDRM (HDR paper §3.3, Fig. 3, eq. 2–3).

A partial-convolution UNet (Liu et al., "Image inpainting for irregular holes using partial
convolutions", ECCV 2018) with PVTv2-style transformer blocks (Wang et al., "PVT v2", 2022:
spatial-reduction attention + convolutional feed-forward) in the bottleneck.

Input, per crop of side S = ``spec.input_px`` (float32, image channels in [0, 1]):

    x     = [I_D (3), M_rv (1), I_R (3), M_bv (1)]             (B, 8, S, S)   eq. (3)
    valid = [1 − M_D, 1 − M_R]                                 (B, 2, S, S)   eq. (2)

The partial-convolution mask of the first layer is per channel: I_D's channels are holes on M_D,
I_R's on M_R, the two mask channels are known everywhere. Because M_rv and M_bv are known
everywhere, every window holds a valid value and the updated mask is all ones after the first
layer: deeper layers only re-normalise at the crop border (zero padding), as in the HDR authors'
code. The output is **composited**: pixels outside M_D ∪ M_R are the input image exactly
(I_D there), pixels inside are the network's prediction. Output (B, 3, S, S) float32, nominally
in [0, 1] (not clamped; clamp when converting to uint8).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from hdr_live.models.hdrnet_spec import (IMAGE_SLICES, IN_CHANNELS, MODEL_KIND, HdrmSpec,
                                         make_network_input)

__all__ = ["IMAGE_SLICES", "IN_CHANNELS", "MODEL_KIND", "HdrmSpec", "HdrNet",
           "make_network_input", "export_hdrnet_onnx", "count_parameters"]


class PartialConv2d(nn.Module):
    """Partial convolution with mask update (Liu et al. 2018, eq. 1–2).

    For each output position with window mask M (over input channels × kernel window):

        x' = W^T (X ⊙ M) · sum(1) / sum(M) + b    if sum(M) > 0,   else 0
        m' = 1 if sum(M) > 0 else 0

    ``sum(1)`` = C_in · k · k. The mask may have one channel (shared by all input channels) or
    C_in channels (per-channel holes, as for HDRNet's first layer). Zero padding pads the mask
    with zeros too, so border windows are re-normalised ("partial-conv padding").

    forward(x (B, C_in, H, W) float, mask (B, 1 or C_in, H, W) float {0, 1})
        → (y (B, C_out, H', W'), new_mask (B, 1, H', W')).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, bias: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False)
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_in", nonlinearity="relu")
        self.bias = nn.Parameter(torch.zeros(c_out)) if bias else None
        self.c_in, self.kernel, self.stride = c_in, kernel, stride
        self.register_buffer("ones", torch.ones(1, 1, kernel, kernel), persistent=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.forward_parts(((x, mask),))

    def forward_parts(
        self, parts: tuple[tuple[torch.Tensor, torch.Tensor], ...]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Partial conv of the channel concatenation of ``parts`` = ((x_i, mask_i), …).

        Equivalent to ``forward(cat(x_i), cat(mask_i expanded))`` without materialising the
        expanded masks (each mask_i has 1 or C_i channels).
        """
        xs, per_pixel = [], None
        for x, m in parts:
            c = x.shape[1]
            if m.shape[1] not in (1, c):
                raise ValueError(f"mask has {m.shape[1]} channels, expected 1 or {c}")
            xs.append(x * m)
            n = m * float(c) if m.shape[1] == 1 else m.sum(dim=1, keepdim=True)
            per_pixel = n if per_pixel is None else per_pixel + n
        if sum(x.shape[1] for x, _ in parts) != self.c_in:
            raise ValueError(f"parts have {sum(x.shape[1] for x, _ in parts)} channels, "
                             f"expected {self.c_in}")
        count = F.conv2d(per_pixel, self.ones, stride=self.stride, padding=self.kernel // 2)
        holes = count < 0.5
        ratio = (self.c_in * self.kernel * self.kernel) / count.clamp(min=1.0)
        y = self.conv(xs[0] if len(xs) == 1 else torch.cat(xs, dim=1)) * ratio
        if self.bias is not None:
            y = y + self.bias.view(1, -1, 1, 1)
        y = y.masked_fill(holes, 0.0)
        return y, (~holes).to(y.dtype)


class PConvBlock(nn.Module):
    """Partial conv → optional BatchNorm → optional activation (Liu et al.'s PCBActiv)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, norm: bool,
                 act: nn.Module | None) -> None:
        super().__init__()
        self.pconv = PartialConv2d(c_in, c_out, kernel, stride, bias=not norm)
        self.norm = nn.BatchNorm2d(c_out) if norm else nn.Identity()
        self.act = act if act is not None else nn.Identity()

    def forward(self, parts: tuple[tuple[torch.Tensor, torch.Tensor], ...]
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``parts`` as in :meth:`PartialConv2d.forward_parts`."""
        y, m = self.pconv.forward_parts(parts)
        return self.act(self.norm(y)), m


class SpatialReductionAttention(nn.Module):
    """PVTv2 attention: queries on all tokens, keys/values on a conv-reduced (stride sr) map.

    forward(tokens (B, N, C), h, w) → (B, N, C), N = h·w.
    """

    def __init__(self, dim: int, heads: int, sr_ratio: int) -> None:
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        self.sr = nn.Conv2d(dim, dim, sr_ratio, sr_ratio) if sr_ratio > 1 else None
        self.sr_norm = nn.LayerNorm(dim) if sr_ratio > 1 else None

    def forward(self, t: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, c = t.shape
        d = c // self.heads
        q = self.q(t).reshape(b, n, self.heads, d).transpose(1, 2)
        src = t
        if self.sr is not None:
            src = self.sr(t.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
            src = self.sr_norm(src)
        kv = self.kv(src).reshape(b, -1, 2, self.heads, d).permute(2, 0, 3, 1, 4)
        attn = torch.softmax((q @ kv[0].transpose(-2, -1)) * self.scale, dim=-1)
        out = (attn @ kv[1]).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class ConvFeedForward(nn.Module):
    """PVTv2 feed-forward: Linear → 3×3 depth-wise conv → GELU → Linear. (B, N, C) → (B, N, C)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dw = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, t: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, _ = t.shape
        u = self.fc1(t)
        u = self.dw(u.transpose(1, 2).reshape(b, -1, h, w)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(u))


class PvtBlock(nn.Module):
    """Pre-norm PVTv2 block on a feature map: (B, C, H, W) → (B, C, H, W)."""

    def __init__(self, dim: int, heads: int, sr_ratio: int, mlp_ratio: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.attn = SpatialReductionAttention(dim, heads, sr_ratio)
        self.ffn = ConvFeedForward(dim, dim * mlp_ratio)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        b, c, h, w = f.shape
        t = f.flatten(2).transpose(1, 2)
        t = t + self.attn(self.norm1(t), h, w)
        t = t + self.ffn(self.norm2(t), h, w)
        return t.transpose(1, 2).reshape(b, c, h, w)


def input_channel_mask(valid: torch.Tensor) -> torch.Tensor:
    """Per-channel partial-conv mask of ``x`` from ``valid`` = [1 − M_D, 1 − M_R].

    (B, 2, S, S) → (B, 8, S, S): I_D's channels take 1 − M_D, I_R's take 1 − M_R, and the
    M_rv / M_bv channels are known everywhere (ones).
    """
    ones = torch.ones_like(valid[:, :1])
    v_d, v_r = valid[:, :1], valid[:, 1:2]
    return torch.cat([v_d, v_d, v_d, ones, v_r, v_r, v_r, ones], dim=1)


class HdrNet(nn.Module):
    """The HDRNet generator; see the module docstring for inputs and outputs.

    forward(x (B, 8, S, S) float32, valid (B, 2, S, S) float32 {0, 1})
        → I_o (B, 3, S, S) float32, composited (input kept outside M_D ∪ M_R).
    """

    def __init__(self, spec: HdrmSpec) -> None:
        super().__init__()
        self.spec = spec
        ch = spec.channels
        self.register_buffer("mean", torch.tensor(spec.rgb_mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(spec.rgb_std).view(1, 3, 1, 1), persistent=False)
        self.enc = nn.ModuleList()
        c_prev = IN_CHANNELS
        for i, (c, k) in enumerate(zip(ch, spec.kernels)):
            self.enc.append(PConvBlock(c_prev, c, k, 2, norm=i > 0, act=nn.ReLU()))
            c_prev = c
        self.bottleneck = nn.Sequential(*[
            PvtBlock(ch[-1], spec.num_heads, spec.sr_ratio, spec.mlp_ratio)
            for _ in range(spec.transformer_depth)
        ])
        skips = (IN_CHANNELS,) + ch[:-1]
        self.dec = nn.ModuleList()
        for i in reversed(range(len(ch))):
            last = i == 0
            c_out = 3 if last else skips[i]
            self.dec.append(PConvBlock(c_prev + skips[i], c_out, 3, 1, norm=not last,
                                       act=None if last else nn.LeakyReLU(0.2)))
            c_prev = c_out

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise the image channels of ``x`` (mask channels unchanged)."""
        (a0, a1), (b0, b1) = IMAGE_SLICES
        return torch.cat([(x[:, a0:a1] - self.mean) / self.std, x[:, a1:b0],
                          (x[:, b0:b1] - self.mean) / self.std, x[:, b1:]], dim=1)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        h, m = self.normalise(x), input_channel_mask(valid)
        feats, masks = [h], [m]
        for block in self.enc:
            h, m = block(((h, m),))
            feats.append(h)
            masks.append(m)
        h = self.bottleneck(h)
        for block, skip, skip_mask in zip(self.dec, reversed(feats[:-1]), reversed(masks[:-1])):
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            m = F.interpolate(m, scale_factor=2.0, mode="nearest")
            h, m = block(((h, m), (skip, skip_mask)))
        predicted = h * self.std + self.mean
        keep = valid[:, :1] * valid[:, 1:2]
        return keep * x[:, 0:3] + (1.0 - keep) * predicted


def export_hdrnet_onnx(model: HdrNet, path: Path, opset: int = 17) -> Path:
    """Export an HDRNet (eval mode) to ONNX with fixed batch 1 and size ``spec.input_px``.

    Inputs ``x`` (1, 8, S, S) and ``valid`` (1, 2, S, S); output ``image`` (1, 3, S, S).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    s = model.spec.input_px
    dummy = (torch.zeros(1, IN_CHANNELS, s, s), torch.ones(1, 2, s, s))
    with torch.inference_mode(), warnings.catch_warnings():
        # shapes are fixed at export: the tracer's "python value" warnings do not apply
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model.eval(), dummy, str(path), input_names=["x", "valid"],
                          output_names=["image"], opset_version=opset, dynamo=False)
    return path


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
