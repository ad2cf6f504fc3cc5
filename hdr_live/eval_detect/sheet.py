"""A contact sheet of every hand a system predicted on the labelled frames: one tile per
prediction (a square crop round it, its box coloured by what it was: found, side error, false,
unscored; labelled boxes in white), captioned with the file, frame, side and outcome."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from hdr_live.eval_detect.run import FileResult
from hdr_live.eval_detect.scoring import Outcome

TILE_PX = 128
_CAPTION_PX = 28
_COLOURS_RGB = {Outcome.FOUND: (40, 200, 40), Outcome.SIDE_ERROR: (255, 160, 0),
                Outcome.FALSE: (230, 30, 30), Outcome.UNSCORED: (150, 150, 150)}


def _tile(rgb: np.ndarray, box, labels, outcome: Outcome, inferred: bool, caption: tuple[str, str]):
    x0, y0, x1, y1 = box
    side = 1.6 * max(x1 - x0, y1 - y0, 8.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    k = TILE_PX / side
    to_tile = np.array([[k, 0, TILE_PX / 2 - k * cx], [0, k, TILE_PX / 2 - k * cy]])
    tile = cv2.warpAffine(rgb, to_tile, (TILE_PX, TILE_PX), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(40, 40, 40))

    def draw(b, colour, width):
        p0 = to_tile @ np.array([b[0], b[1], 1.0])
        p1 = to_tile @ np.array([b[2], b[3], 1.0])
        cv2.rectangle(tile, tuple(int(v) for v in p0), tuple(int(v) for v in p1), colour, width)

    for lab in labels:
        draw(lab.box_xyxy, (255, 255, 255), 1)
    draw(box, _COLOURS_RGB[outcome], 1 if inferred else 2)
    strip = np.full((_CAPTION_PX, TILE_PX, 3), 255, np.uint8)
    for row, text in enumerate(caption):
        cv2.putText(strip, text[:22], (2, 11 + 13 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.33,
                    _COLOURS_RGB[outcome] if row else (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([tile, strip])


def write_sheet(results: list[FileResult], path: Path, columns: int = 10) -> int:
    """Draw every prediction of ``results`` (frames kept with their ``rgb``) into a PNG.

    Returns:
        The number of tiles drawn (0: no file is written).

    Raises:
        OSError: the PNG cannot be written.
    """
    tiles = []
    for result in results:
        for frame in result.frames:
            if frame.rgb is None:
                continue
            labels = result.file.frames[frame.index]
            for pred, outcome in zip(frame.preds, frame.score.outcomes):
                where = result.file.media_path.stem[:22]
                if result.file.is_video:
                    where = f"{where[:16]} f{frame.index}"
                what = f"{pred.side.value}{' inferred' if pred.inferred else ''} {outcome.value}"
                tiles.append(_tile(frame.rgb, pred.box_xyxy, labels, outcome, pred.inferred,
                                   (where, what)))
    if not tiles:
        return 0
    rows = [tiles[i:i + columns] for i in range(0, len(tiles), columns)]
    blank = np.full_like(tiles[0], 255)
    grid = np.vstack([np.hstack(r + [blank] * (columns - len(r))) for r in rows])
    if not cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write {path}")
    return len(tiles)
