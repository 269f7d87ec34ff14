"""Seeds of the random streams of one training run, derived from the model seed."""

from __future__ import annotations

import hashlib


def derive_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for one random stream ("model", "train", "test") of a model seed."""
    digest = hashlib.sha256(f"compact-proofs/{seed}/{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
