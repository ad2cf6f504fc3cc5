"""PSJNet + EN in PyTorch (seed 003: Ishii et al., §2, Fig. 2, Table 1), adapted to hdr-live.

Training and ONNX export only; inference runs the exported graph (:mod:`hdr_live.lift.lifter`).

Adaptation. The paper's 2D heatmap generator is our frozen SHPE (MediaPipe's landmark network,
step 1 given). Its intermediate feature map is not exposed, so the "image feature" each Feature
Encoder (FE) encodes is the SHPE's own output vector for the crop: its world landmarks (scale
normalised, :mod:`hdr_live.lift.features`) and the per-joint visibility from HASM's masks. The
FE is therefore an MLP instead of Table 1's convolutions + global average pooling; it still
outputs D(J − m) numbers, one D-vector per node (D = 2 in PSJNet, 3 in EN). The paper's
Adaptive Graph U-Net GCNs are replaced by residual graph convolutions (Kipf & Welling 2017,
eq. 2) with a learnable weight per edge and a per-node embedding.

Sizes (C = :data:`HIDDEN`, L = :data:`LAYERS`):

- Branch k (N = 4, J − m = 16 nodes, graph :func:`hdr_live.lift.graph.branch_graph`):
  FE_k MLP (16·3 world + 16 vis = 64 → 128 → 128 → 2·16); node input [q (2), FE (2), vis (1)]
  → C, L graph blocks, head C → 3 = (Δx, Δy, d); the branch's 2D is q + (Δx, Δy).
- EN (21 nodes, full tree): FE_EN MLP (63 + 21 = 84 → 128 → 128 → 3·21); node input
  [4 branch slots × (x, y, d, present) = 16, FE (3), q (2), vis (1)] → C, L blocks, head C → 3,
  added to the mean of the branch estimates that hold the joint ("selecting" among them).

The parameter count is stored in the weights' metadata.

Shapes: joints_norm (B, 21, 2), world_norm (B, 21, 3), visible (B, 21), float32; outputs
(B, 21, 3) float32 = normalised 2D (x, y) and d = (z − z_root)/s (eq. 1).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hdr_live.lift.graph import (
    NUM_BRANCHES,
    HandGraph,
    branch_graphs,
    full_graph,
    membership,
)

MODEL_KIND = "lift-psjnet-en"
HIDDEN = 64
LAYERS = 3
FE_HIDDEN = 128


class GraphBlock(nn.Module):
    """h ← h + ReLU(Â_w h W + b), Â_w = Â ⊙ (1 + E) with learnable E on the edges."""

    def __init__(self, graph: HandGraph, channels: int) -> None:
        super().__init__()
        self.register_buffer("adj", torch.from_numpy(graph.normalised_adjacency()))
        self.register_buffer("mask", torch.from_numpy(graph.adjacency()))
        self.edge = nn.Parameter(torch.zeros_like(self.mask))
        self.lin = nn.Linear(channels, channels)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """(B, n, C) → (B, n, C)."""
        a = self.adj * (1.0 + self.edge * self.mask)
        return h + torch.relu(torch.matmul(a, self.lin(h)))


class GcnTrunk(nn.Module):
    """Node input projection + per-node embedding, L graph blocks, a 3-channel head."""

    def __init__(self, graph: HandGraph, in_channels: int) -> None:
        super().__init__()
        self.inp = nn.Linear(in_channels, HIDDEN)
        self.embed = nn.Parameter(torch.zeros(graph.num_nodes, HIDDEN))
        self.blocks = nn.ModuleList(GraphBlock(graph, HIDDEN) for _ in range(LAYERS))
        self.head = nn.Linear(HIDDEN, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n, in) → (B, n, 3)."""
        h = torch.relu(self.inp(x) + self.embed)
        for block in self.blocks:
            h = block(h)
        return self.head(h)


def feature_encoder(in_features: int, out_features: int) -> nn.Sequential:
    """FE: the MLP replacing Table 1's conv encoder (see the module docstring)."""
    return nn.Sequential(nn.Linear(in_features, FE_HIDDEN), nn.ReLU(),
                         nn.Linear(FE_HIDDEN, FE_HIDDEN), nn.ReLU(),
                         nn.Linear(FE_HIDDEN, out_features))


class Branch(nn.Module):
    """One PSJNet GCN with its FE (D = 2); sees only its 16 joints."""

    def __init__(self, graph: HandGraph) -> None:
        super().__init__()
        n = graph.num_nodes
        self.register_buffer("joints", torch.from_numpy(graph.joints))
        self.fe = feature_encoder(4 * n, 2 * n)
        self.gcn = GcnTrunk(graph, 5)

    def forward(self, q: torch.Tensor, world: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        """Full-hand inputs (B, 21, ·) → (B, 16, 3) incomplete pose (x, y normalised, d)."""
        q, world, vis = q[:, self.joints], world[:, self.joints], vis[:, self.joints, None]
        b, n = q.shape[0], q.shape[1]
        feat = self.fe(torch.cat([world, vis], dim=2).reshape(b, 4 * n)).reshape(b, n, 2)
        out = self.gcn(torch.cat([q, feat, vis], dim=2))
        return torch.cat([q + out[..., :2], out[..., 2:]], dim=2)


class PsjNetEn(nn.Module):
    """PSJNet (N = 4 branches) followed by EN; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.branches = nn.ModuleList(Branch(g) for g in branch_graphs())
        scatter = np.zeros((NUM_BRANCHES, 21, 16), np.float32)  # branch node → joint
        for k, g in enumerate(branch_graphs()):
            scatter[k, g.joints, np.arange(g.num_nodes)] = 1.0
        self.register_buffer("scatter", torch.from_numpy(scatter))
        self.register_buffer("member", torch.from_numpy(membership()))
        self.en_fe = feature_encoder(4 * 21, 3 * 21)
        self.en = GcnTrunk(full_graph(), 4 * NUM_BRANCHES + 6)

    def forward_all(self, q: torch.Tensor, world: torch.Tensor,
                    vis: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(branch poses (B, N, 16, 3), EN pose (B, 21, 3)) for inputs (B, 21, 2/3/—)."""
        parts = torch.stack([br(q, world, vis) for br in self.branches], dim=1)
        return parts, self.merge(parts, q, world, vis)

    def merge(self, parts: torch.Tensor, q: torch.Tensor, world: torch.Tensor,
              vis: torch.Tensor) -> torch.Tensor:
        """EN: (B, N, 16, 3) incomplete poses + inputs → (B, 21, 3)."""
        b = q.shape[0]
        full = torch.einsum("kjn,bknc->bjkc", self.scatter, parts)  # (B, 21, N, 3)
        member = self.member.t().unsqueeze(0).expand(b, 21, NUM_BRANCHES)
        mean = full.sum(dim=2) / self.member.sum(dim=0)[None, :, None]
        slots = torch.cat([full, member.unsqueeze(-1)], dim=3).reshape(b, 21, 4 * NUM_BRANCHES)
        feat = self.en_fe(torch.cat([world, vis[..., None]], dim=2).reshape(b, 84)).reshape(b, 21, 3)
        return mean + self.en(torch.cat([slots, feat, q, vis[..., None]], dim=2))

    def forward(self, q: torch.Tensor, world: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        """EN pose (B, 21, 3) only (the exported graph)."""
        return self.forward_all(q, world, vis)[1]
