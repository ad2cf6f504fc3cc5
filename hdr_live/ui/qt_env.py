"""Qt start-up environment.

``opencv-contrib-python`` (pulled in by mediapipe) points ``QT_QPA_PLATFORM_PLUGIN_PATH`` (and
``QT_QPA_FONTDIR``) at its own bundled Qt 5 plugins when ``cv2`` is imported; PyQt6 then fails to
load its platform plugin ("Could not load the Qt platform plugin xcb in .../cv2/qt/plugins").

:func:`display_problem` says, without starting Qt, whether a window can open at all (Qt aborts
the process when it cannot).
"""

from __future__ import annotations

import os

import cv2  # noqa: F401 - imported first on purpose: it sets the variables fixed below


def use_pyqt6_plugins() -> None:
    """Point Qt at PyQt6's own plugins; call before creating the QApplication."""
    from PyQt6.QtCore import QLibraryInfo

    os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"] = QLibraryInfo.path(
        QLibraryInfo.LibraryPath.PluginsPath
    )
    font_dir = os.environ.get("QT_QPA_FONTDIR", "")
    if os.sep + "cv2" + os.sep in font_dir:
        del os.environ["QT_QPA_FONTDIR"]


#: Qt platforms that need no display server.
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc"})

_NO_DISPLAY_HINT = ("run it under a virtual display: xvfb-run -a hdr-live live …, or process "
                    "the input without a window: hdr-live process INPUT --out OUT.mp4")


def _x_socket_addresses(display: str) -> list[tuple[int, object]] | None:
    """(socket family, address) candidates of an X display name such as ``:0``, ``:1.0``,
    ``unix:0`` or ``host:0`` (a local display: its abstract socket, then its socket file);
    None when the name cannot be parsed."""
    import socket

    host, sep, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit():
        return None
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        return [(socket.AF_UNIX, "\0" + path), (socket.AF_UNIX, path)]
    return [(socket.AF_INET, (host, 6000 + int(number)))]


def _can_connect(family: int, address: object, timeout_s: float = 1.0) -> bool:
    import socket

    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(address)
        return True
    except OSError:
        return False


def _x_display_problem(display: str) -> str | None:
    addresses = _x_socket_addresses(display)
    if addresses is None:
        return f"DISPLAY={display!r} is not an X display name"
    if not any(_can_connect(*address) for address in addresses):
        return f"cannot connect to the X display {display!r}"
    return None


def _wayland_problem(environ: dict[str, str]) -> str | None:
    name = environ.get("WAYLAND_DISPLAY", "")
    if not name:
        return "WAYLAND_DISPLAY is not set"
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    path = name if os.path.isabs(name) else os.path.join(runtime, name)
    if (os.path.isabs(name) or runtime) and not os.path.exists(path):
        return f"no Wayland display at {path}"
    return None


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why no window can open, as one line with a hint, or None when one can; Qt is not started.

    A window can open when ``QT_QPA_PLATFORM`` is a headless platform (offscreen, minimal, vnc),
    when the X display in ``DISPLAY`` accepts a connection (``xcb`` or unset platform), or when
    ``WAYLAND_DISPLAY`` names a Wayland socket (``wayland`` or unset platform).

    Args:
        environ: the environment to judge (default ``os.environ``).
    """
    env = dict(os.environ if environ is None else environ)
    platform = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if platform in HEADLESS_PLATFORMS:
        return None
    problems = []
    if platform in ("", "xcb"):
        x = _x_display_problem(env["DISPLAY"]) if env.get("DISPLAY") else "DISPLAY is not set"
        if x is None:
            return None
        problems.append(x)
    if platform in ("", "wayland", "wayland-egl"):
        wayland = _wayland_problem(env)
        if wayland is None:
            return None
        problems.append(wayland)
    if not problems:
        return None  # another platform plugin (eglfs, linuxfb, …): let Qt judge
    return f"no display for the live window ({'; '.join(problems)}); {_NO_DISPLAY_HINT}"
