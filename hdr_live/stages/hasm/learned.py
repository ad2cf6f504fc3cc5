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
Hands when the detector budget (:mod:`hdr_live.stages.hasm.budget`, tracking mode) asks for it,
``segment_detected`` the tracker and the network.

The masks stay on the region's grid (a scored :class:`~hdr_live.hand_masks.HandMasks`); later
stages evaluate them on their own crops, so no per-frame step works at frame size.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from hdr_live.geometry import Roi, crop_affine, invert_affine, joints_box, warp_crop
from hdr_live.joints import Side, hand_scale_px
from hdr_live.models.prior import SIDE_ORDER, render_prior
from hdr_live.stages.hasm.budget import DetectBudget
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
        min_grid_hand_px: two hands far apart whose shared region would make one smaller than
            this many grid pixels (wrist→middle MCP) get a region each (:func:`hands_apart`);
            0 = always one region.
    """

    min_unprimed_area: float = 0.01
    min_primed_area: float = 0.5
    min_grid_hand_px: float = 12.0


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


def amodal_area_near_prior(masks: HandMasks, side: Side, joints_px: np.ndarray) -> float:
    """A hand's amodal area near its prior, in squared hand sizes.

    Args:
        masks: the frame's masks (scored or binary).
        side: the hand.
        joints_px: (21, 2) prior joints in frame pixels.

    Returns:
        The amodal area (frame pixels²) inside :func:`~hdr_live.geometry.joints_box`, divided by the hand size
        (wrist→middle MCP, pixels) squared.
    """
    scale = max(hand_scale_px(joints_px), 1.0)
    box = joints_box(joints_px, masks.height, masks.width)
    return masks.amodal_area_px(side, box) / scale**2


def region_masks(probs: np.ndarray, to_frame: np.ndarray, frame: Frame, prior: Hands, spec,
                 options: LearnedHasmOptions = LearnedHasmOptions()) -> HandMasks:
    """Region probabilities → the four masks, kept on the region's grid (scored
    :class:`~hdr_live.hand_masks.HandMasks`: nothing frame-sized is made), with the clean-up
    rules of :mod:`hdr_live.hand_masks` and the area rules of this module's docstring (a hand
    whose area rule fails is marked absent).

    Args:
        probs: (4, S, S) float32 in [0, 1] from :func:`region_probs`.
        to_frame: (2, 3) region→frame affine.
        frame: the frame the region was cut from (its size is the masks' frame size).
        prior: the prior used: per side (21, 2) joints in frame pixels, or None.
        spec: the checkpoint's spec (``threshold``, ``input_px`` = S).
        options: the area rules.
    """
    probs = np.ascontiguousarray(probs, dtype=np.float32)
    masks = HandMasks.from_scores(probs, to_frame, frame.height, frame.width, spec.threshold)
    region_area = (spec.input_px * abs(np.linalg.det(to_frame[:, :2])) ** 0.5) ** 2
    present = []
    for side in SIDE_ORDER:
        joints = prior.get(side)
        absent = (masks.amodal_area_px(side) < options.min_unprimed_area * region_area
                  if joints is None else
                  amodal_area_near_prior(masks, side, joints) < options.min_primed_area)
        present.append(not absent)
    return masks.with_present((present[0], present[1]))


def hands_apart(prior: Hands[np.ndarray], spec, options: "LearnedHasmOptions") -> bool:
    """Whether two prior hands are far enough apart that one region round both would shrink a
    hand below ``options.min_grid_hand_px`` grid pixels (wrist→middle MCP) while their joint
    boxes stay more than a hand size apart (so neither can hide the other)."""
    if len(prior) < 2 or options.min_grid_hand_px <= 0:
        return False
    right, left = prior.right, prior.left
    scale = max(hand_scale_px(right), hand_scale_px(left), 1.0)
    gap = np.maximum(np.maximum(right.min(0) - left.max(0), left.min(0) - right.max(0)), 0.0)
    if float(np.max(gap)) < scale:
        return False
    region = region_for_prior(prior, spec.region_context).size_px
    smallest = min(hand_scale_px(right), hand_scale_px(left))
    return smallest * spec.input_px / region < options.min_grid_hand_px


def predict_masks(net: MaskNet, spec, frame: Frame, prior: Hands[np.ndarray],
                  options: LearnedHasmOptions = LearnedHasmOptions()) -> HandMasks:
    """The four masks HASM predicts for ``frame`` given a joint prior, on its region grid; all
    empty when the prior has no hand (:func:`region_probs` then :func:`region_masks`). Two
    hands far apart (:func:`hands_apart`) get one region each
    (:class:`~hdr_live.hand_masks_split.SplitHandMasks`)."""
    if len(prior) == 0:
        return HandMasks.empty(frame.height, frame.width)
    if hands_apart(prior, spec, options):
        from hdr_live.hand_masks_split import SplitHandMasks

        one = {side: predict_masks(net, spec, frame, Hands().with_side(side, joints),
                                   dataclasses.replace(options, min_grid_hand_px=0.0))
               for side, joints in prior.items()}
        return SplitHandMasks(one[Side.RIGHT], one[Side.LEFT])
    probs, to_frame = region_probs(net, spec, frame, prior)
    return region_masks(probs, to_frame, frame, prior, spec, options)


class LearnedHasm:
    """HASM backend with a learned SegFormer; see the module docstring.

    With a :class:`~hdr_live.stages.hasm.budget.DetectBudget` the full-frame detector runs only
    when the budget says so (tracking mode); without one, on every frame.
    """

    name = "learned-segformer"

    def __init__(self, net: MaskNet, spec, tracker: HandPriorTracker,
                 options: LearnedHasmOptions = LearnedHasmOptions(),
                 budget: DetectBudget | None = None) -> None:
        self.net, self.spec, self.tracker, self.options = net, spec, tracker, options
        self.budget = budget

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks from the tracked prior; see :class:`~hdr_live.stages.hasm.interface.Hasm`.
        The same as ``segment_detected(frame, detect(frame), previous)``."""
        return self.segment_detected(frame, self.detect(frame), previous)

    def detect(self, frame: Frame) -> HasmDetections:
        """MediaPipe Hands on the full frame when the budget asks for it (else nothing, with
        ``ran`` False): the history-free half (two-phase HASM), so a pipelined runtime can run
        it for frame t+1 while HDRM/SHPE of frame t run."""
        if self.budget is not None and not self.budget.decide():
            return HasmDetections((), 0.0, ran=False)
        t0 = time.perf_counter()
        dets = tuple(self.tracker.detector.detect(frame))
        return HasmDetections(dets, 1e3 * (time.perf_counter() - t0))

    def segment_detected(self, frame: Frame, detected: HasmDetections,
                         previous: Hands[HandPose]) -> HasmOutput:
        """The tracker's prior from ``detected`` and ``previous``, then the network's masks.

        A frame whose detector did not run adds no detection: the tracks continue from
        ``previous`` moved by the flow."""
        if self.budget is not None:
            self.budget.observe(previous, self.tracker.searched_at_wrists)
        return self._segment(frame, self.tracker.update(frame, previous,
                                                        list(detected.detections)))

    def _segment(self, frame: Frame, prior_geom: Hands[HandGeometry]) -> HasmOutput:
        prior = prior_geom.map(lambda _, g: g.joints_px)
        masks = predict_masks(self.net, self.spec, frame, prior, self.options)
        return HasmOutput(masks, prior, self.tracker.coasting, self.tracker.arm_wrists_px(frame))

    def reset(self) -> None:
        self.tracker.reset()
        if self.budget is not None:
            self.budget.reset()

    def close(self) -> None:
        self.tracker.detector.close()


def load_mask_net(weights_path: Path, prefer_onnx: bool = True, threads: int = 2):
    """(net callable, spec) from a HASM checkpoint: ONNX Runtime when the checkpoint's ONNX twin
    (``.onnx`` beside it, sha256 recorded in the metadata as ``onnx_sha256``) is present and
    ``prefer_onnx`` (with ``threads`` intra-op threads), else eager PyTorch. ONNX Runtime is
    preferred because it is the faster
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
        return OnnxMaskNet(onnx_path, threads), spec
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
