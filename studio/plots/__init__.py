"""Live plots of training: loss/metric curves, decision boundary, gradient health, neuron images."""
