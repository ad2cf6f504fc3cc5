"""The UI never imports torch (it must start fast and stay light)."""

import subprocess
import sys

UI_MODULES = [
    "hdr_live.ui",
    "hdr_live.ui.app",
    "hdr_live.ui.controls",
    "hdr_live.ui.qimage",
    "hdr_live.ui.qt_env",
    "hdr_live.ui.skeleton3d",
    "hdr_live.ui.view3d",
    "hdr_live.ui.widgets",
    "hdr_live.ui.window",
    "hdr_live.live.settings",
    "hdr_live.live.processor",
    "hdr_live.live.session",
    "hdr_live.live.sources",
    "hdr_live.live.placement",
    "hdr_live.live.recorder",
]


def test_ui_modules_do_not_import_torch():
    code = (
        "import importlib, sys\n"
        f"for m in {UI_MODULES!r}: importlib.import_module(m)\n"
        "import open3d\n"  # what the 3D view loads when it is shown
        "from hdr_live.build import build_pipeline\n"
        "from hdr_live.config import App, InputKind, default_config\n"
        "build_pipeline(default_config(App.LIVE, InputKind.LIVE)).close()\n"  # the app's pipeline
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_learned_stages_on_the_cpu_do_not_import_torch():
    """With ONNX twins, the learned HASM and HDRNet run without PyTorch (live --hasm learned)."""
    code = (
        "import sys\n"
        "from hdr_live.build import build_pipeline\n"
        "from hdr_live.config import App, HasmKind, HdrmKind, InputKind, default_config\n"
        "c = default_config(App.LIVE, InputKind.LIVE).with_backends(HasmKind.LEARNED,"
        " HdrmKind.LEARNED)\n"
        "p = build_pipeline(c)\n"
        "assert 'learned-segformer' in p.description and 'learned-hdrnet' in p.description\n"
        "p.close()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr
