"""HDRNet training losses (HDR paper eq. 4, §5.1) and the patch discriminator.

    L_HDR = λ1·L_adv + λ2·L_ℓ1 + λ3·L_perc + λ4·L_style,   λ = (0.1, 3.0, 0.1, 250)

- L_adv: the GAN loss of eq. 4 in its usual *non-saturating* form (Goodfellow et al. 2014): the
  generator minimises −log D(I_o), the discriminator −log D(I_o*) − log(1 − D(I_o)).
- L_ℓ1: mean over all pixels of |M ⊙ (I_o − I_o*)|, summed over M = M_D and M = M_R (the HDR
  authors' convention: de-occlusion and removal holes separately, pixel mean over the crop).
- L_perc (Johnson et al. 2016 / Gatys et al. 2016, paper ref. [8]) and L_style (Gram matrices,
  Liu et al. 2018, paper ref. [19]): sum over three feature levels of the mean |φ(I_o) − φ(I_o*)|
  and of the mean |G(φ(I_o)) − G(φ(I_o*))| with G(f) = f fᵀ / (C·H·W).

**Feature network φ.** The paper uses an ImageNet VGG-16 (pool1–pool3). No pretrained weights
can be downloaded here, so φ is a *frozen, randomly initialised* VGG-like network
(:class:`RandomFeatureNet`, fixed seed, Kaiming-normal filters, 3 stages of 3×3 conv + ReLU with
max-pooling). Random multi-scale conv features are a known adequate texture/perceptual
descriptor (Ustyuzhaninov et al., "What does it take to generate natural textures?", ICLR 2017;
He et al., "A powerful generative model using random weights for the deep image
representation", NeurIPS 2016), the weights are reproducible from the seed, and nothing outside
the project is needed. Its quality is below a trained VGG's: treat λ3/λ4 as calibrated for VGG.

I_o is the *composited* output of :class:`~hdr_live.models.hdrnet.HdrNet` (input outside the
holes), so every loss only measures, and only back-propagates through, the hole pixels.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F


@dataclasses.dataclass(frozen=True)
class LossWeights:
    """λ1..λ4 of eq. 4 (HDR paper §5.1 values)."""

    adversarial: float = 0.1
    l1: float = 3.0
    perceptual: float = 0.1
    style: float = 250.0


@dataclasses.dataclass(frozen=True)
class FeatureNetSpec:
    """The frozen random feature network (recorded in training metadata).

    Attributes:
        seed: torch generator seed of its weights.
        widths: channels of its three stages (VGG-16 has 64, 128, 256; narrower here to keep
            a CPU training step affordable).
    """

    seed: int = 1234
    widths: tuple[int, int, int] = (16, 32, 64)


class RandomFeatureNet(nn.Module):
    """Frozen VGG-like features at strides 1, 2, 4 (after stage 1, 2, 3).

    forward(image (B, 3, H, W) float in [0, 1]) → [(B, w0, H, W), (B, w1, H/2, W/2),
    (B, w2, H/4, W/4)] float. Parameters never require gradients.
    """

    def __init__(self, spec: FeatureNetSpec = FeatureNetSpec()) -> None:
        super().__init__()
        w0, w1, w2 = spec.widths
        gen = torch.Generator().manual_seed(spec.seed)
        self.stages = nn.ModuleList([
            nn.Sequential(_conv(3, w0, gen), nn.ReLU(), _conv(w0, w0, gen), nn.ReLU()),
            nn.Sequential(nn.MaxPool2d(2), _conv(w0, w1, gen), nn.ReLU(), _conv(w1, w1, gen), nn.ReLU()),
            nn.Sequential(nn.MaxPool2d(2), _conv(w1, w2, gen), nn.ReLU(), _conv(w2, w2, gen), nn.ReLU()),
        ])
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "RandomFeatureNet":
        return super().train(False)  # frozen: no mode-dependent layers, stays in eval

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        h = (image - self.mean) / self.std
        feats = []
        for stage in self.stages:
            h = stage(h)
            feats.append(h)
        return feats


def _conv(c_in: int, c_out: int, gen: torch.Generator) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, 3, 1, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * (2.0 / (9 * c_in)) ** 0.5)
        conv.bias.zero_()
    return conv


class PatchDiscriminator(nn.Module):
    """PatchGAN discriminator (Isola et al. 2017, paper ref. [12]) with spectral norm.

    Conditioned like the HDR authors' discriminator on the crop's masks:
    forward(image (B, 3, S, S) in [0, 1], masks (B, 2, S, S) = [M_tv, M_bv]) → (B, 1, S', S')
    real/fake logits, one per overlapping patch (S' ≈ S / 2**len(widths)).
    """

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128)) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        layers: list[nn.Module] = []
        c_prev = 5
        for c in widths:
            layers += [sn(nn.Conv2d(c_prev, c, 4, 2, 1)), nn.LeakyReLU(0.2)]
            c_prev = c
        layers += [sn(nn.Conv2d(c_prev, c_prev, 3, 1, 1)), nn.LeakyReLU(0.2),
                   sn(nn.Conv2d(c_prev, 1, 3, 1, 1))]
        self.net = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([image * 2.0 - 1.0, masks], dim=1))


def gram(f: torch.Tensor) -> torch.Tensor:
    """Gram matrix (B, C, C) of features (B, C, H, W), normalised by C·H·W (Liu et al. 2018)."""
    b, c, h, w = f.shape
    v = f.reshape(b, c, h * w)
    return v @ v.transpose(1, 2) / (c * h * w)


def masked_l1(output: torch.Tensor, target: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Mean over all elements of |region ⊙ (output − target)|; region (B, 1, S, S) {0, 1}."""
    return (region * (output - target)).abs().mean()


def perceptual_and_style(features: RandomFeatureNet, output: torch.Tensor,
                         target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(L_perc, L_style) between two (B, 3, S, S) images, summed over the feature levels."""
    with torch.no_grad():
        f_target = features(target)
    f_output = features(output)
    perc = sum(F.l1_loss(a, b) for a, b in zip(f_output, f_target))
    style = sum(F.l1_loss(gram(a), gram(b)) for a, b in zip(f_output, f_target))
    return perc, style


@dataclasses.dataclass(frozen=True)
class GeneratorLoss:
    """The terms of eq. 4 for one batch (scalar tensors; ``total`` is weighted)."""

    adversarial: torch.Tensor
    l1: torch.Tensor
    perceptual: torch.Tensor
    style: torch.Tensor
    total: torch.Tensor

    def record(self) -> dict[str, float]:
        """Unweighted terms and the weighted total as floats (for the JSON log)."""
        return {f.name: round(float(getattr(self, f.name).detach()), 6)
                for f in dataclasses.fields(self)}


def generator_loss(fake_logits: torch.Tensor, output: torch.Tensor, target: torch.Tensor,
                   m_d: torch.Tensor, m_r: torch.Tensor, features: RandomFeatureNet,
                   weights: LossWeights) -> GeneratorLoss:
    """Eq. 4 for the generator.

    Args:
        fake_logits: discriminator logits on ``output``.
        output: (B, 3, S, S) composited I_o; target: (B, 3, S, S) I_o*; both in [0, 1].
        m_d, m_r: (B, 1, S, S) float {0, 1} hole regions.
    """
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l1 = masked_l1(output, target, m_d) + masked_l1(output, target, m_r)
    perc, style = perceptual_and_style(features, output, target)
    total = (weights.adversarial * adv + weights.l1 * l1 + weights.perceptual * perc
             + weights.style * style)
    return GeneratorLoss(adv, l1, perc, style, total)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−log D(I_o*) − log(1 − D(I_o)), averaged over patches and halved (eq. 4's D side)."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return 0.5 * (real + fake)
