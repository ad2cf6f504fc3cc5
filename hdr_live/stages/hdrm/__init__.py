"""HDRM, hand de-occlusion and removal (HDR paper §3.3): a frame + HASM's four masks → one restored,
right-hand-looking crop per hand, :class:`hdr_live.types.HandCrop`.

- :mod:`.masks`: the crop around the target's amodal mask and M_D, M_R (eq. 2–3).
- :mod:`.stage`: the :class:`~.stage.Restorer` protocol and the :class:`~.stage.Hdrm` stage.
- :mod:`.inpaint`: OpenCV inpainting of M_R (the default restorer); :mod:`.learned`: HDRNet.
"""
