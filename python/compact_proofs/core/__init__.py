"""The shared core: exact arithmetic, model files, seeds, provenance, progress, HTML reports. Names no model family."""
