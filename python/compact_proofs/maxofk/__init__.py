"""Max-of-K: model, training, zoo, brute force, proof strategies, certificates, Lean export (mirrors ``lean/CompactProofs/MaxOfK``)."""
