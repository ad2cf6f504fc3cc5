"""Argument checks shared by the data types."""

from __future__ import annotations

import numpy as np


def check_array(value: np.ndarray, name: str, shape: tuple, dtype: type) -> None:
    """Raise TypeError (not an array, wrong dtype) or ValueError (wrong shape; None in
    ``shape`` = any length) naming ``name``."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    if value.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)}, got {value.dtype}")
    if len(value.shape) != len(shape) or any(
        want is not None and want != got for want, got in zip(shape, value.shape)
    ):
        raise ValueError(f"{name} must have shape {shape} (None = any), got {value.shape}")
