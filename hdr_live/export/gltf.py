"""``.glb`` export: both hands as an animated glTF 2.0 node hierarchy (binary glTF).

- Nodes: the skeleton of :mod:`hdr_live.export.skeleton` (53 nodes: ``hands`` root, then per hand
  right, left: wrist, and per finger a ``<side>_<finger>_metacarpal`` node at the wrist followed
  by the finger's four joints). Each node's ``translation`` is its rest offset (the clip's median
  bone length along the mean bone direction), its static ``rotation`` the identity.
- One animation ``hands``: a LINEAR ``rotation`` channel for every node except the root and the
  fingertips (42), and a LINEAR ``translation`` channel per wrist (2), keyed at the log's times
  from 0 (evenly spaced rows when the times are not increasing). Without rows: no animation.
- Every joint node carries a shared 4 mm octahedron mesh ``joint_marker`` so viewers show the
  joints moving (the marker is not part of the skeleton).
- Units: metres (glTF's). Axes: glTF's Y up, x to the camera's right, +z towards the camera
  (the camera axes turned 180° about x). The wrists follow the fitted model in the camera frame
  (the camera at the origin, so a hand at depth d is at z = -d) when the 3D stage ran, else
  the image plane (:mod:`hdr_live.export.placement`); the scene's ``extras`` say which
  (``wrists``) and flag per row the hands whose pose was inferred while hidden
  (``inferred``: {"right": [0/1 per row], "left": [...]}).
- A hand absent from a row holds its last pose (before its first appearance: its first pose);
  a hand never seen stays in the rest pose at the origin. Use the ``.npz`` or ``.csv`` export for
  presence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygltflib as gl

from hdr_live.export._files import atomic_output
from hdr_live.export.series import HAND_ORDER, PoseSeries
from hdr_live.export.skeleton import SkeletonAnimation, build_animation

MARKER_RADIUS_M = 0.004
_OCTAHEDRON = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])
_FACES = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]


class _Blob:
    """Collects the binary chunk and the accessors that point into it."""

    def __init__(self, gltf: gl.GLTF2) -> None:
        self.gltf, self.data = gltf, bytearray()

    def add(self, array: np.ndarray, kind: str, target: int | None = None,
            bounds: bool = False) -> int:
        """Append ``array`` (float32 or uint16); return its accessor index."""
        array = np.ascontiguousarray(array)
        self.data += b"\0" * (-len(self.data) % 4)
        self.gltf.bufferViews.append(gl.BufferView(buffer=0, byteOffset=len(self.data),
                                                   byteLength=array.nbytes, target=target))
        self.data += array.tobytes()
        flat = array.reshape(len(array), -1)
        component = gl.UNSIGNED_SHORT if array.dtype == np.uint16 else gl.FLOAT
        accessor = gl.Accessor(bufferView=len(self.gltf.bufferViews) - 1, componentType=component,
                               count=len(array), type=kind)
        if bounds:
            accessor.min, accessor.max = flat.min(0).tolist(), flat.max(0).tolist()
        self.gltf.accessors.append(accessor)
        return len(self.gltf.accessors) - 1


def _marker_mesh(blob: _Blob) -> int:
    points = blob.add((_OCTAHEDRON * MARKER_RADIUS_M).astype(np.float32), gl.VEC3,
                      gl.ARRAY_BUFFER, bounds=True)
    faces = blob.add(np.array(_FACES, dtype=np.uint16).reshape(-1), gl.SCALAR,
                     gl.ELEMENT_ARRAY_BUFFER)
    primitive = gl.Primitive(attributes=gl.Attributes(POSITION=points), indices=faces)
    blob.gltf.meshes.append(gl.Mesh(name="joint_marker", primitives=[primitive]))
    return len(blob.gltf.meshes) - 1


def _nodes(anim: SkeletonAnimation, mesh: int) -> list[gl.Node]:
    marked = set(anim.joint_nodes.ravel().tolist())
    return [gl.Node(name=name, children=children or [], translation=anim.offsets[n].tolist(),
                    mesh=mesh if n in marked else None)
            for n, (name, children) in enumerate(zip(anim.names, anim.children))]


def continuous_quaternions(quats: np.ndarray) -> np.ndarray:
    """(F, 4) quaternions with signs flipped so neighbours have a positive dot product (the same
    rotations; linear/slerp interpolation then takes the short way)."""
    q = np.array(quats, dtype=np.float64)
    for i in range(1, len(q)):
        if np.dot(q[i], q[i - 1]) < 0:
            q[i] = -q[i]
    return q


def _animation(anim: SkeletonAnimation, blob: _Blob) -> gl.Animation:
    times = blob.add(anim.times_s.astype(np.float32), gl.SCALAR, bounds=True)
    tips = set(anim.joint_nodes[:, [4, 8, 12, 16, 20]].ravel().tolist())
    samplers, channels = [], []

    def channel(node: int, path: str, values: np.ndarray, kind: str) -> None:
        output = blob.add(values.astype(np.float32), kind)
        samplers.append(gl.AnimationSampler(input=times, output=output, interpolation="LINEAR"))
        channels.append(gl.AnimationChannel(sampler=len(samplers) - 1,
                                            target=gl.AnimationChannelTarget(node=node, path=path)))

    for node in range(1, len(anim.names)):
        if node not in tips:
            channel(node, "rotation", continuous_quaternions(anim.rotations[:, node]), gl.VEC4)
    for h, node in enumerate(anim.wrist_nodes):
        channel(int(node), "translation", anim.wrist_positions[:, h], gl.VEC3)
    return gl.Animation(name="hands", samplers=samplers, channels=channels)


def gltf_document(series: PoseSeries) -> gl.GLTF2:
    """The glTF document for ``series`` (layout: see the module docstring), binary blob set."""
    anim = build_animation(series)
    gltf = gl.GLTF2(asset=gl.Asset(generator="hdr-live", version="2.0"), scene=0)
    blob = _Blob(gltf)
    gltf.nodes = _nodes(anim, _marker_mesh(blob))
    gltf.scenes = [gl.Scene(name="hands", nodes=[0], extras={
        "hands": [side.value for side in HAND_ORDER], "units": "metres",
        "axes": "y up, x camera right, z towards the camera (camera axes turned 180° about x)",
        "wrists": "camera frame (fitted model), camera at the origin" if anim.camera_space
        else "image plane, depth 0",
        "inferred": {side.value: anim.inferred[:, h].astype(int).tolist()
                     for h, side in enumerate(HAND_ORDER)}})]
    if series.num_frames:
        gltf.animations = [_animation(anim, blob)]
    gltf.buffers = [gl.Buffer(byteLength=len(blob.data))]
    gltf.set_binary_blob(bytes(blob.data))
    return gltf


def write_glb(path: Path, series: PoseSeries) -> None:
    """Write ``series`` to ``path`` as binary glTF 2.0 (see the module docstring).

    The file is written to a temporary name in the same folder and renamed when complete.

    Raises:
        OSError: the file cannot be written.
    """
    document = gltf_document(series)
    with atomic_output(Path(path)) as tmp:
        document.save_binary(str(tmp))
