"""Checks of a command's paths before any work starts: every input is a regular file or a
folder, no output is an input or another output, and every output can be created.

Outputs are given as ``{label: path}`` (the label names the flag in the message, e.g. ``"--out"``
or ``"--screenshot (3D view)"``); None paths are skipped, and so are ``camera:N`` inputs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from hdr_live.cli.errors import CliError
from hdr_live.io.sources import IMAGE_SUFFIXES

#: Kernel pseudo file systems: their files are not regular files, whatever their names.
PSEUDO_FILE_SYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs", "cgroup",
    "cgroup2", "configfs", "pstore", "bpf", "fusectl", "mqueue", "efivarfs", "binfmt_misc",
})



def _is_camera(spec: object) -> bool:
    return isinstance(spec, str) and spec.startswith("camera:")


def check_input_path(path: str | os.PathLike[str]) -> Path:
    """``path`` when it is an existing regular file or folder that can be read.

    Raises:
        CliError: missing, not a regular file or folder (``/dev/null``, a pipe, a socket), or
            not readable.
    """
    path = Path(path)
    if not path.exists():
        raise CliError(f"no such file or folder: {path}")
    if not (path.is_file() or path.is_dir()):
        raise CliError(f"{path} is not a regular file or a folder (a device, pipe or socket?)")
    if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        raise CliError(f"cannot read {path}: permission denied")
    return path


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file: the same real path, or the same inode (hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


#: Inside an input folder these are inputs even when they do not exist yet (a frame, or a
#: Tzionas ground-truth file of a frame that has none so far).
_INPUT_SUFFIXES = frozenset(IMAGE_SUFFIXES) | {".txt", ".json"}


def _overwrites_input(output: Path, source: Path) -> bool:
    """Whether writing ``output`` destroys ``source`` or, for a folder, one of its inputs: an
    image or a ground-truth file (``.txt``, ``.json``) anywhere in its tree, existing or not
    (other files there, e.g. an earlier run's pose log, are outputs and may be rewritten)."""
    if not source.is_dir():
        return _same_file(output, source)
    folder = os.path.realpath(source)
    real = os.path.realpath(output)
    if os.path.commonpath([folder, real]) != folder:
        return False
    return output.suffix.lower() in _INPUT_SUFFIXES


def _mount_type(folder: Path) -> str | None:
    """The file system type of the mount that holds ``folder`` (Linux), or None."""
    real, best, kind = os.path.realpath(folder), "", None
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = real == point or real.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, fields[2]
    except OSError:
        return None
    return kind


def _existing_folder(path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (the folder it will be created in)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _check_writable(label: str, path: Path, folder: Path) -> None:
    """Permission and read-only-mount checks (``os.access``: nothing is written)."""
    if not folder.is_dir():
        raise CliError(f"{label} {path}: cannot create it, {folder} is not a folder")
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK | (os.X_OK if target.is_dir() else 0)):
        where = "it" if target == path else f"in {folder}"
        reason = "read-only file system" if _read_only(target) else "permission denied"
        raise CliError(f"{label} {path}: cannot write {where} ({reason})")


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_output_path(label: str, path: str | os.PathLike[str]) -> Path:
    """``path`` when a regular file can be written there (nothing is written; a missing folder
    counts as writable when its nearest existing ancestor is).

    Raises:
        CliError: a folder, a device, pipe or socket, a path on a kernel pseudo file system
            (``/proc``, ``/sys``, …), or a folder that cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise CliError(f"{label} {path} is a folder: give a file name")
    if path.exists() and not path.is_file():
        raise CliError(f"{label} {path} is not a regular file (a device, pipe or socket?)")
    folder = _existing_folder(path)
    fs_type = _mount_type(folder)
    if fs_type in PSEUDO_FILE_SYSTEMS:
        raise CliError(f"{label} {path} is not a regular-file path ({folder} is on the "
                       f"{fs_type} pseudo file system)")
    _check_writable(label, path, folder)
    return path


def _present(paths: Iterable[object]) -> list[Path]:
    return [Path(p) for p in paths if p is not None and not _is_camera(p)]


def check_paths(inputs: Iterable[str | os.PathLike[str] | None],
                outputs: Mapping[str, str | os.PathLike[str] | None]) -> None:
    """Check a command's inputs and outputs before anything is opened or written.

    Args:
        inputs: input files or folders (``camera:N`` and None are skipped).
        outputs: ``{label: path}`` of every file the command will write (None skipped).

    Raises:
        CliError: an input is missing or not a regular file or folder; an output is an input
            (or, for an input folder, a file in its tree: see ``_overwrites_input``), is another
            output, or cannot be written (see :func:`check_output_path`).
    """
    sources = [check_input_path(p) for p in _present(inputs)]
    given = [(label, Path(p)) for label, p in outputs.items() if p is not None]
    for i, (label, path) in enumerate(given):
        for source in sources:
            if _overwrites_input(path, source):
                raise CliError(f"{label} {path} would overwrite the input {source}: "
                               "choose another output file")
        for other_label, other in given[:i]:
            if _same_file(path, other):
                raise CliError(f"{other_label} {other} and {label} {path} are the same file: "
                               "give each output its own file")
        check_output_path(label, path)
