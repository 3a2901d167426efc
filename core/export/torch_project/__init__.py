"""Files copied into a PyTorch training project (``ffstudio export --format pytorch -o DIR``).

``data.py`` and ``train.py`` here are templates written to DIR unchanged; they read the project's settings
from ``ffstudio_export.json`` and the network from the generated ``model.py`` beside them. They need NumPy
and PyTorch only (never Feedforward Studio), and are not imported by the app.
"""
