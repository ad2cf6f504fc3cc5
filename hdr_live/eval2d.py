"""2D evaluation against ``*.gt.json`` ground truth (format: ``../shared/real/README.md``).

Metrics per annotated hand: 2D EPE (mean end-point error, pixels, over annotated joints), whether
the hand was found, left/right swaps, and MPJPE (mm, wrist-aligned) where 3D ground truth exists:
of the pipeline's 3D output (the fitted hand model's ``joints_cam_m`` when the 3D stage ran,
else SHPE's wrist-relative joints), and beside it of SHPE's own joints and of the lifted pose.
Per image with both hands' 3D ground truth: MRRPE (mm), the error of the right-wrist→left-wrist
vector in the camera frame (InterHand2.6M's definition), which needs ``joints_cam_m``.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from hdr_live import metrics3d
from hdr_live.io.json_object import read_json_object
from hdr_live.io.sources import IMAGE_SUFFIXES, InputError, read_image
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.pipeline import Pipeline
from hdr_live.types import Frame, Hands, HandPose


@dataclasses.dataclass(frozen=True)
class GroundTruth:
    """One annotated image.

    Attributes:
        image_path: the image the annotation belongs to.
        joints_px: per side (21, 2) float64 frame pixels, NaN where a joint has no annotation;
            None for a hand without any annotation.
        joints_cam_mm: per side (21, 3) float64 camera-frame millimetres (NaN as above), or None.
        focal_px: the camera's focal length in pixels (``camera_intrinsics`` fx, fy averaged),
            or None when the file has none.
        principal_px: (cx, cy) the camera's principal point in pixels, or None.
        size_wh: the image's (width, height) in pixels the joints refer to
            (``image_size_wh``), or None when the file does not say.
    """

    image_path: Path
    joints_px: Hands[np.ndarray]
    joints_cam_mm: Hands[np.ndarray]
    focal_px: float | None = None
    principal_px: tuple[float, float] | None = None
    size_wh: tuple[int, int] | None = None


_HAND_KEYS = {"left": 2, "right": 2, "left_3d_cam_mm": 3, "right_3d_cam_mm": 3}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _joint_row(value: object, dims: int) -> list[float]:
    if value is None:
        return [math.nan] * dims
    if not (isinstance(value, list) and len(value) == dims and all(map(_is_number, value))):
        raise ValueError(f"a joint must be null or {dims} finite numbers, got {value!r:.60}")
    return [float(v) for v in value]


def _joint_array(values: object, dims: int) -> np.ndarray | None:
    """(21, dims) float64 with NaN rows for null joints, or None for a hand without any.

    Raises:
        ValueError: not null or a list of 21 joints, each null or ``dims`` finite numbers.
    """
    if values is None:
        return None
    if not isinstance(values, list) or len(values) != NUM_JOINTS:
        count = len(values) if isinstance(values, list) else type(values).__name__
        raise ValueError(f"expected null or a list of {NUM_JOINTS} joints, got {count}")
    arr = np.array([_joint_row(v, dims) for v in values], dtype=np.float64)
    return None if np.isnan(arr).all() else arr


def _image_beside(path: Path, data: dict) -> Path:
    name = data.get("image", "")
    if not isinstance(name, str):
        raise InputError(f"ground truth {path}: 'image' must be a file name, got {name!r:.60}")
    folder = Path(path).parent
    image = folder / name
    if name and (Path(name).name != name or name in (".", "..")
                 or image.resolve().parent != folder.resolve()):
        raise InputError(f"ground truth {path}: 'image' must name a file in its own folder, got "
                         f"{name!r:.80}")
    if name and image.is_file():
        return image
    stem = Path(path).name[: -len(".gt.json")]
    candidates = [Path(path).parent / f"{stem}{s}" for s in sorted(IMAGE_SUFFIXES)]
    found = [c for c in candidates if c.is_file()]
    if not found:
        raise InputError(f"no image beside {path}")
    return found[0]


def _hand_arrays(path: Path, data: dict) -> dict[str, np.ndarray | None]:
    arrays = {}
    for key, dims in _HAND_KEYS.items():
        try:
            arrays[key] = _joint_array(data.get(key), dims)
        except ValueError as exc:
            raise InputError(f"ground truth {path}: '{key}': {exc}") from None
    return arrays


def _intrinsics(path: Path, data: dict) -> tuple[float | None, tuple[float, float] | None]:
    value = data.get("camera_intrinsics")
    if value is None:
        return None, None
    keys = ("fx", "fy", "cx", "cy")
    if not (isinstance(value, dict) and all(_is_number(value.get(k)) for k in keys)
            and value["fx"] > 0 and value["fy"] > 0):
        raise InputError(f"ground truth {path}: 'camera_intrinsics' must hold positive fx, fy "
                         "and finite cx, cy")
    return (float(value["fx"]) + float(value["fy"])) / 2.0, (float(value["cx"]),
                                                             float(value["cy"]))


def load_ground_truth(path: Path) -> GroundTruth:
    """Read and check one ``*.gt.json`` and find its image beside it.

    Every hand entry (``left``, ``right``, ``left_3d_cam_mm``, ``right_3d_cam_mm``) must be
    null or 21 joints, each null or 2 (pixels) or 3 (millimetres) finite numbers; an optional
    ``camera_intrinsics`` holds ``fx, fy, cx, cy`` in pixels.

    Raises:
        InputError: unreadable or invalid JSON, a hand entry of the wrong shape or with a
            non-finite or non-numeric value, invalid intrinsics or ``image_size_wh``, an
            ``image`` outside the file's folder, or no image beside it (the file is named).
    """
    data = read_json_object(path, "ground truth")
    image = _image_beside(path, data)
    a = _hand_arrays(path, data)
    px = Hands(left=a["left"], right=a["right"])
    mm = Hands(left=a["left_3d_cam_mm"], right=a["right_3d_cam_mm"])
    focal, principal = _intrinsics(path, data)
    return GroundTruth(image, px, mm, focal, principal, _size_wh(path, data))


def _size_wh(path: Path, data: dict) -> tuple[int, int] | None:
    value = data.get("image_size_wh")
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise InputError(f"ground truth {path}: 'image_size_wh' must be two positive integers, "
                         f"got {value!r:.60}")
    return int(value[0]), int(value[1])


def epe_px(pred_px: np.ndarray, gt_px: np.ndarray) -> float:
    """Mean 2D end-point error in pixels over the joints with ground truth (the HDR paper's 2D
    EPE).

    Args:
        pred_px: (21, 2) predicted frame pixels.
        gt_px: (21, 2) ground-truth frame pixels, NaN rows where not annotated.

    Returns:
        The mean Euclidean distance (pixels) over the rows where ``gt_px`` is finite (both
        coordinates), NaN when no row is (no warning). NaN in ``pred_px`` at such a row gives NaN.

    Raises:
        ValueError: an array is not of shape (21, 2).
    """
    pred, gt = np.asarray(pred_px, dtype=np.float64), np.asarray(gt_px, dtype=np.float64)
    for name, arr in (("pred_px", pred), ("gt_px", gt)):
        if arr.shape != (NUM_JOINTS, 2):
            raise ValueError(f"{name} must have shape ({NUM_JOINTS}, 2), got {arr.shape}")
    rows = np.isfinite(gt).all(axis=1)
    if not rows.any():
        return math.nan
    return float(np.linalg.norm(pred[rows] - gt[rows], axis=1).mean())


def mpjpe_mm(pred_rel_m: np.ndarray, gt_cam_mm: np.ndarray) -> float:
    """MPJPE in millimetres after aligning both skeletons at the wrist (joint 0).

    Args:
        pred_rel_m: (21, 3) predicted metres relative to the wrist, camera axes.
        gt_cam_mm: (21, 3) ground-truth camera-frame millimetres (NaN where missing).

    Returns:
        Mean joint distance in mm, or NaN when the ground-truth wrist is missing.
    """
    gt_rel = gt_cam_mm - gt_cam_mm[0]
    err = np.linalg.norm(pred_rel_m * 1000.0 - gt_rel, axis=1)
    return float(np.nanmean(err[1:])) if np.isfinite(gt_cam_mm[0]).all() else float("nan")


@dataclasses.dataclass(frozen=True)
class HandEval:
    """Result for one annotated hand.

    Attributes:
        side: the annotated hand.
        found: the pipeline returned a hand of this side.
        epe_px: 2D EPE in pixels (NaN when not found).
        mpjpe_mm: wrist-aligned MPJPE in mm of the pipeline's 3D output (the fitted
            ``joints_cam_m`` when present, else ``joints_rel_m``; NaN when not found or no 3D
            ground truth).
        swapped: the hand was returned under the other side's label.
        mpjpe_shpe_mm: the same for SHPE's wrist-relative joints (``joints_rel_m``).
        mpjpe_lifted_mm: the same for the lifted pose (NaN without one).
    """

    side: Side
    found: bool
    epe_px: float
    mpjpe_mm: float
    swapped: bool
    mpjpe_shpe_mm: float = float("nan")
    mpjpe_lifted_mm: float = float("nan")


def output_rel_m(pose: HandPose) -> np.ndarray:
    """(21, 3) wrist-relative metres of a pose's 3D output: the fitted ``joints_cam_m`` minus
    its wrist when the 3D stage ran, else ``joints_rel_m``."""
    if pose.joints_cam_m is not None:
        return pose.joints_cam_m - pose.joints_cam_m[0]
    return pose.joints_rel_m


def mrrpe_mm(poses: Hands[HandPose], gt: GroundTruth) -> float:
    """MRRPE in millimetres: ``‖(l̂_0 − r̂_0) − (l_0 − r_0)‖`` for the wrists (joint 0) of the
    left and right hands in the camera frame (InterHand2.6M's mean relative-root position
    error).

    Returns:
        The error, or NaN unless both hands have camera-frame 3D ground truth at the wrist and
        a fitted ``joints_cam_m``.
    """
    preds = [poses.get(s) for s in (Side.RIGHT, Side.LEFT)]
    gts = [gt.joints_cam_mm.get(s) for s in (Side.RIGHT, Side.LEFT)]
    if any(p is None or p.joints_cam_m is None for p in preds) or any(
            g is None or not np.isfinite(g[0]).all() for g in gts):
        return float("nan")
    return metrics3d.mrrpe_mm(preds[0].joints_cam_m, preds[1].joints_cam_m,
                              gts[0] / 1000.0, gts[1] / 1000.0)


def evaluate_hands(poses: Hands[HandPose], gt: GroundTruth) -> list[HandEval]:
    """Compare predicted poses with the ground truth of one image."""
    out = []
    for side in (Side.RIGHT, Side.LEFT):
        gt_px = gt.joints_px.get(side)
        if gt_px is None:
            continue
        pred, other = poses.get(side), poses.get(side.other)
        own_err = epe_px(pred.joints_px, gt_px) if pred is not None else np.inf
        swapped = False
        if other is not None:
            to_here = epe_px(other.joints_px, gt_px)
            gt_other = gt.joints_px.get(side.other)
            to_own = epe_px(other.joints_px, gt_other) if gt_other is not None else np.inf
            swapped = bool(to_here < to_own and to_here < own_err)
        mm = gt.joints_cam_mm.get(side)
        scored = pred is not None and mm is not None
        nan = float("nan")
        lifted = None if pred is None else pred.lifted_rel_m
        out.append(
            HandEval(
                side=side,
                found=pred is not None,
                epe_px=float(own_err) if pred is not None else nan,
                mpjpe_mm=mpjpe_mm(output_rel_m(pred), mm) if scored else nan,
                swapped=swapped,
                mpjpe_shpe_mm=mpjpe_mm(pred.joints_rel_m, mm) if scored else nan,
                mpjpe_lifted_mm=(mpjpe_mm(lifted, mm) if scored and lifted is not None
                                 else nan),
            )
        )
    return out


def evaluate_image(pipeline: Pipeline, gt: GroundTruth) -> tuple[list[HandEval], float]:
    """Run ``pipeline`` on the annotated image (as a fresh sequence) and evaluate it.

    Returns:
        The per-hand evaluations and the image's MRRPE in mm (NaN, see :func:`mrrpe_mm`).

    Raises:
        InputError: the image cannot be read, or its size differs from the ground truth's
            ``image_size_wh``.
    """
    pipeline.reset()
    rgb = read_image(gt.image_path)
    size_wh = (rgb.shape[1], rgb.shape[0])
    if gt.size_wh is not None and size_wh != gt.size_wh:
        raise InputError(f"{gt.image_path} is {size_wh[0]}×{size_wh[1]} but its ground truth is "
                         f"for {gt.size_wh[0]}×{gt.size_wh[1]} (rescaled image?)")
    result = pipeline.process(Frame(rgb, 0, 0.0, gt.image_path.name))
    return evaluate_hands(result.poses, gt), mrrpe_mm(result.poses, gt)


def find_ground_truth(folder: Path) -> list[Path]:
    """All ``*.gt.json`` files of a folder, sorted.

    Raises:
        InputError: the folder is missing or has none.
    """
    if not Path(folder).is_dir():
        raise InputError(f"no such folder: {folder}")
    files = sorted(Path(folder).glob("*.gt.json"))
    if not files:
        raise InputError(f"no *.gt.json files in {folder}")
    return files
