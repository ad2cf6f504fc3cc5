"""Side-by-side figure of real two-hand photos and synthetic inputs, to judge the realism gap.

Real images are read from a folder given on the command line (e.g. ``../shared/real``; they are
third-party and are never copied into the project, only shown in the figure).

Usage::

    python -m training.synth.synth_vs_real --real ../shared/real --out docs/synth_vs_real.png
"""

from __future__ import annotations

import argparse
import pathlib

import cv2
import numpy as np

from training.synth.generate import GenerateOptions, make_sample


def square_tile(rgb: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to ``size``; (size, size, 3) uint8."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    return cv2.resize(rgb[y0 : y0 + s, x0 : x0 + s], (size, size), interpolation=cv2.INTER_AREA)


def real_tiles(folder: pathlib.Path, size: int, limit: int) -> list[np.ndarray]:
    """Up to ``limit`` still images (*.jpg, *.png) of ``folder`` as square tiles, sorted by name."""
    tiles = []
    for path in sorted(folder.glob("*.jpg")) + sorted(folder.glob("*.png")):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is not None:
            tiles.append(square_tile(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), size))
        if len(tiles) == limit:
            break
    return tiles


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    out = tile.copy()
    cv2.putText(out, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1, cv2.LINE_AA)
    return out


def figure(real: list[np.ndarray], synth: list[np.ndarray], size: int) -> np.ndarray:
    """Row of real tiles over rows of synthetic tiles (same width), (H, W, 3) uint8 RGB."""
    n = max(len(real), 1)
    rows = [
        np.concatenate([_label(t, "real") for t in real] or [np.zeros((size, size, 3), np.uint8)], axis=1)
    ]
    for k in range(0, len(synth), n):
        chunk = [_label(t, "synth") for t in synth[k : k + n]]
        chunk += [np.zeros((size, size, 3), np.uint8)] * (n - len(chunk))
        rows.append(np.concatenate(chunk, axis=1))
    return np.concatenate(rows, axis=0)


def main(argv: list[str] | None = None) -> None:
    """Write the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--tile", type=int, default=160)
    args = parser.parse_args(argv)
    real = real_tiles(args.real, args.tile, 7)
    opts = GenerateOptions(seed=args.seed)
    synth = [
        cv2.resize(make_sample(i, opts).image, (args.tile, args.tile), interpolation=cv2.INTER_AREA)
        for i in range(2 * max(len(real), 1))
    ]
    out = figure(real, synth, args.tile)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
    main()
