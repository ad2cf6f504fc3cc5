"""The live app's glue, without any UI: the switchable settings, frame sources for
live playback, the session that runs pipeline + runtime + smoother + recorder, and the 3D
placement of the hands. Nothing here imports Qt or torch.
"""
