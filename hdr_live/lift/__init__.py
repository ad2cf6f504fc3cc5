"""Occlusion-robust 2D→3D lifting of one hand (seed 003: Ishii et al., PSJNet + EN).

- :mod:`.graph`: the 21-joint graph, the four levels and PSJNet's branch graphs (numpy);
- :mod:`.features`: input normalisation shared by training and inference (numpy);
- :mod:`.psjnet`: the torch model (training and ONNX export only);
- :mod:`.lifter`: :class:`~.lifter.Lifter` (ONNX Runtime) → :class:`~.lifter.LiftedPose`;
- :mod:`.reconstruct`: camera-frame joints from 2D + relative depth + keybone length.

Nothing here imports ``training``; only :mod:`.psjnet` imports torch.
"""
