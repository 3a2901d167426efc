"""Side panels: layer properties, network settings, analysis (builder); data, evaluation (trainer)."""
