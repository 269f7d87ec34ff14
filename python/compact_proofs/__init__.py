"""compact-proofs: machine-checked accuracy bounds for small transformers."""

__version__ = "0.1.0"
