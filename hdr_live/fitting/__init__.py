"""Test-time fitting of the parametric hand model (:mod:`hdr_live.hand_model`) to a frame's
evidence — SHPE 2D joints, HASM amodal silhouettes, the lifted 3D pose — with temporal and
two-hand terms (in the spirit of Baek et al. CVPR 2019). Entry point:
:class:`hdr_live.fitting.fitter.HandFitter`; evidence types in :mod:`.evidence`.
"""
