"""Contact sheet of synthetic samples (render and syn mix, as the generator makes them): input
with joints, the four masks, M_D (yellow) / M_R (blue) of the right hand, and both targets.

Usage::

    python -m training.synth.contact_sheet --out docs/synth_contact_sheet.png --count 16 --seed 7
"""

from __future__ import annotations

import argparse
import pathlib

import cv2
import numpy as np

from hdr_live.joints import BONES, Side
from training.synth.sample import SynthSample

COLUMNS = (
    "input+joints",
    "R amodal",
    "R visible",
    "L amodal",
    "L visible",
    "M_D/M_R (R)",
    "target R",
    "target L",
)


def _mask_tile(mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    tile = np.zeros(mask.shape + (3,), np.uint8)
    tile[mask] = colour
    return tile


def draw_joints(image: np.ndarray, sample: SynthSample) -> np.ndarray:
    """The input image with both skeletons drawn (right red, left green), (S, S, 3) uint8 RGB."""
    out = image.copy()
    for side, colour in ((Side.RIGHT, (255, 60, 60)), (Side.LEFT, (60, 255, 60))):
        j = sample.hand(side).joints_px
        for a, b in BONES:
            cv2.line(
                out,
                tuple(int(v) for v in np.round(j[a])),
                tuple(int(v) for v in np.round(j[b])),
                colour,
                1,
                cv2.LINE_AA,
            )
    return out


def sample_row(sample: SynthSample, tile: int) -> np.ndarray:
    """One row of tiles (see ``COLUMNS``), each ``tile`` pixels square; (tile, 8*tile, 3) uint8 RGB."""
    md, mr = sample.m_d(Side.RIGHT), sample.m_r(Side.RIGHT)
    dr = np.zeros(md.shape + (3,), np.uint8)
    dr[md] = (255, 200, 0)
    dr[mr] = (0, 160, 255)
    tiles = [
        draw_joints(sample.image, sample),
        _mask_tile(sample.right.amodal, (255, 90, 90)),
        _mask_tile(sample.right.visible, (255, 255, 255)),
        _mask_tile(sample.left.amodal, (90, 255, 90)),
        _mask_tile(sample.left.visible, (255, 255, 255)),
        dr,
        sample.right.target,
        sample.left.target,
    ]
    return np.concatenate([cv2.resize(t, (tile, tile), interpolation=cv2.INTER_AREA) for t in tiles], axis=1)


def contact_sheet(samples: list[SynthSample], tile: int = 128) -> np.ndarray:
    """Rows of :func:`sample_row` under a header; (H, 8*tile, 3) uint8 RGB."""
    header = np.full((22, tile * len(COLUMNS), 3), 255, np.uint8)
    for i, name in enumerate(COLUMNS):
        cv2.putText(
            header, name, (i * tile + 4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA
        )
    return np.concatenate([header] + [sample_row(s, tile) for s in samples], axis=0)


def main(argv: list[str] | None = None) -> None:
    """Render ``--count`` samples and write the sheet."""
    from training.synth.generate import GenerateOptions, make_sample

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tile", type=int, default=128)
    args = parser.parse_args(argv)
    opts = GenerateOptions(seed=args.seed)
    samples = [make_sample(i, opts) for i in range(args.count)]
    sheet = contact_sheet(samples, args.tile)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
    main()
