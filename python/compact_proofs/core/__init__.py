"""The shared core: exact arithmetic, model files, seeds, provenance, progress. Names no model family."""
