"""The Lean driver: toolchain, source audit, build and axiom audit (``bridge``); generated-module writing (``render``)."""
