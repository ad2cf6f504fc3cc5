"""Annotated frames: tinted masks, hand boxes, 2D skeletons, restored-crop insets, frame rate.

Colours follow the HDR paper's figures: red for the right hand, green for the left. Visible joints
are filled dots on solid bones; occluded joints are hollow rings on thin bones.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.geometry import box_from_mask
from hdr_live.joints import BONES, Side
from hdr_live.types import FrameResult, HandPose

SIDE_RGB = {Side.RIGHT: (235, 64, 52), Side.LEFT: (60, 200, 75)}


@dataclasses.dataclass(frozen=True)
class OverlayOptions:
    """What the overlay draws.

    Attributes:
        masks: tint the amodal (light) and visible (strong) masks.
        boxes: draw each hand's amodal box.
        insets: show the restored crops in the top corners.
        inset_px: inset side in pixels (scaled down on small frames).
        caption: a line of text drawn at the bottom (e.g. the pipeline's description).
    """

    masks: bool = True
    boxes: bool = True
    insets: bool = True
    inset_px: int = 180
    caption: str = ""


def _tint(canvas: np.ndarray, mask: np.ndarray, rgb: tuple[int, int, int], alpha: float) -> None:
    if mask.any():
        # the same float32 arithmetic on every pixel of the (small) canvas, then copied where
        # the mask is set: faster than gathering and scattering the masked pixels
        blend = canvas.astype(np.float32) * (1 - alpha) + np.array(rgb, np.float32) * alpha
        np.copyto(canvas, blend.astype(np.uint8), where=mask[..., None])


def _tint_hand(
    canvas: np.ndarray, amodal: np.ndarray, visible: np.ndarray, rgb: tuple[int, int, int]
) -> None:
    """Tint amodal-only pixels lightly and visible pixels strongly, working inside the masks'
    bounding box only (the masks are frame-sized but a hand covers a small part of it)."""
    boxes = [b for b in (box_from_mask(amodal), box_from_mask(visible)) if b is not None]
    if not boxes:
        return
    x0, y0 = int(min(b.x0 for b in boxes)), int(min(b.y0 for b in boxes))
    x1, y1 = int(max(b.x1 for b in boxes)) + 1, int(max(b.y1 for b in boxes)) + 1
    sub = canvas[y0:y1, x0:x1]
    sub_amodal, sub_visible = amodal[y0:y1, x0:x1], visible[y0:y1, x0:x1]
    _tint(sub, sub_amodal & ~sub_visible, rgb, 0.25)
    _tint(sub, sub_visible, rgb, 0.45)


def _draw_skeleton(canvas: np.ndarray, pose: HandPose, thickness: int) -> None:
    rgb = SIDE_RGB[pose.side]
    pts = [tuple(int(round(v)) for v in p) for p in pose.joints_px]
    for a, b in BONES:
        both = pose.visible[a] and pose.visible[b]
        cv2.line(canvas, pts[a], pts[b], rgb, thickness if both else 1, cv2.LINE_AA)
    r = max(2, thickness + 1)
    for j, p in enumerate(pts):
        if pose.visible[j]:
            cv2.circle(canvas, p, r, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(canvas, p, r, rgb, 1, cv2.LINE_AA)
        else:
            cv2.circle(canvas, p, r, rgb, 1, cv2.LINE_AA)


def _put_text(canvas: np.ndarray, text: str, org: tuple[int, int], scale: float) -> None:
    cv2.putText(canvas, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(canvas, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _draw_insets(canvas: np.ndarray, result: FrameResult, size: int) -> None:
    h, w = canvas.shape[:2]
    size = min(size, h // 3, w // 4)
    if size < 32:
        return
    for side, crop in result.crops.items():
        inset = cv2.resize(crop.rgb, (size, size), interpolation=cv2.INTER_AREA)
        x0 = w - size - 4 if side is Side.RIGHT else 4
        canvas[4 : 4 + size, x0 : x0 + size] = inset
        cv2.rectangle(canvas, (x0, 4), (x0 + size - 1, 3 + size), SIDE_RGB[side], 2)
        label = f"{side.value} restored" + (" (mirrored)" if crop.mirrored else "")
        _put_text(canvas, label, (x0 + 4, 4 + size - 6), 0.4)


def draw_overlay(
    result: FrameResult, fps: float | None = None, options: OverlayOptions = OverlayOptions()
) -> np.ndarray:
    """The annotated image for one result.

    Args:
        result: the pipeline's output for a frame.
        fps: processing rate to print (frames per second), or None.
        options: what to draw.

    Returns:
        (H, W, 3) uint8 RGB image, a new array (the frame is not modified).
    """
    canvas = result.frame.rgb.copy()
    masks = result.masks
    h, w = canvas.shape[:2]
    thickness = max(1, round(min(h, w) / 240))
    for side in (Side.RIGHT, Side.LEFT):
        if options.masks:
            _tint_hand(canvas, masks.amodal(side), masks.visible(side), SIDE_RGB[side])
        box = box_from_mask(masks.amodal(side)) if options.boxes else None
        if box is not None:
            p0, p1 = (int(box.x0), int(box.y0)), (int(box.x1), int(box.y1))
            cv2.rectangle(canvas, p0, p1, SIDE_RGB[side], thickness, cv2.LINE_AA)
    for _, pose in result.poses.items():
        _draw_skeleton(canvas, pose, thickness + 1)
    if options.insets:
        _draw_insets(canvas, result, options.inset_px)
    t = result.timings
    stats = f"frame {result.frame.index}"
    if fps is not None:
        stats += f"  {fps:.1f} fps"
    stats += f"  hasm {t.hasm_ms:.0f} hdrm {t.hdrm_ms:.0f} shpe {t.shpe_ms:.0f}"
    if t.reference_ms:
        stats += f" mediapipe {t.reference_ms:.0f}"
    stats += " ms"
    scale = max(0.4, min(h, w) / 900)
    _put_text(canvas, stats, (8, h - 12 - int(30 * scale)), scale)
    if options.caption:
        _put_text(canvas, options.caption, (8, h - 10), scale * 0.8)
    return canvas
