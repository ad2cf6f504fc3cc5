"""The synthetic AIH data engine (project issue 3; HDR paper §4).

Modules, one job each:

- hand model: :mod:`skeleton` (bones, shape), :mod:`articulation` (angles, limits, FK),
  :mod:`pose_prior` (plausible poses), :mod:`sdf` + :mod:`hand_sdf` (implicit surface),
  :mod:`hand_mesh` (marching cubes, skinning weights), :mod:`mesh_bank` (shape cache),
  :mod:`skinning` (LBS, mirror, placement)
- appearance: :mod:`skin`, :mod:`noise`, :mod:`shading`, :mod:`backgrounds`, :mod:`distractors`,
  :mod:`degrade`
- rendering: :mod:`camera`, :mod:`raycast` (open3d), :mod:`render` (layers, composition),
  :mod:`interaction` (two-hand layouts), :mod:`framing` (camera placement)
- samples: :mod:`sample` (dataclasses), :mod:`assemble`, :mod:`render_mode` (AIH_Render-like),
  :mod:`syn_mode` (AIH_Syn-like), :mod:`paste` + :mod:`real_cutout` (user footage)
- disk: :mod:`storage` (format, docs/synth_format.md), :mod:`generate` (CLI), :mod:`dataset`
  (reader), :mod:`contact_sheet`
"""
