"""The hand graphs of PSJNet and EN (Ishii et al., "Occlusion-Robust 3D Hand Pose Estimation
from a Single RGB Image", seed 003, §2 and Fig. 2).

Joint levels (§2: the sets of removed keypoints are {TIP}, {DIP}, {PIP}, {MCP} of every finger,
N = 4, m = 5); the thumb's chain CMC/MCP/IP/TIP (joints 1-4) plays MCP/PIP/DIP/TIP:

    level 0 TIP = (4, 8, 12, 16, 20)    level 1 DIP = (3, 7, 11, 15, 19)
    level 2 PIP = (2, 6, 10, 14, 18)    level 3 MCP = (1, 5, 9, 13, 17)

Branch k of PSJNet sees the J − m = 16 joints left when level k is removed. Its edges are the
finger chains of :data:`hdr_live.joints.FINGERS` with the removed joint skipped (its two
neighbours along the finger are joined), so every branch graph stays one connected tree. EN's
graph is the full 21-joint tree (:data:`hdr_live.joints.BONES`). Pure numpy (no torch).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from hdr_live.joints import BONES, FINGERS, NUM_JOINTS

#: Number of PSJNet branches N (seed 003 §2).
NUM_BRANCHES = 4
#: Joints removed per branch m (one per finger).
REMOVED_PER_BRANCH = 5
#: Joints per branch J − m.
BRANCH_JOINTS = NUM_JOINTS - REMOVED_PER_BRANCH
#: The four levels, each one joint per finger (thumb first): TIP, DIP, PIP, MCP.
LEVELS: tuple[tuple[int, ...], ...] = tuple(
    tuple(chain[4 - k] for chain in FINGERS) for k in range(NUM_BRANCHES)
)


@dataclasses.dataclass(frozen=True)
class HandGraph:
    """A graph over a subset of the 21 joints.

    Attributes:
        joints: (J_k,) int64 joint ids (ascending) of the nodes; node n is joint ``joints[n]``.
        edges: (E, 2) int64 undirected edges as node (not joint) index pairs.
    """

    joints: np.ndarray
    edges: np.ndarray

    @property
    def num_nodes(self) -> int:
        """J_k."""
        return int(self.joints.shape[0])

    def adjacency(self) -> np.ndarray:
        """(J_k, J_k) float32 symmetric 0/1 adjacency with self-loops."""
        a = np.eye(self.num_nodes, dtype=np.float32)
        a[self.edges[:, 0], self.edges[:, 1]] = 1.0
        a[self.edges[:, 1], self.edges[:, 0]] = 1.0
        return a

    def normalised_adjacency(self) -> np.ndarray:
        """(J_k, J_k) float32 D^-1/2 (A + I) D^-1/2 (Kipf & Welling 2017, eq. 2)."""
        a = self.adjacency()
        d = 1.0 / np.sqrt(a.sum(axis=1))
        return (a * d[:, None] * d[None, :]).astype(np.float32)

    def is_connected(self) -> bool:
        """Whether every node is reachable from node 0."""
        a = self.adjacency() > 0
        seen = np.zeros(self.num_nodes, bool)
        seen[0] = True
        for _ in range(self.num_nodes):
            seen = seen | a[seen].any(axis=0)
        return bool(seen.all())


def full_graph() -> HandGraph:
    """EN's graph: all 21 joints with the 20 bones."""
    return HandGraph(np.arange(NUM_JOINTS, dtype=np.int64), np.asarray(BONES, dtype=np.int64))


def branch_graph(level: int) -> HandGraph:
    """Branch ``level``'s graph: the 16 joints without :data:`LEVELS` [level], chains rejoined.

    Raises:
        ValueError: ``level`` not in 0..3.
    """
    if not 0 <= level < NUM_BRANCHES:
        raise ValueError(f"level must be in 0..{NUM_BRANCHES - 1}, got {level}")
    removed = set(LEVELS[level])
    joints = np.array([j for j in range(NUM_JOINTS) if j not in removed], dtype=np.int64)
    node = {int(j): n for n, j in enumerate(joints)}
    edges = []
    for chain in FINGERS:
        kept = [j for j in chain if j not in removed]
        edges += [(node[a], node[b]) for a, b in itertools.pairwise(kept)]
    return HandGraph(joints, np.asarray(edges, dtype=np.int64))


def branch_graphs() -> tuple[HandGraph, ...]:
    """The N = 4 PSJNet graphs, level 0 (TIP removed) first."""
    return tuple(branch_graph(k) for k in range(NUM_BRANCHES))


def membership() -> np.ndarray:
    """(N, 21) float32: 1 where joint j is a node of branch k (each finger joint is in 3
    branches, the wrist in all 4)."""
    out = np.zeros((NUM_BRANCHES, NUM_JOINTS), np.float32)
    for k, g in enumerate(branch_graphs()):
        out[k, g.joints] = 1.0
    return out
