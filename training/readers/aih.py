"""Reader for the official AIH dataset of the HDR paper (Meng et al., ECCV 2022, §4), layout of
the released ``AIH_dataset`` (see github.com/MengHao666/HDR, README and explore_AIH.py)::

    AIH_render/{human_annot,machine_annot}/{train,val}/
        images/{r_images,l_images}/IH/NAME.jpg          two-hand image centred on the right/left hand
        images/{r_images,l_images}/DR_gt/NAME.jpg       its de-occlusion + removal target I_o*
        labels/in_{r,l}_images/{r,l}_amodal/NAME.png    amodal mask of the centred hand (0/1)
        labels/in_{r,l}_images/rl_visible/NAME.png      visible labels: 1 right, 2 left, 0 neither
    AIH_syn/{human_annot,machine_annot}/{train,val,test}/
        images/{r_images,l_images}/IDX.jpg              single-hand crops
        labels/in_{r,l}_images/{r,l}_amodal/IDX.png     their amodal masks
    AIH_syn/filtered_list/{annot}_{phase}_sh_{right,left}_filtered.txt   usable IDX per side

Images are *not* flipped here (the original loader mirrors left-centred samples); ``centre``
says which hand a sample is centred on. AIH_Syn pairs are composed with
:func:`training.synth.paste.paste_hand` rather than the authors' unpublished augment lists.
"""

from __future__ import annotations

import dataclasses
import pathlib

import numpy as np
from PIL import Image

from hdr_live.joints import Side

_LETTER = {Side.RIGHT: "r", Side.LEFT: "l"}


def _rgb(path: pathlib.Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).copy()


def _labels(path: pathlib.Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im).copy()


@dataclasses.dataclass(frozen=True)
class AihRenderSample:
    """One AIH_Render sample.

    Attributes:
        image: (H, W, 3) uint8 RGB input. target: (H, W, 3) uint8 RGB I_o* of the centred hand.
        centre: the hand the sample is centred on (the target hand).
        amodal: (H, W) bool amodal mask of the centred hand.
        visible_right, visible_left: (H, W) bool visible masks.
        name: file stem.
    """

    image: np.ndarray
    target: np.ndarray
    centre: Side
    amodal: np.ndarray
    visible_right: np.ndarray
    visible_left: np.ndarray
    name: str

    def visible(self, side: Side) -> np.ndarray:
        """(H, W) bool visible mask of ``side``."""
        return self.visible_left if side is Side.LEFT else self.visible_right

    @property
    def m_d(self) -> np.ndarray:
        """(H, W) bool M_D = M_ta·(1−M_tv) of the centred hand (HDR eq. 2)."""
        return self.amodal & ~self.visible(self.centre)

    @property
    def m_r(self) -> np.ndarray:
        """(H, W) bool M_R = (1−M_ta)·M_ov of the centred hand (HDR eq. 2)."""
        return ~self.amodal & self.visible(self.centre.other)


class AihRenderReader:
    """Indexable AIH_Render split (``len``, ``[i]`` -> :class:`AihRenderSample`)."""

    def __init__(self, root: pathlib.Path, annot: str = "machine_annot", phase: str = "train") -> None:
        """List the samples of ``AIH_render/<annot>/<phase>`` (right-centred first, each sorted).

        Args:
            root: the ``AIH_dataset`` folder. annot: "machine_annot" or "human_annot".
            phase: "train" or "val".

        Raises:
            FileNotFoundError: the split folder does not exist.
        """
        self.base = pathlib.Path(root) / "AIH_render" / annot / phase
        if not self.base.is_dir():
            raise FileNotFoundError(self.base)
        self.items: list[tuple[Side, str]] = []
        for side in (Side.RIGHT, Side.LEFT):
            folder = self.base / "images" / f"{_LETTER[side]}_images" / "IH"
            self.items += [(side, p.stem) for p in sorted(folder.glob("*.jpg"))]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> AihRenderSample:
        side, name = self.items[i]
        c = _LETTER[side]
        images = self.base / "images" / f"{c}_images"
        labels = self.base / "labels" / f"in_{c}_images"
        vis = _labels(labels / "rl_visible" / f"{name}.png")
        return AihRenderSample(
            image=_rgb(images / "IH" / f"{name}.jpg"),
            target=_rgb(images / "DR_gt" / f"{name}.jpg"),
            centre=side,
            amodal=_labels(labels / f"{c}_amodal" / f"{name}.png") > 0,
            visible_right=vis == 1,
            visible_left=vis == 2,
            name=name,
        )


@dataclasses.dataclass(frozen=True)
class AihSingleHand:
    """One AIH_Syn single-hand crop: (H, W, 3) uint8 RGB image, (H, W) bool amodal mask, side, index."""

    image: np.ndarray
    amodal: np.ndarray
    side: Side
    index: int


class AihSynSingleHands:
    """The usable single-hand crops of one side of an AIH_Syn split."""

    def __init__(
        self, root: pathlib.Path, side: Side, annot: str = "machine_annot", phase: str = "train"
    ) -> None:
        """Read the filtered index list of ``side``.

        Raises:
            FileNotFoundError: the list or split folder is missing.
        """
        self.root = pathlib.Path(root) / "AIH_syn"
        self.side = side
        self.base = self.root / annot / phase
        listing = self.root / "filtered_list" / f"{annot}_{phase}_sh_{side.value}_filtered.txt"
        self.indices = [int(v) for v in np.atleast_1d(np.loadtxt(listing, dtype=np.int64))]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> AihSingleHand:
        idx = self.indices[i]
        c = _LETTER[self.side]
        return AihSingleHand(
            image=_rgb(self.base / "images" / f"{c}_images" / f"{idx}.jpg"),
            amodal=_labels(self.base / "labels" / f"in_{c}_images" / f"{c}_amodal" / f"{idx}.png") > 0,
            side=self.side,
            index=idx,
        )
