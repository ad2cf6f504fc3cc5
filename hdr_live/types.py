"""Data that flows between the stages: small frozen dataclasses with shapes and units.

Coordinate frames:
- *frame pixels*: x right, y down, origin at the centre of the top-left pixel (OpenCV).
- *crop pixels*: the same convention inside a crop image.
- *camera axes* for 3D: x right, y down, z away from the camera, metres.

Sides are the person's own hands (see :mod:`hdr_live.joints`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import ClassVar, Generic, Iterator, TypeVar

import numpy as np

from hdr_live.camera import Intrinsics
from hdr_live.checks import check_array
from hdr_live.hand_masks import HandMasks
from hdr_live.joints import BONES, NUM_JOINTS, Side

T = TypeVar("T")
U = TypeVar("U")


@dataclasses.dataclass(frozen=True)
class Hands(Generic[T]):
    """One optional value per hand, keyed by the person's side."""

    left: T | None = None
    right: T | None = None

    def get(self, side: Side) -> T | None:
        """The value for ``side`` or None."""
        return self.left if side is Side.LEFT else self.right

    def with_side(self, side: Side, value: T | None) -> "Hands[T]":
        """A copy with ``side`` set to ``value``."""
        return dataclasses.replace(self, **{side.value: value})

    def items(self) -> Iterator[tuple[Side, T]]:
        """(side, value) for the hands that are present, right first."""
        for side in (Side.RIGHT, Side.LEFT):
            value = self.get(side)
            if value is not None:
                yield side, value

    def map(self, fn: Callable[[Side, T], U | None]) -> "Hands[U]":
        """``fn(side, value)`` for each present hand; absent hands stay absent."""
        return Hands(
            left=None if self.left is None else fn(Side.LEFT, self.left),
            right=None if self.right is None else fn(Side.RIGHT, self.right),
        )

    @staticmethod
    def of(fn: Callable[[Side], T | None]) -> "Hands[T]":
        """A :class:`Hands` with ``fn(side)`` for both sides (right computed first)."""
        right = fn(Side.RIGHT)
        return Hands(left=fn(Side.LEFT), right=right)

    def __len__(self) -> int:
        return sum(1 for _ in self.items())


@dataclasses.dataclass(frozen=True)
class HandGeometry:
    """What the silhouette needs of one hand.

    Attributes:
        joints_px: (21, 2) float64 frame pixels.
        joints_rel_m: (21, 3) float64 metres relative to the wrist, camera axes (z away).
    """

    joints_px: np.ndarray
    joints_rel_m: np.ndarray

    def px_per_m(self) -> float:
        """Image scale of the hand: summed 2D bone lengths over their metric x-y lengths.

        Using the x-y components of the 3D bones makes the ratio insensitive to bones that point
        at the camera (foreshortening).
        """
        idx = np.array(BONES)
        px = np.linalg.norm(self.joints_px[idx[:, 1]] - self.joints_px[idx[:, 0]], axis=1).sum()
        m = np.linalg.norm(
            self.joints_rel_m[idx[:, 1], :2] - self.joints_rel_m[idx[:, 0], :2], axis=1
        ).sum()
        return float(px / m) if m > 1e-6 else 1.0

    def joint_depth_m(self, focal_px: float) -> np.ndarray:
        """(21,) absolute depth per joint in metres, wrist depth from ``focal_px / px_per_m``."""
        wrist_z = focal_px / max(self.px_per_m(), 1e-6)
        return wrist_z + self.joints_rel_m[:, 2]


class FrameError(ValueError):
    """A :class:`Frame` field is invalid (the message names it)."""


class FrameTypeError(FrameError, TypeError):
    """A :class:`Frame` field has the wrong type (both a ``ValueError`` and a ``TypeError``)."""


