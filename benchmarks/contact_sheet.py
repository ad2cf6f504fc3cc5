"""A contact sheet for :mod:`ablation_real`: one row per sample, captioned with its figures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

TILE_PX = 180
COLUMNS = ("sample", "crop I_s", "M_D red, M_R blue", "inpaint", "HDRNet", "gated (default)")


def _caption(row: dict) -> str:
    def f(v: float) -> str:
        return "miss" if not np.isfinite(v) else f"{v:.1f}"
    return (f"{row['depth']} overlap {row['overlap']:.2f} IoU a/v {row['iou_amodal']:.2f}/"
            f"{row['iou_visible']:.2f} | EPE px (HASM masks) clean {f(row['clean'])} off "
            f"{f(row['hasm_off'])} inpaint {f(row['hasm_inpaint'])} hdrnet "
            f"{f(row['hasm_hdrnet'])} gated {f(row['hasm_gated'])}")


def write_sheet(path: Path, rows: list[tuple[dict, list[np.ndarray]]]) -> None:
    """Write ``rows`` ((figures, RGB images in :data:`COLUMNS` order)) as one PNG."""
    width = TILE_PX * len(COLUMNS)
    header = np.full((24, width, 3), 255, np.uint8)
    for i, name in enumerate(COLUMNS):
        cv2.putText(header, name, (i * TILE_PX + 4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
    blocks = [header]
    for row, images in rows:
        tiles = [cv2.resize(im, (TILE_PX, TILE_PX), interpolation=cv2.INTER_AREA)
                 for im in images[:len(COLUMNS)]]
        tiles += [np.zeros((TILE_PX, TILE_PX, 3), np.uint8)] * (len(COLUMNS) - len(tiles))
        text = np.full((20, width, 3), 255, np.uint8)
        cv2.putText(text, _caption(row)[:150], (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 0, 0), 1, cv2.LINE_AA)
        blocks += [text, np.hstack(tiles)]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(blocks), cv2.COLOR_RGB2BGR))
