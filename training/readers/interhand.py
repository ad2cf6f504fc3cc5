"""Reader for InterHand2.6M (Moon et al., ECCV 2020), v1.0 layout::

    ROOT/images/{split}/<file_name from data.json>          e.g. Capture0/<seq>/cam400262/image19207.jpg
    ROOT/annotations/{split}/InterHand2.6M_{split}_data.json      COCO-style "images" + "annotations"
    ROOT/annotations/{split}/InterHand2.6M_{split}_camera.json    {capture: {campos, camrot, focal, princpt}}
    ROOT/annotations/{split}/InterHand2.6M_{split}_joint_3d.json  {capture: {frame: {world_coord, ...}}}

InterHand orders 42 joints: right hand 0-20, left 21-41, each finger tip first (thumb4..thumb1,
index4..index1, ...), wrist last. World coordinates are millimetres; a camera maps them by
``p_cam = camrot @ (p_world - campos)``. Here everything is converted to the project's joint
order (:class:`hdr_live.joints.Joint`), metres and pixels.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import cv2
import numpy as np

from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import Hands
from training.synth.camera import Camera

#: For each project joint, the InterHand index within one hand (0-20).
IH_TO_PROJECT = np.array([20] + [4 * f + 3 - k for f in range(5) for k in range(4)])


def project_order(ih_hand: np.ndarray) -> np.ndarray:
    """Reorder one hand's 21 InterHand joints (any trailing shape) into the project's order."""
    return np.asarray(ih_hand)[IH_TO_PROJECT]


@dataclasses.dataclass(frozen=True)
class InterHandHand:
    """One hand's ground truth in one camera.

    Attributes:
        joints_cam_m: (21, 3) float64, camera frame (x right, y down, z forward), metres.
        joints_px: (21, 2) float64 pixels of the stored image.
        valid: (21,) bool joint validity from the dataset.
    """

    joints_cam_m: np.ndarray
    joints_px: np.ndarray
    valid: np.ndarray


@dataclasses.dataclass(frozen=True)
class InterHandFrame:
    """One image of InterHand2.6M.

    Attributes:
        image_path: the JPEG. image_id: dataset id. capture, camera, frame_idx, seq_name: provenance.
        hand_type: "right", "left" or "interacting" (dataset label).
        camera_model: intrinsics at the stored image size.
        rot_wc: (3, 3) float64 world->camera rotation. campos_m: (3,) camera centre, metres.
        hands: per-side :class:`InterHandHand` (None where the side has no valid joint).
    """

    image_path: pathlib.Path
    image_id: int
    capture: int
    camera: str
    frame_idx: int
    seq_name: str
    hand_type: str
    camera_model: Camera
    rot_wc: np.ndarray
    campos_m: np.ndarray
    hands: Hands[InterHandHand]

    def load_image(self) -> np.ndarray:
        """(H, W, 3) uint8 RGB.

        Raises:
            FileNotFoundError: the image is missing.
        """
        img = cv2.imread(str(self.image_path), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(self.image_path)
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _annotation_files(root: pathlib.Path, split: str) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    base = root / "annotations" / split
    return tuple(base / f"InterHand2.6M_{split}_{kind}.json" for kind in ("data", "camera", "joint_3d"))  # type: ignore[return-value]


class InterHandReader:
    """Indexable InterHand2.6M split (``len``, ``[i]`` -> :class:`InterHandFrame`)."""

    def __init__(self, root: pathlib.Path, split: str = "test") -> None:
        """Load the split's annotation JSONs (they are large for the full dataset: minutes, GBs).

        Args:
            root: dataset root (with images/ and annotations/).
            split: "train", "val" or "test".

        Raises:
            FileNotFoundError: an annotation file is missing.
        """
        self.root = pathlib.Path(root)
        self.split = split
        data_p, cam_p, joint_p = _annotation_files(self.root, split)
        data = json.loads(data_p.read_text())
        self._cameras = json.loads(cam_p.read_text())
        self._joints = json.loads(joint_p.read_text())
        anns = {a["image_id"]: a for a in data["annotations"]}
        self._images = [(img, anns[img["id"]]) for img in data["images"] if img["id"] in anns]

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, i: int) -> InterHandFrame:
        img, ann = self._images[i]
        cap, cam = str(img["capture"]), str(img["camera"])
        params = self._cameras[cap]
        rot = np.asarray(params["camrot"][cam], dtype=np.float64)
        campos = np.asarray(params["campos"][cam], dtype=np.float64) / 1000.0
        (fx, fy), (cx, cy) = params["focal"][cam], params["princpt"][cam]
        camera = Camera(float(fx), float(fy), float(cx), float(cy), int(img["width"]), int(img["height"]))
        rec = self._joints[cap][str(img["frame_idx"])]
        world = np.asarray(rec["world_coord"], dtype=np.float64) / 1000.0
        valid = np.asarray(rec["joint_valid"], dtype=bool).reshape(-1) & np.asarray(
            ann["joint_valid"], dtype=bool
        ).reshape(-1)
        cam_pts = (world - campos) @ rot.T
        hands: Hands[InterHandHand] = Hands()
        for side, offset in ((Side.RIGHT, 0), (Side.LEFT, NUM_JOINTS)):
            v = project_order(valid[offset : offset + NUM_JOINTS])
            if not v.any():
                continue
            j = project_order(cam_pts[offset : offset + NUM_JOINTS])
            px = np.stack([fx * j[:, 0] / j[:, 2] + cx, fy * j[:, 1] / j[:, 2] + cy], axis=1)
            hands = hands.with_side(side, InterHandHand(j, px, v))
        return InterHandFrame(
            image_path=self.root / "images" / self.split / img["file_name"],
            image_id=int(img["id"]),
            capture=int(img["capture"]),
            camera=cam,
            frame_idx=int(img["frame_idx"]),
            seq_name=str(img.get("seq_name", "")),
            hand_type=str(ann.get("hand_type", rec.get("hand_type", ""))),
            camera_model=camera,
            rot_wc=rot,
            campos_m=campos,
            hands=hands,
        )