def _check_frame_rgb(rgb: object) -> None:
    if not isinstance(rgb, np.ndarray):
        raise FrameTypeError(f"Frame.rgb must be a numpy array, got {type(rgb).__name__}")
    if rgb.dtype != np.uint8:
        raise FrameTypeError(f"Frame.rgb must have dtype uint8, got {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise FrameError(f"Frame.rgb must have shape (H, W, 3), got {rgb.shape}")
    if min(rgb.shape[:2]) < Frame.MIN_SIDE_PX:
        raise FrameError(f"Frame.rgb is too small: {rgb.shape} (at least "
                         f"{Frame.MIN_SIDE_PX}×{Frame.MIN_SIDE_PX} pixels)")


def _check_frame_index(index: object) -> None:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise FrameTypeError(f"Frame.index must be an int, got {type(index).__name__}")
    if index < 0:
        raise FrameError(f"Frame.index must be 0 or more, got {index}")


def _check_frame_time(t_s: object) -> None:
    if isinstance(t_s, bool) or not isinstance(t_s, (int, float, np.integer, np.floating)):
        raise FrameTypeError(f"Frame.t_capture_s must be a number, got {type(t_s).__name__}")
    if not math.isfinite(t_s):
        raise FrameError(f"Frame.t_capture_s must be finite, got {t_s}")


@dataclasses.dataclass(frozen=True)
class Frame:
    """One input image.

    Attributes:
        rgb: (H, W, 3) uint8, RGB order, C-contiguous (a non-contiguous array is copied), H and
            W at least :attr:`MIN_SIDE_PX`.
        index: 0-based position in the input sequence (an int ≥ 0).
        t_capture_s: capture time in seconds, finite (video: presentation time; camera:
            monotonic clock at grab; still images: 0.0 or index / ``--fps`` for a folder).
        source_name: the image's file name for still images and image folders, else None.

    Raises:
        FrameError: a field is out of range or of the wrong type (``rgb`` not a uint8 array
            of shape (H, W, 3), too small, a negative or non-integer ``index``, a non-finite
            time). It is a ``ValueError``, and also a ``TypeError`` for a wrong type.
    """

    rgb: np.ndarray
    index: int
    t_capture_s: float
    source_name: str | None = None

    MIN_SIDE_PX: ClassVar[int] = 2

    def __post_init__(self) -> None:
        _check_frame_rgb(self.rgb)
        if not self.rgb.flags.c_contiguous:
            object.__setattr__(self, "rgb", np.ascontiguousarray(self.rgb))
        _check_frame_index(self.index)
        _check_frame_time(self.t_capture_s)

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


@dataclasses.dataclass(frozen=True)
class HasmOutput:
    """What HASM gives the later stages.

    Attributes:
        masks: the four masks.
        prior_joints_px: the joint prior per hand that HASM used, (21, 2) float64 frame pixels,
            or None for a hand without a prior. Later stages use it to orient crops.
        coasting: the sides whose prior is a lost hand's last joints (the tracker coasts it,
            :mod:`hdr_live.stages.hasm.tracker`), not a pose of the previous frame or a
            detection: a weaker hypothesis, so a pose there needs a higher presence
            (:attr:`hdr_live.config.ShpeConfig.min_coasting_score`).
        arm_wrists_px: per side, (2,) float64 frame pixels of the wrist at the end of that
            arm when a body is in view (the tracker's body evidence) and the wrist lies in the
            frame, else None: where a hidden hand must be, whatever hides it.
    """

    masks: HandMasks
    prior_joints_px: Hands[np.ndarray]
    coasting: frozenset[Side] = frozenset()
    arm_wrists_px: Hands[np.ndarray] = Hands()


@dataclasses.dataclass(frozen=True)
class HandCrop:
    """One hand's crop after HDRM (HDR paper §3.3).

    Attributes:
        side: the person's hand this crop is centred on.
        rgb: (S, S, 3) uint8 restored crop (the target hand de-occluded, the other hand removed),
            looking like a right hand (a left hand is mirrored).
        input_rgb: (S, S, 3) uint8 crop before restoration, same geometry as ``rgb``.
        crop_to_frame: (2, 3) float64 affine mapping crop pixels to frame pixels, mirror included
            (its 2x2 part has a negative determinant when ``mirrored``).
        mirrored: whether the crop was flipped horizontally to look like a right hand.
        m_d: (S, S) bool de-occlusion region M_D = M_ta·(1−M_tv) (paper eq. 2).
        m_r: (S, S) bool removal region M_R = (1−M_ta)·M_ov (paper eq. 2).
        visible: (S, S) bool target hand's visible mask in the crop.
    """

    side: Side
    rgb: np.ndarray
    input_rgb: np.ndarray
    crop_to_frame: np.ndarray
    mirrored: bool
    m_d: np.ndarray
    m_r: np.ndarray
    visible: np.ndarray

    def __post_init__(self) -> None:
        size = self.rgb.shape[0]
        check_array(self.rgb, "HandCrop.rgb", (size, size, 3), np.uint8)
        check_array(self.input_rgb, "HandCrop.input_rgb", (size, size, 3), np.uint8)
        check_array(self.crop_to_frame, "HandCrop.crop_to_frame", (2, 3), np.float64)
        for name in ("m_d", "m_r", "visible"):
            check_array(getattr(self, name), f"HandCrop.{name}", (size, size), np.bool_)

    @property
    def size_px(self) -> int:
        return int(self.rgb.shape[0])


@dataclasses.dataclass(frozen=True)
class HandPose:
    """One hand's pose.

    Attributes:
        side: the person's hand.
        joints_px: (21, 2) float64 joint positions in frame pixels.
        joints_rel_m: (21, 3) float64 joints in metres, camera axes, relative to the wrist
            (row 0 is zero).
        visible: (21,) bool, True where the joint falls on its own hand's visible mask.
        score: hand presence confidence in [0, 1]; for an ``inferred`` hand, the confidence
            of the estimate, which decays while the hand stays hidden.
        joints_cam_m: (21, 3) float64 absolute joints in the camera frame, metres (x right,
            y down, z away), from the hand model fitted to the frame's evidence (the 3D stage,
            :mod:`hdr_live.threed`); both hands share the frame, so their relative placement
            holds. None when the 3D stage is off.
        lifted_rel_m: (21, 3) float64 the occlusion-robust lifted pose (PSJNet + EN, Ishii
            et al.), metres relative to the wrist, camera axes; None when lifting is off.
        inferred: the hand is (almost) wholly hidden: no network saw it in this frame, and its
            joints are the fitted model moved by the temporal model and what evidence remains
            (``visible`` is False for its hidden joints).
    """

    side: Side
    joints_px: np.ndarray
    joints_rel_m: np.ndarray
    visible: np.ndarray
    score: float
    joints_cam_m: np.ndarray | None = None
    lifted_rel_m: np.ndarray | None = None
    inferred: bool = False

    def __post_init__(self) -> None:
        check_array(self.joints_px, "HandPose.joints_px", (NUM_JOINTS, 2), np.float64)
        check_array(self.joints_rel_m, "HandPose.joints_rel_m", (NUM_JOINTS, 3), np.float64)
        check_array(self.visible, "HandPose.visible", (NUM_JOINTS,), np.bool_)
        for name in ("joints_cam_m", "lifted_rel_m"):
            if getattr(self, name) is not None:
                check_array(getattr(self, name), f"HandPose.{name}", (NUM_JOINTS, 3), np.float64)
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"HandPose.score must be in [0, 1], got {self.score}")


