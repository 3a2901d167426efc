"""The network canvas: scene (graph view), items (layer cards, links), view (zoom/pan/drops), palette."""

from studio.canvas.palette import LayerPalette, layer_mime
from studio.canvas.scene import NetworkScene
from studio.canvas.view import LAYER_MIME, NetworkView

__all__ = ["LAYER_MIME", "LayerPalette", "NetworkScene", "NetworkView", "layer_mime"]
