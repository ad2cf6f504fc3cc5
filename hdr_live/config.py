"""The one configuration of a pipeline: frozen dataclasses, no globals, defaults in one place.

:class:`PipelineConfig` says which pipeline runs (``mode``), on what kind of input
(:class:`InputKind`, as MediaPipe's running modes), whether the input is a mirrored view, where
the learned networks run, and one sub-config per stage. :func:`hdr_live.build.build_pipeline`
turns it into a pipeline; it is the only place that hands the mirroring, the input kind and the
device to the stages.

The defaults of each application live here and nowhere else (:func:`default_config`). On the
CPU every application runs the same learned pipeline: the learned HASM in tracking mode (its
full-frame detector on a budget, :mod:`hdr_live.stages.hasm.budget`; its masks kept on its own
region grid), the gated HDRM (inpainting only where the masks say the other hand hides the
target, :mod:`hdr_live.stages.hdrm.gate`), one SHPE pass per hand with a prior, the two hands at once,
and the pipelined runtime (HASM's detector of frame t+1 beside the rest of frame t). The
applications differ in:

- ``process``, ``eval-2d`` and the Python API (:attr:`App.BATCH`): files and stills, inpainted
  at full resolution.
- the live window (:attr:`App.LIVE`): a camera; it inpaints at half resolution
  (:data:`LIVE_INPAINT_SCALE`). A ``--hasm baseline`` live run keeps the landmark baseline's
  frame-skipping detector on a shrunk frame (:data:`LIVE_BASELINE_DETECTOR`).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from pathlib import Path

from hdr_live.accel.device import CPU, Device, DevicePreference, resolve_device
from hdr_live.stages.body.tracker import BodyTrackerOptions
from hdr_live.stages.hasm.budget import BudgetOptions
from hdr_live.stages.hasm.joint_flow import JointFlowOptions
from hdr_live.stages.hdrm.gate import GateOptions
from hdr_live.temporal.flow import FlowOptions
from hdr_live.weights import WEIGHTS_DIR

DEFAULT_HASM_WEIGHTS = WEIGHTS_DIR / "hasm_mitb0.safetensors"
DEFAULT_HDRM_WEIGHTS = WEIGHTS_DIR / "hdrm_hdrnet.safetensors"
DEFAULT_SHPE_DETNET_WEIGHTS = WEIGHTS_DIR / "shpe_synth_detnet.safetensors"
DEFAULT_LIFT_WEIGHTS = WEIGHTS_DIR / "lift_psjnet.safetensors"


class Mode(str, enum.Enum):
    """Which pipeline runs: the HDR framework, or MediaPipe Hands alone (the A/B reference)."""

    HDR = "hdr"
    MEDIAPIPE = "mediapipe"


class InputKind(str, enum.Enum):
    """What kind of input the frames are (MediaPipe's running modes).

    - ``IMAGES``: unrelated stills; nothing is carried from one frame to the next.
    - ``VIDEO``: a sequence from a file or a folder of images; every frame, in order, tracked.
    - ``LIVE``: a camera; tracked, and a runtime keeps only the newest frame.
    """

    IMAGES = "images"
    VIDEO = "video"
    LIVE = "live"

    @property
    def tracks(self) -> bool:
        """Frames are consecutive, so a hand is followed from one to the next."""
        return self is not InputKind.IMAGES


class App(str, enum.Enum):
    """Whose defaults a configuration starts from (see the module docstring)."""

    BATCH = "batch"
    LIVE = "live"


class HasmKind(str, enum.Enum):
    """HASM backend: landmark silhouettes (baseline) or the prior-conditioned SegFormer."""

    BASELINE = "baseline"
    LEARNED = "learned"


class HdrmKind(str, enum.Enum):
    """HDRM restorer: none (the crop as it is), OpenCV inpainting (baseline), HDRNet, or
    inpainting only where a per-hand gate says it helps
    (:class:`hdr_live.stages.hdrm.gate.GatedRestorer`)."""

    OFF = "off"
    BASELINE = "baseline"
    LEARNED = "learned"
    GATED = "gated"


class ShpeKind(str, enum.Enum):
    """SHPE: MediaPipe's hand-landmark network, or the DetNet-style network trained here on
    synthetic single hands (the Table 5 ablation's estimator; needs PyTorch)."""

    MEDIAPIPE = "mediapipe"
    DETNET = "detnet"


@dataclasses.dataclass(frozen=True)
class BaselineHasmConfig:
    """The landmark-baseline HASM's detector (MediaPipe Hands); used only by that backend.

    Attributes:
        detect_max_side_px: the detector sees the frame shrunk to this longer side, pixels
            (None = full frame).
        detect_every: run the detector at least every N frames (1 = every frame).
        detect_max_motion: it may skip a frame only below this image change, grey levels
            (:class:`hdr_live.stages.hasm.baseline.DetectSchedule`).
    """

    detect_max_side_px: int | None = None
    detect_every: int = 1
    detect_max_motion: float = 10.0


@dataclasses.dataclass(frozen=True)
class TrackerConfig:
    """The learned HASM's joint-prior tracker (:mod:`hdr_live.stages.hasm.tracker`).

    On :attr:`InputKind.IMAGES` the builder re-acquires every frame, coasts never and runs no
    optical flow (stills are unrelated); these settings are for sequences.

    Attributes:
        reacquire_every: with a hand missing, the palm re-acquirer runs at most every N frames.
        reacquire_at_wrists: while a body is in view and every missing hand's arm has its
            wrist in view, the re-acquirer searches the whole frame only on the loss's first
            frame; after it the hand is looked for around its wrist (the body's proposals), and
            the detector's budget does not count it as lost
            (:class:`~hdr_live.stages.hasm.tracker.TrackerOptions`).
        coast_frames: frames a lost slow hand keeps its last joints as prior.
        flow: optical flow of the previous joints into the current frame (None = off).
        budget: when the full-frame detector runs (tracking mode,
            :mod:`hdr_live.stages.hasm.budget`); None = on every frame.
        body: the body as evidence (:mod:`hdr_live.stages.hasm.from_body`): the most
            prominent person's pose tracked on this budget proposes hands at the ends of its
            arms, decides sides by arm and anchors or drops hidden hands; None = off.
    """

    reacquire_every: int = 3
    reacquire_at_wrists: bool = True
    coast_frames: int = 10
    flow: JointFlowOptions | None = JointFlowOptions()
    budget: BudgetOptions | None = BudgetOptions()
    body: BodyTrackerOptions | None = BodyTrackerOptions()


@dataclasses.dataclass(frozen=True)
class HasmConfig:
    """HASM (HDR §3.2).

    Attributes:
        backend: learned SegFormer or landmark baseline.
        weights: the learned HASM's safetensors file (its ``.json`` metadata beside it).
        own_detector: the learned HASM's full-frame detector is MediaPipe Hands' static-image
            graph on the vendored models (:class:`~hdr_live.stages.hasm.palm_hands.PalmHands`)
            instead of ``mediapipe.solutions.hands``.
        detector_model_complexity: MediaPipe Hands' landmark model for the detector of either
            backend (the learned HASM's tracker, the baseline's silhouettes), 0 (lite) or 1 (full).
        baseline: the landmark baseline's detector settings.
        tracker: the learned HASM's prior tracker.
        cpu_threads: ONNX Runtime's intra-op threads for the network on the CPU.
    """

    backend: HasmKind = HasmKind.LEARNED
    weights: Path = DEFAULT_HASM_WEIGHTS
    own_detector: bool = False
    detector_model_complexity: int = 1
    cpu_threads: int = 2
    baseline: BaselineHasmConfig = BaselineHasmConfig()
    tracker: TrackerConfig = TrackerConfig()


@dataclasses.dataclass(frozen=True)
class HdrmConfig:
    """HDRM (HDR §3.3).

    Attributes:
        backend: inpainting or HDRNet.
        weights: HDRNet's safetensors file.
        inpaint_scale: the inpainting restorer works at this fraction of the crop, in (0, 1].
        gate: when the gated restorer (:attr:`HdrmKind.GATED`) restores a hand.
        prior_band: M_R leaves out a band this fraction of the hand's size wide along the
            target's joint prior (:attr:`hdr_live.stages.hdrm.masks.CropOptions.prior_band`;
            0 = HDR eq. 2 as written).
    """

    backend: HdrmKind = HdrmKind.GATED
    weights: Path = DEFAULT_HDRM_WEIGHTS
    inpaint_scale: float = 1.0
    gate: GateOptions = GateOptions()
    prior_band: float = 0.3


@dataclasses.dataclass(frozen=True)
class ShpeConfig:
    """SHPE (HDR §3.4) on the restored crop.

    Attributes:
        backend: MediaPipe's landmark network or the synthetic DetNet.
        detnet_weights: the DetNet's safetensors file.
        refine_with_prior: a second network pass also when a joint prior placed the first
            (MediaPipe's network; the DetNet always runs two passes and ignores the prior).
            Off by default: one pass per hand with a prior, as MediaPipe's own tracker.
        min_pose_score: a hand whose presence is below this gets no pose.
        min_coasting_score: the same for a hand whose prior coasts (it was lost: hidden, or
            gone); a hand hidden behind the other's forearm otherwise leaves its prior on
            whatever lies there (a face) and the network, primed by it, may see a hand.
        pose_needs_prior: only a hand with a joint prior (tracked or detected) gets a crop and
            a pose; one the learned HASM finds on its own keeps only its masks.
        cpu_threads: TFLite (XNNPACK) threads of each MediaPipe landmark estimator.
    """

    backend: ShpeKind = ShpeKind.MEDIAPIPE
    detnet_weights: Path = DEFAULT_SHPE_DETNET_WEIGHTS
    refine_with_prior: bool = False
    min_pose_score: float = 0.5
    min_coasting_score: float = 0.8
    pose_needs_prior: bool = True
    cpu_threads: int = 1


@dataclasses.dataclass(frozen=True)
class ThreeDConfig:
    """The 3D stage after SHPE (:mod:`hdr_live.threed`): lifting, then model fitting.

    Attributes:
        lift: run the occlusion-robust lifting network (PSJNet + EN, Ishii et al.) per hand.
        lift_weights: its weight file (``.json`` metadata and ``.onnx`` beside it).
        fit: fit the parametric hand model (:mod:`hdr_live.hand_model`) to each frame's
            evidence, both hands in one camera frame (``HandPose.joints_cam_m``).
        fit_iterations: Levenberg–Marquardt iterations per hand and frame (bounded: the
            fitter's cost per frame grows with it).
        fit_silhouettes: fit the seen hands to HASM's amodal silhouettes too (the costliest
            term of the fit).
        focal_px: the camera's focal length in pixels; None = the guess
            :meth:`hdr_live.camera.Intrinsics.guess` (``max(H, W)``).
        principal_px: the camera's principal point (cx, cy) in pixels; None = the image
            centre.
        infer_hidden: a tracked hand that becomes wholly hidden keeps a fitted estimate,
            flagged ``inferred``, for up to ``max_hidden_s`` (sequences only).
        max_hidden_s: how long a hidden hand is inferred before it is dropped, seconds.
    """

    lift: bool = True
    lift_weights: Path = DEFAULT_LIFT_WEIGHTS
    fit: bool = True
    fit_iterations: int = 5
    fit_silhouettes: bool = True
    focal_px: float | None = None
    principal_px: tuple[float, float] | None = None
    infer_hidden: bool = True
    max_hidden_s: float = 1.0

    def __post_init__(self) -> None:
        if self.focal_px is not None and not self.focal_px > 0:
            raise ValueError(f"ThreeDConfig.focal_px must be positive, got {self.focal_px}")
        if self.fit_iterations < 1:
            raise ValueError("ThreeDConfig.fit_iterations must be at least 1, "
                             f"got {self.fit_iterations}")
        if not self.max_hidden_s > 0:
            raise ValueError(f"ThreeDConfig.max_hidden_s must be positive, got {self.max_hidden_s}")
        if self.principal_px is not None and not (
                len(self.principal_px) == 2 and all(math.isfinite(v) for v in self.principal_px)):
            raise ValueError("ThreeDConfig.principal_px must be two finite numbers, "
                             f"got {self.principal_px}")


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """Everything that decides how frames become results (see the module docstring).

    Attributes:
        mode: HDR or the MediaPipe reference.
        input_kind: stills, a sequence, or a camera.
        mirrored: the input is a mirrored (selfie) view of the person; sides stay the
            person's own either way.
        device: where the learned networks run (resolve it with
            :func:`hdr_live.accel.device.resolve_device`).
        tensorrt: compile the learned networks with torch-tensorrt (CUDA only).
        hasm, hdrm, shpe: the stages' own settings.
        crop_consistency: optical-flow consistency of the restored crops between HDRM and
            SHPE (:mod:`hdr_live.temporal.flow`), or None for off; only for tracked input.
        parallel_hands: the two hands' HDRM and SHPE run at the same time.
        pipelined: a runtime runs HASM's detector of frame t+1 while frame t finishes.
        threed: the 3D stage (lifting and model fitting), or None for off.
    """

    mode: Mode = Mode.HDR
    input_kind: InputKind = InputKind.VIDEO
    mirrored: bool = False
    device: Device = CPU
    tensorrt: bool = False
    hasm: HasmConfig = HasmConfig()
    hdrm: HdrmConfig = HdrmConfig()
    shpe: ShpeConfig = ShpeConfig()
    crop_consistency: FlowOptions | None = None
    parallel_hands: bool = True
    pipelined: bool = True
    threed: ThreeDConfig | None = ThreeDConfig()

    @property
    def uses_learned_network(self) -> bool:
        """A learned network (PyTorch / ONNX Runtime) is part of this pipeline."""
        return self.mode is Mode.HDR and (
            self.hasm.backend is HasmKind.LEARNED or self.hdrm.backend is HdrmKind.LEARNED
        )

    def with_backends(self, hasm: HasmKind | None, hdrm: HdrmKind | None) -> PipelineConfig:
        """A copy with the given backends (None keeps the current one)."""
        return dataclasses.replace(
            self,
            hasm=self.hasm if hasm is None else dataclasses.replace(self.hasm, backend=hasm),
            hdrm=self.hdrm if hdrm is None else dataclasses.replace(self.hdrm, backend=hdrm),
        )


#: The live app inpaints at half the crop's resolution (a quarter of the pixels: HDRM's cost
#: per hand falls about fourfold); ``process`` inpaints at full resolution, which keeps the
#: hands apart better where they cross (docs/benchmarks.md, issue 15).
LIVE_INPAINT_SCALE = 0.5

#: The landmark-baseline HASM's detector in the live app (only with ``--hasm baseline``): the
#: frame shrunk to 640 px, skipping frames while both hands are tracked and the image around
#: them changes little.
LIVE_BASELINE_DETECTOR = BaselineHasmConfig(detect_max_side_px=640,
                                            detect_every=3, detect_max_motion=10.0)


#: The live app's model fit: a few Levenberg–Marquardt iterations per hand and frame, warm
#: started from the previous frame's fit, without the silhouette terms (``process`` runs
#: :attr:`ThreeDConfig.fit_iterations` with them).
LIVE_FIT_ITERATIONS = 3


def default_config(app: App, input_kind: InputKind, device: Device = CPU) -> PipelineConfig:
    """The defaults of ``app`` for ``input_kind`` on ``device`` (see the module docstring)."""
    live = app is App.LIVE
    return PipelineConfig(
        input_kind=input_kind,
        device=device,
        hasm=HasmConfig(baseline=LIVE_BASELINE_DETECTOR if live else BaselineHasmConfig()),
        hdrm=HdrmConfig(inpaint_scale=LIVE_INPAINT_SCALE if live else 1.0),
        threed=(ThreeDConfig(fit_iterations=LIVE_FIT_ITERATIONS, fit_silhouettes=False) if live
                else ThreeDConfig()),
    )


@dataclasses.dataclass(frozen=True)
class StageChoices:
    """What a user chose (the CLI's shared flags), before the defaults are laid under it.

    Attributes:
        mode: HDR or the MediaPipe reference.
        mirrored: the input is a mirrored (selfie) view.
        hasm, hdrm: a backend, or None for the application's default.
        shpe: the SHPE backend.
        device: the device preference (resolved only when a learned network runs, so a
            baseline-only pipeline never imports PyTorch).
        tensorrt: compile learned networks with torch-tensorrt (CUDA only).
        focal_px: the camera's focal length in pixels, or None for the guess.
        threed: run the 3D stage (lifting, model fitting).
    """

    mode: Mode = Mode.HDR
    mirrored: bool = False
    hasm: HasmKind | None = None
    hdrm: HdrmKind | None = None
    shpe: ShpeKind = ShpeKind.MEDIAPIPE
    device: DevicePreference = DevicePreference.AUTO
    tensorrt: bool = False
    focal_px: float | None = None
    threed: bool = True


def config_for(choices: StageChoices, app: App, input_kind: InputKind) -> PipelineConfig:
    """``app``'s defaults for ``input_kind`` with ``choices`` laid over them.

    The live defaults depend on the device, so the live app always resolves it; a batch run
    resolves it when a learned network is part of the pipeline or CUDA was asked for by name.

    Raises:
        hdr_live.accel.device.DeviceError: CUDA asked for on a machine without it.
    """
    device = resolve_device(choices.device) if app is App.LIVE else CPU
    config = default_config(app, input_kind, device).with_backends(choices.hasm, choices.hdrm)
    config = dataclasses.replace(config, mode=choices.mode, mirrored=choices.mirrored,
                                 tensorrt=choices.tensorrt,
                                 shpe=dataclasses.replace(config.shpe, backend=choices.shpe))
    if not choices.threed or config.threed is None:
        config = dataclasses.replace(config, threed=None)
    else:
        config = dataclasses.replace(
            config, threed=dataclasses.replace(config.threed, focal_px=choices.focal_px))
    explicit_cuda = choices.device is DevicePreference.CUDA  # an error without CUDA, always
    if app is App.BATCH and (config.uses_learned_network or explicit_cuda):
        config = dataclasses.replace(config, device=resolve_device(choices.device))
    return config


def device_note(config: PipelineConfig) -> str:
    """Where the learned networks run, for the one line that says which stages run ("" when
    none is learned): `` on cpu (reason)``."""
    if not config.uses_learned_network:
        return ""
    return f" on {config.device.name} ({config.device.reason})"

