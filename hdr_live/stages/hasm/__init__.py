"""HASM, hand amodal segmentation (HDR paper §3.2): a frame → four masks per frame (right amodal,
right visible, left amodal, left visible), :class:`hdr_live.types.HasmOutput`.

- :mod:`.interface`: the :class:`~.interface.Hasm` / :class:`~.interface.TwoPhaseHasm` protocols.
- :mod:`.learned`: the prior-conditioned SegFormer (the default), fed by :mod:`.tracker`, which
  follows each hand's joints from frame to frame (:mod:`.joint_flow`, LK optical flow), starts
  and re-acquires hands with MediaPipe Hands (:mod:`.mediapipe_hands`) and MediaPipe's palm
  detector (:mod:`.palm`).
- :mod:`.baseline`: masks drawn from MediaPipe's landmarks (:mod:`.silhouette`).
"""
