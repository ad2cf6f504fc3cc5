"""A MANO-free parametric hand: rest skeleton and shape variation (:mod:`.skeleton`), joint
angles, anatomical limits and forward kinematics (:mod:`.articulation`), the fitter's parameter
vector with batched kinematics in the camera frame (:mod:`.kinematics`), rotations
(:mod:`.rotation`), the pinhole camera (:mod:`.camera`) and the capsule surface (:mod:`.capsules`).

The synthetic data engine (``training/synth``) builds its hands from this model; the 3D stage
(lifting and test-time fitting) fits it to the evidence of a frame. Right-hand frame; a left
hand is its mirror (x → −x).
"""
