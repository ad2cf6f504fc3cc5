"""Contact sheet of HASM masks and HDRM restored crops on real frames.

Reads ../shared/real (third-party footage, never copied into the repo) and writes a PNG with,
per frame: the baseline masks and the learned masks, both from the same joint prior (red = right,
green = left; light = amodal, strong = visible); then for each hand (right, then left mirrored)
the HDRM input crop with M_D outlined in yellow and M_R in cyan, HDRNet's restored crop and the
inpainting baseline's restored crop, all from the learned masks.

    python benchmarks/hasm_real_sheet.py --out docs/hasm_real_contact_sheet.png
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import cv2
import numpy as np
from _real import REAL_CLIP, REAL_DIR

from hdr_live.build import build_hasm, build_restorer
from hdr_live.config import HasmConfig, HdrmConfig, HdrmKind, InputKind, PipelineConfig
from hdr_live.io.sources import read_image
from hdr_live.joints import Side
from hdr_live.render import OverlayOptions, draw_overlay
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.stages.hdrm.stage import Hdrm
from hdr_live.types import Frame, FrameResult, Hands, StageTimings

REAL, CLIP = REAL_DIR, REAL_CLIP
IMAGES = ["ih26m_cap03_0390_dh_touchROM_cam400026_f69148.jpg",
          "ih26m_zju_image26168_hands_overlapping.jpg", "intaghand_demo1_fingers_crossed_256.jpg",
          "interwild_demo_eating_two_hands_holding.jpg"]
CLIP_FRAMES = [60, 120, 260, 330, 450]


def _frames() -> list[np.ndarray]:
    out = [read_image(REAL / name) for name in IMAGES]
    cap = cv2.VideoCapture(str(CLIP))
    for i in range(max(CLIP_FRAMES) + 1):
        ok, bgr = cap.read()
        if ok and i in CLIP_FRAMES:
            out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def _tile(frame: Frame, masks, width: int = 320) -> np.ndarray:
    res = FrameResult(frame, masks, Hands(), Hands(), StageTimings())
    img = draw_overlay(res, None, OverlayOptions(insets=False))
    h = round(img.shape[0] * width / img.shape[1])
    return cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)


def _outlined(crop) -> np.ndarray:
    img = crop.input_rgb.copy()
    for mask, colour in ((crop.m_d, (255, 230, 0)), (crop.m_r, (0, 230, 255))):
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(img, contours, -1, colour, 2)
    return img


def _crop_tiles(frame: Frame, masks, hdrms: list[Hdrm], size: int = 128) -> list[np.ndarray]:
    tiles = []
    for side in (Side.RIGHT, Side.LEFT):
        crops = [h.process_side(frame, masks, side) for h in hdrms]
        if crops[0] is None:
            tiles += [np.zeros((size, size, 3), np.uint8)] * (1 + len(hdrms))
            continue
        imgs = [_outlined(crops[0])] + [c.rgb for c in crops]
        tiles += [cv2.resize(i, (size, size), interpolation=cv2.INTER_AREA) for i in imgs]
    return tiles


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", type=Path, default=Path("hdr_live/weights/hasm_mitb0.safetensors"))
    p.add_argument("--hdrm-weights", type=Path, default=Path("hdr_live/weights/hdrm_hdrnet.safetensors"))
    p.add_argument("--out", type=Path, default=Path("docs/hasm_real_contact_sheet.png"))
    args = p.parse_args()
    stills = PipelineConfig(input_kind=InputKind.IMAGES, hasm=HasmConfig(weights=args.weights))
    hdrms = [Hdrm(build_restorer(dataclasses.replace(
        stills, hdrm=HdrmConfig(backend=kind, weights=args.hdrm_weights))))
        for kind in (HdrmKind.LEARNED, HdrmKind.BASELINE)]
    hasm = build_hasm(stills)
    rows = []
    for rgb in _frames():
        frame = Frame(rgb, 0, 0.0)
        hasm.reset()
        prior = hasm.tracker.update(frame, Hands())
        base = masks_from_joints(prior, frame.height, frame.width)
        hasm.reset()
        learned = hasm.segment(frame, Hands())
        tiles = [_tile(frame, base), _tile(frame, learned.masks)] + \
            _crop_tiles(frame, learned.masks, hdrms)
        h = max(t.shape[0] for t in tiles)
        rows.append(np.hstack([cv2.copyMakeBorder(t, 0, h - t.shape[0], 0, 0, cv2.BORDER_CONSTANT)
                               for t in tiles]))
    sheet = np.vstack(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out} ({len(rows)} frames; columns: baseline masks, learned masks, then "
          "per hand (right, left): input crop with M_D yellow / M_R cyan, HDRNet, inpainting)")


if __name__ == "__main__":
    main()
