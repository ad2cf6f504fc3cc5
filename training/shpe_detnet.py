"""Training targets and losses of the DetNet-style synthetic SHPE
(:mod:`hdr_live.models.detnet`): Gaussian heat-map targets and DetNet's L_heat + L_loc (HDR eq. 5)
with a spatial cross-entropy heat term.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from hdr_live.models.detnet import DetNetSpec, view_to_map_px

def heatmap_targets(joints_view_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """(21, M, M) float32 Gaussian heat maps (peak 1), M = input_px / 4, of (21, 2) view-pixel
    joints; a joint outside the map gives a clipped or empty Gaussian."""
    m = spec.map_px
    grid = np.arange(m, dtype=np.float32)
    pts = view_to_map_px(joints_view_px, spec).astype(np.float32)
    gx = np.exp(-((grid[None, :] - pts[:, :1]) ** 2) / (2 * spec.sigma_map_px ** 2))
    gy = np.exp(-((grid[None, :] - pts[:, 1:]) ** 2) / (2 * spec.sigma_map_px ** 2))
    return gy[:, :, None] * gx[:, None, :]


def detnet_loss(heat: torch.Tensor, loc: torch.Tensor, heat_t: torch.Tensor,
                rel_t: torch.Tensor, has_3d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The SHPE losses (DetNet's, HDR eq. 5, with a cross-entropy heat term; module docstring).

    Args:
        heat: (B, 21, M, M) predicted logits; loc: (B, 21, 3, M, M) predicted location maps.
        heat_t: (B, 21, M, M) target Gaussians (peak 1); rel_t: (B, 21, 3) target scaled 3D
            joints; has_3d: (B,) float 1 where the 3D target is exact.

    Returns:
        (L_heat, L_loc): the spatial cross-entropy per joint (joints whose Gaussian falls off
        the map are left out), and the squared location-map error weighted by the target
        Gaussian (so only the region at the joint counts), over exact-3D examples.
    """
    b, j, m, _ = heat.shape
    mass = heat_t.sum(dim=(2, 3))  # (B, 21)
    inside = (mass > 1.0).float()
    target = heat_t / mass.clamp(min=1e-6)[..., None, None]
    log_p = F.log_softmax(heat.reshape(b, j, m * m), dim=2).reshape(b, j, m, m)
    ce = -(target * log_p).sum(dim=(2, 3))
    l_heat = (ce * inside).sum() / inside.sum().clamp(min=1.0)
    diff = (loc - rel_t[..., None, None]) ** 2  # (B, 21, 3, M, M)
    weighted = (heat_t[:, :, None] * diff).sum(dim=(1, 2)).mean(dim=(1, 2))  # (B,)
    l_loc = (weighted * has_3d).sum() / has_3d.sum().clamp(min=1.0)
    return l_heat, l_loc
