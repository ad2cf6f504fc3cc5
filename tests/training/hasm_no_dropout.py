"""``training.train_hasm`` with SegFormer's dropout and drop-path switched off, for comparing a
torchrun run with a single-process run step by step (random masks cannot match between a
batch and its shards). Not a test module: run it as ``python hasm_no_dropout.py ARGS`` (or under
torchrun), or call :func:`no_dropout_config` with pytest's ``monkeypatch``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DROPOUTS = ("drop_path_rate", "classifier_dropout_prob", "hidden_dropout_prob",
            "attention_probs_dropout_prob")


def no_dropout_config() -> type:
    """A ``transformers.SegformerConfig`` subclass whose dropout probabilities are all 0 (to be
    set as ``transformers.SegformerConfig``, which :class:`HasmNet` reads when it is built)."""
    from transformers import SegformerConfig

    class NoDropoutSegformerConfig(SegformerConfig):
        def __init__(self, **kwargs) -> None:
            super().__init__(**{**kwargs, **{name: 0.0 for name in DROPOUTS}})

    return NoDropoutSegformerConfig


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    import transformers

    transformers.SegformerConfig = no_dropout_config()
    from training.train_hasm import main

    main(sys.argv[1:])
