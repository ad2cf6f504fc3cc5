"""Export a run's poses as arrays (``.npz``), a table (``.csv``), or an animated skeleton
(``.bvh``, ``.glb``).

Typical use, at the end of a run::

    from hdr_live.export import PoseSeries, write_export
    series = PoseSeries.from_pose_log("poses.jsonl")   # or PoseSeries.from_results(results)
    write_export("poses.glb", series)

Hand order in every export is right, left (the person's own hands); joint order is
:class:`hdr_live.joints.Joint`. Each format's module documents its layout: :mod:`.npz`,
:mod:`.csv_table`, :mod:`.bvh`, :mod:`.gltf`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from hdr_live.export.series import HAND_ORDER, JOINT_NAMES, PoseSeries

# suffix: (module, writer); imported on first use, so e.g. .npz needs neither scipy nor pygltflib.
_WRITERS: dict[str, tuple[str, str]] = {
    ".npz": ("npz", "write_npz"),
    ".csv": ("csv_table", "write_csv"),
    ".bvh": ("bvh", "write_bvh"),
    ".glb": ("gltf", "write_glb"),
}
#: The suffixes :func:`write_export` understands (lower case, with the dot).
EXPORT_SUFFIXES: tuple[str, ...] = tuple(_WRITERS)


class ExportError(OSError):
    """An export cannot be written (a full disk, say); the message names the file."""


def check_export_path(path: Path) -> Path:
    """``path`` as a Path when its suffix is one of :data:`EXPORT_SUFFIXES` (any case).

    Raises:
        ValueError: the suffix is not known (the message names the path and the suffixes).
    """
    path = Path(path)
    if path.suffix.lower() not in _WRITERS:
        raise ValueError(f"export {path}: unknown format {path.suffix or '(no suffix)'!r}; "
                         f"use one of {', '.join(EXPORT_SUFFIXES)}")
    return path


def write_export(path: Path, series: PoseSeries) -> None:
    """Write ``series`` to ``path`` in the format its suffix names (see :data:`EXPORT_SUFFIXES`).

    The file is written to a temporary name in the same folder (created when missing) and
    renamed when complete, so ``path`` never holds half an export.

    Raises:
        ValueError: the suffix is not known (nothing is written).
        ExportError: the file cannot be written (an OSError naming the file; ``path`` is left
            as it was).
        ImportError: the format's package is missing (``.bvh``: scipy; ``.glb``: scipy and
            pygltflib).
    """
    path = check_export_path(path)
    module, writer = _WRITERS[path.suffix.lower()]
    write = getattr(importlib.import_module(f"hdr_live.export.{module}"), writer)
    try:
        write(path, series)
    except OSError as exc:
        raise ExportError(f"cannot write export {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a writer closing a file after a failed write (zipfile does)
        if isinstance(exc.__context__, OSError):
            cause = exc.__context__
            raise ExportError(f"cannot write export {path}: {cause.strerror or cause}") from cause
        raise


__all__ = ["EXPORT_SUFFIXES", "ExportError", "HAND_ORDER", "JOINT_NAMES", "PoseSeries", "check_export_path",
           "write_export"]
