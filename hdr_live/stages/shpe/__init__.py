"""SHPE, single-hand pose estimation (HDR paper §3.4): a restored HDRM crop (+ a joint prior) → 21
joints in crop pixels and wrist-relative metres, :class:`~.interface.CropPose`.

- :mod:`.interface`: the :class:`~.interface.Shpe` protocol and :class:`~.interface.CropPose`.
- :mod:`.mediapipe_landmark`: MediaPipe's hand-landmark network (the default).
- :mod:`.detnet`: the DetNet-style SHPE trained here on synthetic single hands (the ablation's).
"""
