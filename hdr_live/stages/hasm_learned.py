"""Learned HASM: SegFormer conditioned on a closed-loop joint prior (HDR paper §3.2, adapted).

Per frame: the :class:`~hdr_live.stages.hand_tracker.HandPriorTracker` gives each hand's prior
joints; a square region around the prior hands (``spec.region_context`` × their joint box) is
resized to ``spec.input_px``; the network predicts the four masks there; they are mapped back to
the frame, thresholded at ``spec.threshold`` and cleaned:

- visible ⊆ amodal for each hand; a pixel visible for both hands goes to the more probable one;
- a hand without a prior keeps its masks only if its amodal area is at least
  ``min_unprimed_area`` of the region (the network may find a hand the tracker lost).

Absent hands (no prior, no mask) give empty masks and no crop downstream.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from hdr_live.geometry import Roi, crop_affine, invert_affine, warp_crop
from hdr_live.models.prior import SIDE_ORDER, render_prior
from hdr_live.stages.hand_tracker import HandPriorTracker
from hdr_live.types import Frame, HandMasks, HandPose, Hands, HasmOutput


def region_for_prior(joints: Hands[np.ndarray], context: float, min_side_px: float = 32.0) -> Roi:
    """Square, axis-aligned region around the prior hands' joints.

    Args:
        joints: per side (21, 2) frame pixels (at least one side present).
        context: region side as a multiple of the joints' box's longer side.
        min_side_px: smallest side.

    Raises:
        ValueError: no hand in ``joints``.
    """
    pts = [j for _, j in joints.items()]
    if not pts:
        raise ValueError("region_for_prior needs at least one hand")
    allp = np.concatenate(pts, axis=0)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    centre = (lo + hi) / 2.0
    return Roi((float(centre[0]), float(centre[1])), max(float(max(hi - lo)) * context, min_side_px))


class MaskNet(Protocol):
    """Runs the HASM network: (1, C, S, S) float32 input → (1, 4, S, S) float32 logits."""

    def __call__(self, x: np.ndarray) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True)
class LearnedHasmOptions:
    """Post-processing options (the checkpoint's own spec holds size and threshold).

    Attributes:
        min_unprimed_area: see the module docstring (fraction of the region's area).
    """

    min_unprimed_area: float = 0.01


class LearnedHasm:
    """HASM backend with a learned SegFormer; see the module docstring."""

    name = "learned-segformer"

    def __init__(self, net: MaskNet, spec, tracker: HandPriorTracker,
                 options: LearnedHasmOptions = LearnedHasmOptions()) -> None:
        self.net, self.spec, self.tracker, self.options = net, spec, tracker, options

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        prior_geom = self.tracker.update(frame, previous)
        prior = Hands(
            left=None if prior_geom.left is None else prior_geom.left.joints_px,
            right=None if prior_geom.right is None else prior_geom.right.joints_px,
        )
        if len(prior) == 0:
            return HasmOutput(HandMasks.empty(frame.height, frame.width), prior)
        probs, to_frame = self.region_probs(frame, prior)
        masks = self._to_frame_masks(probs, to_frame, frame, prior)
        return HasmOutput(masks, prior)

    def region_probs(self, frame: Frame, prior: Hands[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Mask probabilities in the input region.

        Returns:
            probs: (4, S, S) float32 in [0, 1].
            to_frame: (2, 3) region→frame affine.
        """
        from hdr_live.models.hasm_net import normalise_input  # numpy only; no torch import

        s = self.spec.input_px
        to_frame = crop_affine(region_for_prior(prior, self.spec.region_context), s)
        rgb = warp_crop(frame.rgb, to_frame, s)
        maps = render_prior(prior, invert_affine(to_frame), s, self.spec.prior_style) \
            if self.spec.uses_prior else None
        x = normalise_input(rgb, maps, self.spec)[None]
        logits = self.net(x)[0]
        return 1.0 / (1.0 + np.exp(-logits)), to_frame

    def _to_frame_masks(self, probs, to_frame, frame: Frame, prior: Hands) -> HandMasks:
        h, w = frame.height, frame.width
        frame_to_region = invert_affine(to_frame)
        warped = [
            cv2.warpAffine(p, frame_to_region, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
            for p in probs.astype(np.float32)
        ]
        # warpAffine with WARP_INVERSE_MAP takes the dst→src map: frame pixel → region pixel.
        thr = self.spec.threshold
        ra, rv, la, lv = (m > thr for m in warped)
        rv &= ra
        lv &= la
        both = rv & lv
        rv[both] = warped[1][both] >= warped[3][both]
        lv[both] = ~rv[both]
        region_area = (self.spec.input_px * abs(np.linalg.det(to_frame[:, :2])) ** 0.5) ** 2
        out = {}
        for side, amodal, visible in ((SIDE_ORDER[0], ra, rv), (SIDE_ORDER[1], la, lv)):
            if prior.get(side) is None and amodal.sum() < self.options.min_unprimed_area * region_area:
                amodal, visible = np.zeros_like(amodal), np.zeros_like(visible)
            out[side] = (amodal, visible)
        return HandMasks(out[SIDE_ORDER[0]][0], out[SIDE_ORDER[0]][1],
                         out[SIDE_ORDER[1]][0], out[SIDE_ORDER[1]][1])

    def reset(self) -> None:
        self.tracker.reset()

    def close(self) -> None:
        self.tracker.detector.close()


def load_mask_net(weights_path: Path, prefer_onnx: bool = True):
    """(net callable, spec) from a HASM checkpoint: ONNX Runtime when the checkpoint's ONNX twin
    (``.onnx`` beside it, sha256 recorded in the metadata as ``onnx_sha256``) is present and
    ``prefer_onnx``, else eager PyTorch. ONNX Runtime measured faster on this CPU and agrees with
    PyTorch to 1e-4 (tests/test_hasm_learned.py).

    Raises:
        hdr_live.weights.WeightsError: missing/corrupt files, wrong kind, keys that do not fit.
    """
    from hdr_live.models.hasm_net import MODEL_KIND, HasmSpec
    from hdr_live.models.onnx_export import OnnxMaskNet
    from hdr_live.weights import WeightsError, read_metadata, sha256_of

    meta = read_metadata(weights_path, MODEL_KIND)
    onnx_path = Path(weights_path).with_suffix(".onnx")
    if prefer_onnx and onnx_path.is_file() and "onnx_sha256" in meta:
        if sha256_of(onnx_path) != meta["onnx_sha256"]:
            raise WeightsError(f"{onnx_path} is corrupt or replaced: sha256 does not match "
                               f"{weights_path.with_suffix('.json')}")
        try:
            spec = HasmSpec.from_json(meta["spec"])
        except (KeyError, TypeError) as exc:
            raise WeightsError(f"{weights_path}: bad spec in metadata: {exc}") from exc
        return OnnxMaskNet(onnx_path), spec
    return load_torch_mask_net(weights_path)


def load_torch_mask_net(weights_path: Path):
    """(net callable, spec) from a HASM checkpoint, eager PyTorch on the CPU.

    Raises:
        hdr_live.weights.WeightsError: missing/corrupt file, wrong kind, keys that do not fit.
    """
    import torch

    from hdr_live.models.hasm_net import MODEL_KIND, HasmNet, HasmSpec
    from hdr_live.weights import WeightsError, load_state_dict_strict, read_metadata

    meta = read_metadata(weights_path, MODEL_KIND)
    try:
        spec = HasmSpec.from_json(meta["spec"])
    except (KeyError, TypeError) as exc:
        raise WeightsError(f"{weights_path}: bad spec in metadata: {exc}") from exc
    model = HasmNet(spec).eval()
    load_state_dict_strict(model, weights_path)

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    return run, spec
