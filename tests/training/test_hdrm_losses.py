"""HDRNet training losses (eq. 4) and the patch discriminator (training.hdrm_losses)."""

import torch

from training.hdrm_losses import (FeatureNetSpec, LossWeights, PatchDiscriminator,
                                  RandomFeatureNet, discriminator_loss, generator_loss, gram)


def test_losses_and_discriminator():
    torch.manual_seed(0)
    a = RandomFeatureNet(FeatureNetSpec(seed=3, widths=(4, 8, 8)))
    b = RandomFeatureNet(FeatureNetSpec(seed=3, widths=(4, 8, 8)))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not any(p.requires_grad for p in a.parameters())
    f = torch.randn(2, 4, 5, 6)
    torch.testing.assert_close(gram(f)[0], f[0].reshape(4, 30) @ f[0].reshape(4, 30).T / 120)
    disc = PatchDiscriminator((8, 16))
    img, target = torch.rand(2, 3, 32, 32, requires_grad=True), torch.rand(2, 3, 32, 32)
    logits = disc(img, torch.ones(2, 2, 32, 32))
    assert logits.shape[:2] == (2, 1) and logits.shape[-1] == 32 // 4
    m_d = torch.zeros(2, 1, 32, 32)
    m_d[..., 4:12, 4:12] = 1
    w = LossWeights()
    g = generator_loss(logits, img, target, m_d, torch.zeros_like(m_d), a, w)
    manual = (w.adversarial * g.adversarial + w.l1 * g.l1 + w.perceptual * g.perceptual
              + w.style * g.style)
    torch.testing.assert_close(g.total, manual)
    torch.testing.assert_close(g.l1, (m_d * (img - target)).abs().mean())
    g.total.backward()
    assert img.grad is not None and set(g.record()) == {"adversarial", "l1", "perceptual",
                                                         "style", "total"}
    same = generator_loss(logits.detach(), target, target, m_d, m_d, a, w)
    assert float(same.l1) == 0.0 and float(same.perceptual) == 0.0
    assert float(discriminator_loss(torch.full((1, 1, 2, 2), 20.0),
                                    torch.full((1, 1, 2, 2), -20.0))) < 1e-6
