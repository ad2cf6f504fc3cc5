"""Per-dataset bank of hand shapes and a per-process cache of their meshes.

Meshing a shape is far costlier than posing it, so a dataset draws its hands from ``bank_size``
shapes (fixed by the dataset seed), meshes each once per process, and varies the global scale
per sample, which costs nothing.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp

import numpy as np

from training.synth.hand_mesh import HandMesh, build_hand_mesh
from hdr_live.hand_model.skeleton import HandShape

#: Per-process memo of built meshes, keyed by the (frozen, hashable) shape. Forked worker
#: processes inherit what the parent built (see :func:`preload`).
_MESHES: dict[HandShape, HandMesh] = {}


def cached_mesh(shape: HandShape) -> HandMesh:
    """:func:`build_hand_mesh` memoised per process."""
    if shape not in _MESHES:
        _MESHES[shape] = build_hand_mesh(shape)
    return _MESHES[shape]


def preload(dataset_seed: int, bank_size: int, workers: int = 1) -> None:
    """Build the whole bank of a dataset into this process's memo (in parallel if ``workers`` > 1).

    Call it before forking worker processes so that each mesh is built once, not per worker.
    """
    shapes = [bank_shape(dataset_seed, i) for i in range(bank_size)]
    todo = [s for s in shapes if s not in _MESHES]
    if workers > 1 and len(todo) > 1:
        with mp.get_context("fork").Pool(min(workers, len(todo))) as pool:
            built = pool.map(build_hand_mesh, todo)
    else:
        built = [build_hand_mesh(s) for s in todo]
    _MESHES.update(zip(todo, built))


def bank_shape(dataset_seed: int, shape_id: int) -> HandShape:
    """Shape ``shape_id`` of the dataset's bank (unit global scale), deterministic."""
    rng = np.random.default_rng([dataset_seed, 0x5A9E, shape_id])
    return dataclasses.replace(HandShape.sample(rng), scale=1.0)


def person_mesh(dataset_seed: int, shape_id: int, scale: float) -> HandMesh:
    """The bank mesh ``shape_id`` with global scale ``scale`` (shares the cached arrays)."""
    mesh = cached_mesh(bank_shape(dataset_seed, shape_id))
    return dataclasses.replace(mesh, shape=dataclasses.replace(mesh.shape, scale=float(scale)))
