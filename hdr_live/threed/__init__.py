"""The 3D stage after SHPE: each hand lifted to 3D by the occlusion-robust network (PSJNet + EN,
Ishii et al., :mod:`hdr_live.lift`), then the parametric hand model (:mod:`hdr_live.hand_model`)
fitted to the frame's evidence (:mod:`hdr_live.fitting`, Baek et al. in spirit), both hands in
one camera frame; a tracked hand that becomes wholly hidden keeps an inferred estimate for about
a second.
"""
