"""PSJNet's branch graphs (seed 003 §2): each lacks exactly its level and stays connected."""

import itertools

import numpy as np

from hdr_live.joints import FINGERS
from hdr_live.lift.graph import (
    LEVELS,
    branch_graph,
    branch_graphs,
    full_graph,
    membership,
)


def test_levels_partition_the_finger_joints():
    joints = sorted(j for level in LEVELS for j in level)
    assert joints == list(range(1, 21))
    for k, level in enumerate(LEVELS):  # one joint per finger, at depth 4 - k along the chain
        assert level == tuple(chain[4 - k] for chain in FINGERS)


def test_each_branch_lacks_exactly_its_level_and_is_a_connected_tree():
    for k, g in enumerate(branch_graphs()):
        assert set(range(21)) - set(g.joints.tolist()) == set(LEVELS[k])
        assert g.num_nodes == 16 and len(g.edges) == 15  # a tree: n - 1 edges
        assert g.is_connected()
        joint_edges = {tuple(sorted(g.joints[e].tolist())) for e in g.edges}
        for chain in FINGERS:  # removed joint skipped: its neighbours are joined
            kept = [j for j in chain if j not in LEVELS[k]]
            assert all(tuple(sorted(p)) in joint_edges for p in itertools.pairwise(kept))


def test_full_graph_and_membership():
    g = full_graph()
    assert g.num_nodes == 21 and len(g.edges) == 20 and g.is_connected()
    m = membership()
    assert m[:, 0].tolist() == [1, 1, 1, 1] and (m[:, 1:].sum(0) == 3).all()
    a = g.normalised_adjacency()
    assert np.allclose(a, a.T)


def test_disconnected_graph_is_detected():
    g = branch_graph(0)
    cut = type(g)(g.joints, g.edges[1:])
    assert not cut.is_connected()
