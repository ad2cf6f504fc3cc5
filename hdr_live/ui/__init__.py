"""The live window (PyQt6): video with overlays, restored crops, rates, controls, 3D view.

Never imports torch (``tests/ui/test_ui_imports.py`` checks it). The work lives in
:mod:`hdr_live.live`; these modules only show it.
"""
