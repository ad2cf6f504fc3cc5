"""The three HDR stages (Meng et al., ECCV 2022, Fig. 2), one package each, run in this order by
:class:`hdr_live.pipeline.HdrPipeline`:

- :mod:`.hasm`: frame → four masks (right/left amodal and visible), §3.2;
- :mod:`.hdrm`: frame + masks → one restored single-hand crop per hand, §3.3;
- :mod:`.shpe`: crop → 21 joints (crop pixels, wrist-relative metres), §3.4.
"""
