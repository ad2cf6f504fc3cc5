"""Training-side code for hdr-live: the synthetic AIH data engine, dataset readers, demo assets.

This package imports :mod:`hdr_live`; :mod:`hdr_live` never imports it.
"""
