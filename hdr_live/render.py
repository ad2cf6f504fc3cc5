"""Annotated frames: tinted masks, hand boxes, 2D skeletons, restored-crop insets, frame rate.

Colours follow the HDR paper's figures: red for the right hand, green for the left. Visible joints
are filled dots on solid bones; occluded joints are hollow rings on thin bones.

Sizes scale with the image (:class:`OverlayStyle`): line widths, joint dots, insets, margins and
text are set for the shorter image side, relative to 720 px. A line of text is shrunk to fit the
image width, and dropped when it would be smaller than :data:`MIN_FONT_SCALE` or when the text
would cover more than :data:`MAX_TEXT_HEIGHT_FRACTION` of the image height.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from hdr_live.geometry import Box
from hdr_live.joints import BONES, Side
from hdr_live.types import FrameResult, HandMasks, HandPose

SIDE_RGB = {Side.RIGHT: (235, 64, 52), Side.LEFT: (60, 200, 75)}

#: The shorter image side the base sizes are given for (pixels).
REFERENCE_SIDE_PX = 720
#: Smallest OpenCV font scale drawn (Hershey simplex: about 7 px tall).
MIN_FONT_SCALE = 0.3
#: Text is dropped rather than cover more than this fraction of the image height.
MAX_TEXT_HEIGHT_FRACTION = 0.25
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_SMALLEST_INSET_PX = 32


@dataclasses.dataclass(frozen=True)
class OverlayOptions:
    """What the overlay draws.

    Attributes:
        masks: tint the amodal (light) and visible (strong) masks.
        boxes: draw each hand's amodal box.
        insets: show the restored crops in the top corners.
        inset_px: inset side in pixels on a 720 px image (scaled with the image, at most a third
            of its height and a quarter of its width, left out below 32 px).
        caption: a line of text drawn at the bottom (e.g. the pipeline's description).
    """

    masks: bool = True
    boxes: bool = True
    insets: bool = True
    inset_px: int = 180
    caption: str = ""


@dataclasses.dataclass(frozen=True)
class OverlayStyle:
    """Drawing sizes for one image size (pixels, except the unitless OpenCV font scale).

    Attributes:
        unit: the shorter image side over :data:`REFERENCE_SIDE_PX`.
        line_px: box and visible-bone width.
        joint_px: joint dot radius.
        margin_px: gap between the image border and the text or insets.
        font_scale: OpenCV font scale of the bottom lines before fitting to the width.
    """

    unit: float
    line_px: int
    joint_px: int
    margin_px: int
    font_scale: float

    @staticmethod
    def for_size(height: int, width: int) -> "OverlayStyle":
        """The style of an image of ``height`` × ``width`` pixels."""
        unit = min(height, width) / REFERENCE_SIDE_PX
        line = max(1, round(3 * unit))
        return OverlayStyle(unit=unit, line_px=line, joint_px=max(1, round(4 * unit)),
                            margin_px=max(1, round(8 * unit)),
                            font_scale=max(MIN_FONT_SCALE, 0.8 * unit))

    def scaled(self, px: float) -> int:
        """``px`` (given for a 720 px image) at this size, at least 1."""
        return max(1, round(px * self.unit))


def _tint(canvas: np.ndarray, mask: np.ndarray, rgb: tuple[int, int, int], alpha: float) -> None:
    if mask.any():
        # the same float32 arithmetic on every pixel of the (small) canvas, then copied where
        # the mask is set: faster than gathering and scattering the masked pixels
        blend = canvas.astype(np.float32) * (1 - alpha) + np.array(rgb, np.float32) * alpha
        np.copyto(canvas, blend.astype(np.uint8), where=mask[..., None])


def _tint_hand(canvas: np.ndarray, masks: HandMasks, side: Side, box: Box,
               rgb: tuple[int, int, int]) -> None:
    """Tint ``side``'s amodal-only pixels lightly and visible pixels strongly, inside its amodal
    box only (the masks are evaluated there, never over the whole frame; visible ⊆ amodal)."""
    planes = masks.in_rect(box)
    own = 2 if side is Side.LEFT else 0
    amodal, visible = planes[own], planes[own + 1]
    sub = canvas[int(box.y0):int(box.y1) + 1, int(box.x0):int(box.x1) + 1]
    _tint(sub, amodal & ~visible, rgb, 0.25)
    _tint(sub, visible, rgb, 0.45)


def _pixel_points(joints_px: np.ndarray, height: int, width: int) -> list[tuple[int, int] | None]:
    """Integer points for OpenCV; None for a non-finite joint; far-off joints are clamped to
    a few image sizes outside the frame (OpenCV needs coordinates that fit in an int)."""
    limit = 4 * max(height, width)
    return [tuple(int(round(min(max(v, -limit), limit))) for v in p)
            if all(math.isfinite(v) for v in p) else None for p in joints_px]


def _dashed_line(canvas: np.ndarray, a: tuple[int, int], b: tuple[int, int],
                 rgb: tuple[int, int, int], width: int, dash_px: int) -> None:
    """A dashed line from ``a`` to ``b``: dashes and gaps of ``dash_px`` pixels."""
    p, q = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    length = float(np.linalg.norm(q - p))
    steps = max(1, int(length // (2 * dash_px)))
    for k in range(steps):
        s0, s1 = 2 * k / (2 * steps), (2 * k + 1) / (2 * steps)
        u, v = p + (q - p) * s0, p + (q - p) * s1
        cv2.line(canvas, (int(round(u[0])), int(round(u[1]))),
                 (int(round(v[0])), int(round(v[1]))), rgb, width, cv2.LINE_AA)


def _draw_inferred(canvas: np.ndarray, pose: HandPose, style: OverlayStyle) -> None:
    """A hidden, inferred hand (:attr:`HandPose.inferred`): dashed bones, hollow joints."""
    rgb = SIDE_RGB[pose.side]
    pts = _pixel_points(pose.joints_px, *canvas.shape[:2])
    width = max(1, style.line_px - 1)
    for a, b in BONES:
        if pts[a] is not None and pts[b] is not None:
            _dashed_line(canvas, pts[a], pts[b], rgb, width, max(2, style.scaled(5)))
    for p in pts:
        if p is not None:
            cv2.circle(canvas, p, max(1, style.joint_px - 1), rgb, style.scaled(1), cv2.LINE_AA)
    if pts[0] is not None:
        label = f"{pose.side.value} (inferred)"
        scale = fit_font_scale(label, max(MIN_FONT_SCALE, 0.45 * style.unit), canvas.shape[1])
        if scale is not None:
            _put_text(canvas, label, (pts[0][0] + style.scaled(8), pts[0][1]), scale)


def _draw_skeleton(canvas: np.ndarray, pose: HandPose, style: OverlayStyle) -> None:
    if pose.inferred:
        _draw_inferred(canvas, pose, style)
        return
    rgb = SIDE_RGB[pose.side]
    pts = _pixel_points(pose.joints_px, *canvas.shape[:2])
    thin = style.scaled(1)
    for a, b in BONES:
        if pts[a] is not None and pts[b] is not None:
            both = pose.visible[a] and pose.visible[b]
            width = style.line_px + 1 if both else thin
            cv2.line(canvas, pts[a], pts[b], rgb, width, cv2.LINE_AA)
    for j, p in enumerate(pts):
        if p is None:
            continue
        if pose.visible[j]:
            cv2.circle(canvas, p, style.joint_px, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(canvas, p, style.joint_px, rgb, thin, cv2.LINE_AA)


def _text_size(text: str, scale: float) -> tuple[int, int, int]:
    """(width, ascent, descent) of ``text`` in pixels at ``scale``, outline included."""
    (w, h), baseline = cv2.getTextSize(text, _FONT, scale, _text_thickness(scale) + 2)
    return w, h, baseline


def _text_thickness(scale: float) -> int:
    return max(1, round(scale * 1.25))


def fit_font_scale(text: str, scale: float, max_width_px: int) -> float | None:
    """The largest font scale ≤ ``scale`` at which ``text`` fits in ``max_width_px`` pixels,
    or None when that is below :data:`MIN_FONT_SCALE` (too small to read)."""
    if not text or max_width_px <= 0:
        return None
    width = _text_size(text, scale)[0]
    fitted = scale * min(1.0, max_width_px / max(width, 1))
    return fitted if fitted >= MIN_FONT_SCALE else None


def _put_text(canvas: np.ndarray, text: str, org: tuple[int, int], scale: float) -> None:
    thickness = _text_thickness(scale)
    cv2.putText(canvas, text, org, _FONT, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(canvas, text, org, _FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def _inset_size(canvas: np.ndarray, options: OverlayOptions, style: OverlayStyle) -> int:
    h, w = canvas.shape[:2]
    size = min(style.scaled(options.inset_px), h // 3, w // 4)
    return size if size >= _SMALLEST_INSET_PX else 0


def _draw_insets(canvas: np.ndarray, result: FrameResult, size: int, style: OverlayStyle) -> None:
    w = canvas.shape[1]
    gap, border = style.scaled(4), style.scaled(2)
    for side, crop in result.crops.items():
        inset = cv2.resize(crop.rgb, (size, size), interpolation=cv2.INTER_AREA)
        x0 = w - size - gap if side is Side.RIGHT else gap
        canvas[gap : gap + size, x0 : x0 + size] = inset
        cv2.rectangle(canvas, (x0, gap), (x0 + size - 1, gap + size - 1), SIDE_RGB[side], border)
        label = f"{side.value} restored" + (" (mirrored)" if crop.mirrored else "")
        scale = fit_font_scale(label, max(MIN_FONT_SCALE, 0.4 * style.unit), size - 2 * gap)
        if scale is not None:
            _put_text(canvas, label, (x0 + gap, gap + size - 2 * gap), scale)


def _stats_line(result: FrameResult, fps: float | None) -> str:
    t = result.timings
    stats = f"frame {result.frame.index}"
    if fps is not None:
        stats += f"  {fps:.1f} fps"
    stats += f"  hasm {t.hasm_ms:.0f} hdrm {t.hdrm_ms:.0f} shpe {t.shpe_ms:.0f}"
    if t.threed_ms > 0:
        stats += f" 3d {t.threed_ms:.0f}"
    if t.reference_ms:
        stats += f" mediapipe {t.reference_ms:.0f}"
    return stats + " ms"


def _footer_lines(lines: list[tuple[str, float]], height: int, width: int,
                  style: OverlayStyle) -> list[tuple[str, float, int]]:
    """(text, fitted scale, descent) of the lines that fit, in priority order."""
    kept, budget = [], MAX_TEXT_HEIGHT_FRACTION * height
    for text, scale in lines:
        fitted = fit_font_scale(text, scale, width - 2 * style.margin_px)
        if fitted is None:
            continue
        _, ascent, descent = _text_size(text, fitted)
        if ascent + descent + style.margin_px > budget:
            break
        kept.append((text, fitted, descent))
        budget -= ascent + descent + style.margin_px
    return kept


def _draw_footer(canvas: np.ndarray, stats: str, caption: str, style: OverlayStyle) -> None:
    """The stats line above the caption at the bottom-left (stats kept first when space is
    short)."""
    h, w = canvas.shape[:2]
    wanted = [(stats, style.font_scale)] + ([(caption, style.font_scale * 0.8)] if caption else [])
    bottom = h - style.margin_px
    for text, scale, descent in reversed(_footer_lines(wanted, h, w, style)):
        _put_text(canvas, text, (style.margin_px, bottom - descent), scale)
        bottom -= _text_size(text, scale)[1] + descent + style.margin_px


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
    style = OverlayStyle.for_size(*canvas.shape[:2])
    for side in (Side.RIGHT, Side.LEFT):
        box = masks.amodal_box(side)
        if box is None:
            continue
        if options.masks:
            _tint_hand(canvas, masks, side, box, SIDE_RGB[side])
        if options.boxes:
            p0, p1 = (int(box.x0), int(box.y0)), (int(box.x1), int(box.y1))
            cv2.rectangle(canvas, p0, p1, SIDE_RGB[side], style.line_px, cv2.LINE_AA)
    for _, pose in result.poses.items():
        _draw_skeleton(canvas, pose, style)
    inset = _inset_size(canvas, options, style) if options.insets else 0
    if inset:
        _draw_insets(canvas, result, inset, style)
    _draw_footer(canvas, _stats_line(result, fps), options.caption, style)
    return canvas
