"""Skin, nail and sleeve albedo of the procedural hand, painted from interpolated surface coords.

Skin tones span the Monk Skin Tone scale (Google, 2022; ten reference swatches covering the
human range). Details: lighter, pinker palms (stronger on darker skin), red fingertips and
knuckles, mottling and pore noise, palmar flexion creases at the finger joints, the three main
palm lines, dorsal knuckle wrinkles, nails with lunula and free edge, optional sleeve.
All colours are linear RGB in [0, 1].
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Monk Skin Tone scale swatches (sRGB 0-255), lightest to darkest.
MONK_SRGB = np.array(
    [
        [246, 237, 228],
        [243, 231, 219],
        [247, 234, 208],
        [234, 218, 186],
        [215, 189, 150],
        [160, 126, 86],
        [130, 92, 67],
        [96, 65, 52],
        [58, 49, 42],
        [41, 36, 32],
    ],
    dtype=np.float64,
)
#: Sampled tones are pulled towards this hue (real hands read pinker than the swatches).
SKIN_HUE_SRGB = np.array([224.0, 172.0, 150.0])

# Column layout of SurfaceCoords.stacked().
REST, U, LAT, PAL, ON_FINGER, PALMAR, FOREARM_S, NOISE = slice(0, 3), 3, 4, 5, 6, 7, 8, slice(9, 12)

#: Palm lines (heart, head, life) as polylines in the rest hand frame xy, metres.
PALM_LINES_M = (
    np.array([[-0.036, 0.066], [-0.018, 0.071], [0.000, 0.074], [0.012, 0.080], [0.018, 0.086]]),
    np.array([[0.030, 0.063], [0.012, 0.058], [-0.008, 0.052], [-0.028, 0.040]]),
    np.array([[0.031, 0.062], [0.020, 0.052], [0.013, 0.038], [0.012, 0.022], [0.016, 0.006]]),
)


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] -> linear RGB (IEC 61966-2-1), any shape."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    """Linear RGB -> sRGB in [0, 1] (input clipped to [0, 1]), any shape."""
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)


@dataclasses.dataclass(frozen=True)
class Sleeve:
    """A sleeve over the forearm.

    Attributes:
        start_m: distance from the wrist where the cuff begins, metres (unit hand scale).
        rgb: (3,) linear RGB cloth colour.
        thickness_m: outward offset of the cloth over the skin, metres.
        stripe_period_m: stripe period (0 = plain cloth).
    """

    start_m: float
    rgb: np.ndarray
    thickness_m: float = 0.006
    stripe_period_m: float = 0.0


@dataclasses.dataclass(frozen=True)
class SkinMaterial:
    """Appearance of one hand.

    Attributes:
        tone: (3,) linear RGB dorsal skin albedo.
        palm: (3,) linear RGB palm albedo.
        nail: (3,) linear RGB nail-plate albedo.
        redness: strength of red fingertips/knuckles, 0..1.
        mottling: amplitude of low-frequency albedo variation, 0..0.2.
        crease: darkening of creases and palm lines, 0..0.6.
        specular: specular strength of skin (nails get 3x), 0..0.3.
        shininess: Blinn-Phong exponent.
        seed: noise seed.
        sleeve: optional :class:`Sleeve`.
    """

    tone: np.ndarray
    palm: np.ndarray
    nail: np.ndarray
    redness: float
    mottling: float
    crease: float
    specular: float
    shininess: float
    seed: int
    sleeve: Sleeve | None = None

    @staticmethod
    def from_monk(
        position: float, seed: int, sleeve: Sleeve | None = None, redness: float = 0.5
    ) -> "SkinMaterial":
        """A material from a position on the Monk scale (0 = lightest swatch, 9 = darkest).

        Args:
            position: fractional swatch index in [0, 9].
            seed: noise seed.
            sleeve: optional sleeve.
            redness: fingertip/knuckle redness, 0..1.

        Returns:
            The :class:`SkinMaterial` (mid-range defaults for the rest).
        """
        i = int(np.clip(np.floor(position), 0, 8))
        f = float(np.clip(position - i, 0.0, 1.0))
        srgb = (1 - f) * MONK_SRGB[i] + f * MONK_SRGB[i + 1]
        srgb = 0.62 * srgb + 0.38 * SKIN_HUE_SRGB * (srgb.mean() / SKIN_HUE_SRGB.mean())
        tone = srgb_to_linear(srgb / 255.0) * 0.92
        dark = np.clip(position / 9.0, 0.0, 1.0)
        palm_target = srgb_to_linear(np.array([222.0, 170.0, 150.0]) / 255.0)
        palm = (1 - (0.15 + 0.5 * dark)) * tone + (0.15 + 0.5 * dark) * palm_target
        nail = 0.45 * tone + 0.55 * srgb_to_linear(np.array([232.0, 196.0, 188.0]) / 255.0)
        return SkinMaterial(tone, palm, nail, redness, 0.08, 0.25, 0.08, 18.0, seed, sleeve)

    @staticmethod
    def sample(rng: np.random.Generator, sleeve_prob: float = 0.35) -> "SkinMaterial":
        """Draw a material with a skin tone anywhere in the human range.

        Args:
            rng: numpy generator (consumed).
            sleeve_prob: probability of a sleeve.

        Returns:
            A random :class:`SkinMaterial`.
        """
        sleeve = None
        if rng.random() < sleeve_prob:
            rgb = srgb_to_linear(rng.uniform(0.05, 0.95, 3) ** rng.uniform(0.6, 1.6))
            period = float(rng.choice([0.0, 0.0, rng.uniform(0.006, 0.02)]))
            sleeve = Sleeve(float(rng.uniform(0.02, 0.15)), rgb, float(rng.uniform(0.003, 0.01)), period)
        m = SkinMaterial.from_monk(float(rng.uniform(0.0, 9.0)), int(rng.integers(1 << 30)), sleeve)
        jitter = np.exp(rng.normal(0, [0.06, 0.05, 0.07]))
        return dataclasses.replace(
            m,
            tone=np.clip(m.tone * jitter, 0, 1),
            redness=float(rng.uniform(0.2, 0.9)),
            mottling=float(rng.uniform(0.03, 0.12)),
            crease=float(rng.uniform(0.15, 0.5)),
            specular=float(rng.uniform(0.03, 0.16)),
            shininess=float(rng.uniform(8.0, 40.0)),
        )


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _polyline_distance(xy: np.ndarray, line: np.ndarray) -> np.ndarray:
    d = np.full(len(xy), np.inf, dtype=np.float32)
    for a, b in zip(line[:-1], line[1:]):
        e = b - a
        t = np.clip(((xy - a) @ e) / float(e @ e), 0.0, 1.0)
        d = np.minimum(d, np.linalg.norm(xy - a - t[:, None] * e, axis=1))
    return d


def nail_weight(coords: np.ndarray) -> np.ndarray:
    """Where the nail plate is, (N,) float32 in [0, 1], from (N, 12) stacked surface coords."""
    u, lat, pal = coords[:, U], coords[:, LAT], coords[:, PAL]
    along = _smoothstep(2.36, 2.42, u) * (1 - _smoothstep(3.02, 3.08, u))
    across = 1 - _smoothstep(0.62, 0.74, np.abs(lat))
    dorsal = _smoothstep(0.15, 0.35, -pal)
    return (along * across * dorsal * coords[:, ON_FINGER]).astype(np.float32)


def _creases(coords: np.ndarray) -> np.ndarray:
    u, pal, on_f = coords[:, U], coords[:, PAL], coords[:, ON_FINGER]
    palmar = _smoothstep(0.0, 0.45, pal)
    lines = np.zeros(len(u), dtype=np.float32)
    for centre, width in ((0.42, 0.015), (0.93, 0.008), (1.0, 0.01), (1.95, 0.009)):
        lines += np.exp(-(((u - centre) / width) ** 2))
    finger = lines * palmar * on_f
    dorsal = _smoothstep(0.1, 0.5, -pal) * on_f
    wrinkles = np.zeros_like(u)
    for centre in (1.0, 2.0):
        env = np.exp(-(((u - centre) / 0.07) ** 2))
        wrinkles += env * (0.5 + 0.5 * np.cos(2 * np.pi * (u - centre) / 0.035)) ** 4
    palm_on = coords[:, PALMAR] * (1 - on_f) * (coords[:, FOREARM_S] < 1e-4)
    sel = palm_on > 0.05
    palm_lines = np.zeros_like(u)
    for line in PALM_LINES_M:
        d = _polyline_distance(coords[sel, 0:2], line)
        palm_lines[sel] = np.maximum(palm_lines[sel], np.exp(-((d / 0.0007) ** 2)))
    return np.clip(finger + 0.4 * wrinkles * dorsal + palm_lines * palm_on, 0, 1)


def skin_albedo(coords: np.ndarray, mat: SkinMaterial) -> tuple[np.ndarray, np.ndarray]:
    """Albedo and specular strength at surface points.

    Args:
        coords: (N, 12) float32 stacked surface coordinates (see ``SurfaceCoords.stacked``),
            interpolated to the shaded points.
        mat: the hand's material.

    Returns:
        ``(albedo, specular)``: (N, 3) float32 linear RGB and (N,) float32 specular strength.
    """
    palmar = coords[:, PALMAR : PALMAR + 1]
    albedo = (1 - palmar) * mat.tone + palmar * mat.palm
    u, on_f = coords[:, U], coords[:, ON_FINGER]
    tips = _smoothstep(2.2, 3.0, u) * on_f
    knuckles = sum(np.exp(-(((u - c) / 0.12) ** 2)) for c in (0.0, 1.0, 2.0)) * _smoothstep(
        0.0, 0.4, -coords[:, PAL]
    )
    red = mat.redness * (0.5 * tips + 0.3 * knuckles)
    albedo = albedo * (1 - red[:, None] * np.array([0.0, 0.35, 0.4]))
    theta = (mat.seed % 360) * np.pi / 180
    noise = coords[:, NOISE] - 0.5
    mott = np.cos(theta) * noise[:, 0] + np.sin(theta) * noise[:, 1]
    pores = noise[:, 2]
    albedo = albedo * (
        1 + 2 * mat.mottling * mott[:, None] * np.array([0.8, 1.0, 1.1]) + 0.1 * pores[:, None]
    )
    albedo = albedo * (1 - mat.crease * _creases(coords))[:, None]
    nail = nail_weight(coords)
    lunula = _smoothstep(2.5, 2.42, u) * nail
    free_edge = _smoothstep(2.94, 3.0, u) * nail
    nail_rgb = mat.nail * (1 + 0.25 * lunula[:, None]) + free_edge[:, None] * 0.25
    albedo = (1 - nail[:, None]) * albedo + nail[:, None] * nail_rgb
    spec = np.full(len(coords), mat.specular, dtype=np.float32) * (1 + 2.0 * nail)
    if mat.sleeve is not None:
        sleeve = _smoothstep(mat.sleeve.start_m - 0.001, mat.sleeve.start_m + 0.001, coords[:, FOREARM_S])
        cloth = np.tile(mat.sleeve.rgb, (len(coords), 1))
        if mat.sleeve.stripe_period_m > 0:
            stripes = 0.5 + 0.5 * np.sign(
                np.sin(2 * np.pi * coords[:, FOREARM_S] / mat.sleeve.stripe_period_m)
            )
            cloth = cloth * (0.55 + 0.45 * stripes[:, None])
        weave = coords[:, NOISE][:, 2:3]
        cloth = cloth * (0.85 + 0.3 * weave)
        albedo = (1 - sleeve[:, None]) * albedo + sleeve[:, None] * cloth
        spec = spec * (1 - sleeve) + 0.02 * sleeve
    return np.clip(albedo, 0, 1).astype(np.float32), spec.astype(np.float32)


def sleeve_inflation(forearm_s: np.ndarray, sleeve: Sleeve | None) -> np.ndarray | None:
    """Outward vertex offsets (V,) float64 metres that give a sleeve its thickness (None: no sleeve)."""
    if sleeve is None:
        return None
    return sleeve.thickness_m * _smoothstep(sleeve.start_m - 0.006, sleeve.start_m + 0.006, forearm_s).astype(
        np.float64
    )
