"""The camera the 3D stage assumes: a pinhole with square pixels and the principal point at the
image centre; its focal length is given (``--focal-px``) or guessed.
"""

from __future__ import annotations


def focal_guess_px(height: int, width: int) -> float:
    """The assumed focal length in pixels when none is given: ``max(height, width)``.

    That is a horizontal field of view of about 53° for a landscape frame (2·atan(0.5)), close
    to a webcam's; a wrong focal length scales the hands' distance from the camera, not their
    wrist-relative shape.
    """
    return float(max(height, width))


def principal_point_px(height: int, width: int) -> tuple[float, float]:
    """(cx, cy): the image centre in pixels (pixel centres at integer coordinates)."""
    return (width - 1) / 2.0, (height - 1) / 2.0
