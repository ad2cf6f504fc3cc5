"""Whether a window can open, judged without starting Qt (Qt aborts the process when it cannot)."""

import shutil
import subprocess
import sys

import pytest

from hdr_live.ui.qt_env import display_problem


def test_headless_platforms_need_no_display():
    for platform in ("offscreen", "minimal", "offscreen:fontengine=freetype"):
        assert display_problem({"QT_QPA_PLATFORM": platform}) is None


@pytest.mark.parametrize("env, reason", [
    ({}, "DISPLAY is not set"),
    ({"DISPLAY": ":93"}, "cannot connect to the X display ':93'"),
    ({"DISPLAY": "nonsense"}, "not an X display name"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-93", "XDG_RUNTIME_DIR": "/tmp"},
     "no Wayland display at /tmp/wayland-93"),
])
def test_no_display_is_one_line_with_the_way_out(env, reason):
    problem = display_problem(env)
    assert problem is not None and reason in problem and "\n" not in problem
    assert "xvfb-run -a hdr-live live" in problem and "hdr-live process" in problem


def test_a_wayland_socket_is_enough(tmp_path):
    (tmp_path / "wayland-1").touch()
    assert display_problem({"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": str(tmp_path)}) is None


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_a_real_x_display_is_accepted():
    code = "from hdr_live.ui.qt_env import display_problem; print(display_problem())"
    out = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "None", out.stderr
