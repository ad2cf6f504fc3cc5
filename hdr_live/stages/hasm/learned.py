"""Learned HASM: SegFormer conditioned on a closed-loop joint prior (HDR paper §3.2, adapted).

Per frame: the :class:`~hdr_live.stages.hasm.tracker.HandPriorTracker` gives each hand's prior
joints; a square region around the prior hands (``spec.region_context`` × their joint box) is
resized to ``spec.input_px``; the network predicts the four masks there; they are mapped back to
the frame, thresholded at ``spec.threshold`` and cleaned:

- visible ⊆ amodal for each hand; a pixel visible for both hands goes to the more probable one;
- a hand without a prior keeps its masks only if its amodal area is at least
  ``min_unprimed_area`` of the region (the network may find a hand the tracker lost). By default
  the pipeline gives such a hand no crop and no pose (``ShpeConfig.pose_needs_prior``); its
  masks still mark it as the distractor in the other hand's crop (M_R);
- a hand with a prior keeps its masks only if its amodal area near the prior
  (:func:`amodal_area_near_prior`) is at least ``min_primed_area`` squared hand sizes of the
  prior (wrist→middle MCP): a smaller mask means the network found no hand at the prior (a
  detector's false positive on a face or sleeve, or a wholly hidden hand), so the hand gets no
  crop and no pose. The threshold is chosen on synthetic held-out data only, to keep nearly
  every true hand (``benchmarks/hasm_prior_gate.py``; its figures for the bundled weights are in
  docs/benchmarks.md). A network trained with misplaced priors
  (``training.hasm_data.PriorNoise.misplaced_prob``) vetoes more of them; docs/history.md
  (session 5) says why the bundled one is not such a network.

Absent hands (no prior, no mask) give empty masks and no crop downstream.

Two-phase (:class:`~hdr_live.stages.hasm.interface.TwoPhaseHasm`): ``detect`` runs MediaPipe
Hands (the history-free part), ``segment_detected`` the tracker and the network.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from hdr_live.geometry import Roi, crop_affine, invert_affine, warp_crop
from hdr_live.joints import hand_scale_px
from hdr_live.models.prior import SIDE_ORDER, render_prior
from hdr_live.stages.hasm.tracker import HandPriorTracker
from hdr_live.stages.hasm.interface import HasmDetections
from hdr_live.types import Frame, HandGeometry, HandMasks, HandPose, Hands, HasmOutput


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
        min_primed_area: see the module docstring (squared hand sizes of the prior); 0 = off.
    """

    min_unprimed_area: float = 0.01
    min_primed_area: float = 0.5


