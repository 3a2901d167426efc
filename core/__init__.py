"""Feedforward Studio engine: pure NumPy, no Qt."""
