"""What the "masks only for posed hands, near their skeleton" rule
(:func:`hdr_live.pipeline.posed_masks`) removes on real clips: per clip, the hands HASM gave a
mask, those refused (no pose, seen or inferred) and the share of the kept hands' amodal area cut
away (farther than half a hand size from the skeleton's box). Poses do not change (the rule only
shapes what is shown). Optionally saves the frame with the most area removed, before and after.

    python benchmarks/shown_masks.py CLIP [CLIP ...] [--max-frames N] [--png OUT.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import hdr_live.pipeline as pipeline_module
from hdr_live.build import build_pipeline
from hdr_live.config import PipelineConfig
from hdr_live.io.sources import open_source
from hdr_live.joints import Side


def measure(clip: str, max_frames: int) -> tuple[dict, tuple]:
    """Counts for one clip and (frame, masks before, masks after) of its worst frame."""
    seen: list = []
    rule = pipeline_module.posed_masks

    def recording(masks, poses):
        kept = rule(masks, poses)
        seen.append((masks, kept))
        return kept

    pipeline_module.posed_masks = recording
    pipe = build_pipeline(PipelineConfig())
    counts = {"frames": 0, "masked": 0, "refused": 0, "area": 0.0, "cut": 0.0}
    worst, worst_cut = None, -1.0
    try:
        with open_source(clip) as source:
            for frame in source:
                if counts["frames"] >= max_frames:
                    break
                result = pipe.process(frame)
                before, after = seen.pop()
                counts["frames"] += 1
                frame_cut = 0.0
                for side in (Side.RIGHT, Side.LEFT):
                    area = before.amodal_area_px(side)
                    if area == 0:
                        continue
                    counts["masked"] += 1
                    if result.poses.get(side) is None:
                        counts["refused"] += 1
                        frame_cut += area
                        continue
                    kept = after.amodal_area_px(side)
                    counts["area"] += area
                    counts["cut"] += area - kept
                    frame_cut += area - kept
                if frame_cut > worst_cut:
                    worst, worst_cut = (frame, before, after), frame_cut
    finally:
        pipeline_module.posed_masks = rule
        pipe.close()
    return counts, worst


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("clips", nargs="+")
    p.add_argument("--max-frames", type=int, default=10**9)
    p.add_argument("--png", type=Path, help="the worst frame of the last clip, before | after")
    args = p.parse_args()
    worst = None
    for clip in args.clips:
        c, worst = measure(clip, args.max_frames)
        share = 100 * c["cut"] / c["area"] if c["area"] else 0.0
        print(f"{Path(clip).name}: frames {c['frames']}, hand masks {c['masked']}, refused "
              f"(no pose) {c['refused']}, kept hands' amodal area cut {share:.1f} %")
    if args.png and worst is not None:
        import cv2

        frame, before, after = worst
        tiles = []
        for masks in (before, after):
            img = frame.rgb.copy()
            for side, rgb in ((Side.RIGHT, (255, 80, 80)), (Side.LEFT, (80, 80, 255))):
                m = masks.amodal(side)
                img[m] = (0.5 * img[m] + 0.5 * np.array(rgb)).astype(np.uint8)
            tiles.append(img)
        cv2.imwrite(str(args.png), cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR))
        print(f"frame {frame.index}: before | after -> {args.png}")


if __name__ == "__main__":
    main()
