"""Export and import of trained networks: .npz, .safetensors, ONNX and generated PyTorch code.

Only NumPy is imported here; ``onnx``/``onnxruntime``/``safetensors`` (the ``[export]`` extra) are
imported lazily inside the functions that need them, which raise ExportError naming the extra.
"""

from core.export.npz import load_weights_npz, read_weights_npz, save_weights_npz

__all__ = ["load_weights_npz", "read_weights_npz", "save_weights_npz"]
