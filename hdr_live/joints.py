"""The 21-joint hand skeleton used everywhere in hdr-live.

Joint order (the MediaPipe / InterHand2.6M-style order used by the HDR paper's SHPE):
0 wrist, 1-4 thumb CMC/MCP/IP/TIP, 5-8 index MCP/PIP/DIP/TIP, 9-12 middle, 13-16 ring,
17-20 pinky (each finger base to tip).

Side convention: ``Side.LEFT`` / ``Side.RIGHT`` always name the *person's own* hand, never the
side of the image it appears on and never MediaPipe's mirrored-selfie label.
"""

from __future__ import annotations

import enum

import numpy as np

NUM_JOINTS = 21


class Side(str, enum.Enum):
    """The person's own hand (not the image side)."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> "Side":
        """The opposite hand."""
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


class Joint(enum.IntEnum):
    """Index of each of the 21 hand joints."""

    WRIST = 0
    THUMB_CMC = 1
    THUMB_MCP = 2
    THUMB_IP = 3
    THUMB_TIP = 4
    INDEX_MCP = 5
    INDEX_PIP = 6
    INDEX_DIP = 7
    INDEX_TIP = 8
    MIDDLE_MCP = 9
    MIDDLE_PIP = 10
    MIDDLE_DIP = 11
    MIDDLE_TIP = 12
    RING_MCP = 13
    RING_PIP = 14
    RING_DIP = 15
    RING_TIP = 16
    PINKY_MCP = 17
    PINKY_PIP = 18
    PINKY_DIP = 19
    PINKY_TIP = 20


#: Finger chains, each from the wrist to the tip.
FINGERS: tuple[tuple[int, ...], ...] = (
    (0, 1, 2, 3, 4),
    (0, 5, 6, 7, 8),
    (0, 9, 10, 11, 12),
    (0, 13, 14, 15, 16),
    (0, 17, 18, 19, 20),
)

#: Bones as (parent, child) joint index pairs, 20 bones.
BONES: tuple[tuple[int, int], ...] = tuple(
    (chain[i], chain[i + 1]) for chain in FINGERS for i in range(len(chain) - 1)
)

#: Palm outline (wrist, thumb CMC, MCPs of index..pinky), in order around the palm.
PALM_POLYGON: tuple[int, ...] = (0, 1, 5, 9, 13, 17)

#: Joints MediaPipe uses to place a hand region of interest from landmarks.
ROI_JOINTS: tuple[int, ...] = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)


def mirror_joints_px(joints_px: np.ndarray, width_px: int) -> np.ndarray:
    """Mirror 2D joints horizontally, as ``image[:, ::-1]`` mirrors an image.

    Pixel centres sit at integer coordinates (OpenCV's convention), so column ``x`` of an
    image ``width_px`` wide maps to column ``width_px - 1 - x``.

    Args:
        joints_px: (21, 2) or (N, 2) float array, pixel coordinates (x, y).
        width_px: image width in pixels.

    Returns:
        float64 array of the same shape.
    """
    out = np.array(joints_px, dtype=np.float64, copy=True)
    out[..., 0] = (width_px - 1) - out[..., 0]
    return out


def mirror_joints_3d(joints_m: np.ndarray) -> np.ndarray:
    """Mirror 3D joints in camera axes (x right, y down, z forward): x -> -x.

    This is the 3D counterpart of a horizontal image flip; it turns a left hand into a right one.

    Args:
        joints_m: (21, 3) or (N, 3) float array in metres.

    Returns:
        float64 array of the same shape.
    """
    out = np.array(joints_m, dtype=np.float64, copy=True)
    out[..., 0] = -out[..., 0]
    return out


def hand_scale_px(joints_px: np.ndarray) -> float:
    """Apparent hand size in pixels: wrist to middle-finger MCP distance.

    Args:
        joints_px: (21, 2) pixel joints.

    Returns:
        Distance in pixels (float, >= 0).
    """
    j = np.asarray(joints_px, dtype=np.float64)
    return float(np.linalg.norm(j[Joint.MIDDLE_MCP] - j[Joint.WRIST]))