@dataclasses.dataclass(frozen=True)
class StageTimings:
    """Wall-clock milliseconds spent per stage on one frame (0.0 for a stage that did not run).

    ``reference_ms`` is MediaPipe Hands on the full frame in the ``mediapipe`` reference mode.
    When the two hands run at the same time, ``hdrm_ms`` and ``shpe_ms`` are the slower hand's.
    ``hasm_ms`` includes HASM's detector, which a pipelined runtime runs beside the previous
    frame. ``threed_ms`` is the 3D stage: lifting (the slower hand's, with the hands at once)
    plus the model fit of both hands.
    """

    hasm_ms: float = 0.0
    hdrm_ms: float = 0.0
    shpe_ms: float = 0.0
    reference_ms: float = 0.0
    threed_ms: float = 0.0


@dataclasses.dataclass(frozen=True)
class FrameResult:
    """Everything the pipeline produced for one frame.

    Attributes:
        frame: the input frame.
        masks: the four HASM masks (in ``mediapipe`` mode: the landmark-drawn masks used only
            for joint visibility).
        crops: the per-hand HDRM crops (empty in ``mediapipe`` mode).
        poses: the per-hand poses.
        timings: per-stage milliseconds.
        intrinsics: the camera the 3D stage assumed for ``joints_cam_m`` (the focal length given
            or guessed, :meth:`hdr_live.camera.Intrinsics.guess`), None without a 3D stage.
    """

    frame: Frame
    masks: HandMasks
    crops: Hands[HandCrop]
    poses: Hands[HandPose]
    timings: StageTimings
    intrinsics: Intrinsics | None = None