def region_probs(net: MaskNet, spec, frame: Frame,
                 prior: Hands[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """HASM's mask probabilities in the square region around the prior hands.

    Args:
        net: the HASM network (ONNX Runtime or PyTorch callable).
        spec: its :class:`~hdr_live.models.hasm_net.HasmSpec` (input size, prior style).
        frame: the frame (RGB uint8, frame pixels).
        prior: per side (21, 2) float joints in frame pixels; at least one side.

    Returns:
        probs: (4, S, S) float32 in [0, 1], channels right amodal, right visible, left amodal,
            left visible (S = ``spec.input_px``).
        to_frame: (2, 3) float64 region→frame affine.

    Raises:
        ValueError: ``prior`` has no hand.
    """
    from hdr_live.models.hasm_spec import normalise_input  # numpy only; no torch import

    s = spec.input_px
    to_frame = crop_affine(region_for_prior(prior, spec.region_context), s)
    rgb = warp_crop(frame.rgb, to_frame, s)
    maps = render_prior(prior, invert_affine(to_frame), s, spec.prior_style) \
        if spec.uses_prior else None
    x = normalise_input(rgb, maps, spec)[None]
    logits = net(x)[0]
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32), to_frame


def amodal_area_near_prior(amodal: np.ndarray, joints_px: np.ndarray) -> float:
    """A hand's amodal area near its prior, in squared hand sizes.

    Args:
        amodal: (H, W) bool amodal mask in frame pixels.
        joints_px: (21, 2) prior joints in the same pixels.

    Returns:
        The mask's pixel count inside the joints' box grown by half a hand size (wrist→middle
        MCP) on every side, divided by the hand size squared.
    """
    scale = max(hand_scale_px(joints_px), 1.0)
    h, w = amodal.shape
    x0, y0 = np.clip(np.floor(joints_px.min(axis=0) - 0.5 * scale).astype(int), 0, (w, h))
    x1, y1 = np.clip(np.ceil(joints_px.max(axis=0) + 0.5 * scale).astype(int), 0, (w, h))
    return float(amodal[y0:y1, x0:x1].sum()) / scale**2


def frame_masks(probs: np.ndarray, to_frame: np.ndarray, frame: Frame, prior: Hands, spec,
                options: LearnedHasmOptions = LearnedHasmOptions()) -> HandMasks:
    """Region probabilities → the four frame-sized boolean masks (see the module docstring for
    the clean-up rules: visible ⊆ amodal, contested visible pixels, unprimed hands).

    Args:
        probs: (4, S, S) float32 in [0, 1] from :func:`region_probs`.
        to_frame: (2, 3) region→frame affine.
        frame: the frame the region was cut from (its size is the masks' size).
        prior: the prior used: per side (21, 2) joints in frame pixels, or None (each hand's mask
            must reach an area that depends on whether it had a prior; see ``options``).
        spec: the checkpoint's spec (``threshold``, ``input_px`` = S).
        options: the area rules.
    """
    h, w = frame.height, frame.width
    frame_to_region = invert_affine(to_frame)
    # warpAffine with WARP_INVERSE_MAP takes the dst→src map: frame pixel → region pixel.
    warped = [
        cv2.warpAffine(p, frame_to_region, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        for p in probs.astype(np.float32)
    ]
    ra, rv, la, lv = (m > spec.threshold for m in warped)
    rv &= ra
    lv &= la
    both = rv & lv
    rv[both] = warped[1][both] >= warped[3][both]
    lv[both] = ~rv[both]
    region_area = (spec.input_px * abs(np.linalg.det(to_frame[:, :2])) ** 0.5) ** 2
    out = {}
    for side, amodal, visible in ((SIDE_ORDER[0], ra, rv), (SIDE_ORDER[1], la, lv)):
        joints = prior.get(side)
        absent = (amodal.sum() < options.min_unprimed_area * region_area if joints is None else
                  amodal_area_near_prior(amodal, joints) < options.min_primed_area)
        if absent:
            amodal, visible = np.zeros_like(amodal), np.zeros_like(visible)
        out[side] = (amodal, visible)
    return HandMasks(out[SIDE_ORDER[0]][0], out[SIDE_ORDER[0]][1],
                     out[SIDE_ORDER[1]][0], out[SIDE_ORDER[1]][1])


def predict_masks(net: MaskNet, spec, frame: Frame, prior: Hands[np.ndarray],
                  options: LearnedHasmOptions = LearnedHasmOptions()) -> HandMasks:
    """The four frame-sized masks HASM predicts for ``frame`` given a joint prior; all empty
    when the prior has no hand (:func:`region_probs` then :func:`frame_masks`)."""
    if len(prior) == 0:
        return HandMasks.empty(frame.height, frame.width)
    probs, to_frame = region_probs(net, spec, frame, prior)
    return frame_masks(probs, to_frame, frame, prior, spec, options)


class LearnedHasm:
    """HASM backend with a learned SegFormer; see the module docstring."""

    name = "learned-segformer"

    def __init__(self, net: MaskNet, spec, tracker: HandPriorTracker,
                 options: LearnedHasmOptions = LearnedHasmOptions()) -> None:
        self.net, self.spec, self.tracker, self.options = net, spec, tracker, options

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks from the tracked prior; see :class:`~hdr_live.stages.hasm.interface.Hasm`."""
        return self._segment(frame, self.tracker.update(frame, previous))

    def detect(self, frame: Frame) -> HasmDetections:
        """MediaPipe Hands on the full frame: the history-free half (two-phase HASM), so a
        pipelined runtime can run it for frame t+1 while HDRM/SHPE of frame t run."""
        t0 = time.perf_counter()
        dets = tuple(self.tracker.detector.detect(frame))
        return HasmDetections(dets, 1e3 * (time.perf_counter() - t0))

    def segment_detected(self, frame: Frame, detected: HasmDetections,
                         previous: Hands[HandPose]) -> HasmOutput:
        """The tracker's prior from ``detected`` and ``previous``, then the network's masks."""
        dets = list(detected.detections) if detected.ran else None
        return self._segment(frame, self.tracker.update(frame, previous, dets))

    def _segment(self, frame: Frame, prior_geom: Hands[HandGeometry]) -> HasmOutput:
        prior = prior_geom.map(lambda _, g: g.joints_px)
        return HasmOutput(predict_masks(self.net, self.spec, frame, prior, self.options), prior)

    def reset(self) -> None:
        self.tracker.reset()

    def close(self) -> None:
        self.tracker.detector.close()


def load_mask_net(weights_path: Path, prefer_onnx: bool = True):
    """(net callable, spec) from a HASM checkpoint: ONNX Runtime when the checkpoint's ONNX twin
    (``.onnx`` beside it, sha256 recorded in the metadata as ``onnx_sha256``) is present and
    ``prefer_onnx``, else eager PyTorch. ONNX Runtime is preferred because it is the faster
    engine on the CPU (docs/benchmarks.md); it agrees with PyTorch to 1e-4
    (tests/stages/hasm/test_hasm_learned.py).

    Raises:
        hdr_live.weights.WeightsError: missing/corrupt files, wrong kind, keys that do not fit.
    """
    from hdr_live.models.hasm_spec import MODEL_KIND, HasmSpec
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

    model, spec = load_torch_module(weights_path)

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    return run, spec


def load_torch_module(weights_path: Path):
    """(HasmNet in eval mode on the CPU, spec) from a HASM checkpoint, strictly loaded.

    Raises:
        hdr_live.weights.WeightsError: missing/corrupt file, wrong kind, keys that do not fit.
    """
    from hdr_live.models.hasm_net import HasmNet
    from hdr_live.models.hasm_spec import MODEL_KIND, HasmSpec
    from hdr_live.weights import WeightsError, load_state_dict_strict, read_metadata

    meta = read_metadata(weights_path, MODEL_KIND)
    try:
        spec = HasmSpec.from_json(meta["spec"])
    except (KeyError, TypeError) as exc:
        raise WeightsError(f"{weights_path}: bad spec in metadata: {exc}") from exc
    model = HasmNet(spec).eval()
    load_state_dict_strict(model, weights_path)
    return model, spec
