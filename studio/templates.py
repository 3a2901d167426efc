"""Ready-made networks for File ▸ New: each a project (network, data, training) ready to train."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from core.graph import Graph


@dataclass(frozen=True)
class Template:
    """A named starting point; ``layers``/``data``/``training`` use the project file's format."""

    key: str
    title: str
    description: str
    layers: list[dict[str, Any]]
    data: dict[str, Any]
    training: dict[str, Any]
    shortcut: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def graph(self) -> Graph:
        """A freshly laid-out graph of the template's layers."""
        return Graph.from_network(copy.deepcopy(self.layers))


def _toy(name: str, noise: float = 0.0, samples: int = 500, seed: int = 0) -> dict[str, Any]:
    return {
        "source": "toy",
        "name": name,
        "samples": samples,
        "noise": noise,
        "test_fraction": 0.5,
        "seed": seed,
    }


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "playground",
            "TensorFlow Playground (2-4-2-1)",
            "The Playground's default: two tanh hidden layers (4 and 2 units) on the circle data set.",
            [
                {"type": "input"},
                {"type": "dense", "units": 4, "activation": "tanh"},
                {"type": "dense", "units": 2, "activation": "tanh"},
                {"type": "output", "activation": "auto"},
            ],
            _toy("circle"),
            {
                "loss": "auto",
                "optimizer": {"name": "sgd", "learning_rate": 0.03},
                "batch_size": 10,
                "epochs": 300,
                "seed": 0,
            },
            shortcut="Ctrl+Shift+N",
        ),
        Template(
            "perceptron",
            "Perceptron",
            "The lecture slides' single neuron: weighted sum plus bias through a sigmoid, updated after "
            "every sample, separating two Gaussian blobs with a straight line.",
            [{"type": "input"}, {"type": "output", "activation": "sigmoid"}],
            _toy("gauss", noise=0.1),
            {
                "loss": "binary_crossentropy",
                "optimizer": {"name": "sgd", "learning_rate": 0.1},
                "batch_size": 1,
                "epochs": 20,
                "seed": 0,
            },
        ),
        Template(
            "logistic",
            "Logistic regression",
            "One sigmoid unit with binary cross-entropy on the two moons: the best straight line, and why "
            "hidden layers are needed.",
            [{"type": "input"}, {"type": "output", "activation": "sigmoid"}],
            _toy("moons", noise=0.1),
            {
                "loss": "binary_crossentropy",
                "optimizer": {"name": "sgd", "learning_rate": 0.1},
                "batch_size": 32,
                "epochs": 100,
                "seed": 0,
            },
        ),
        Template(
            "xor",
            "XOR 2-3-1",
            "The thesis' first network: tanh units and squared error; 3 hidden units learn XOR, which no "
            "single neuron can.",
            [
                {"type": "input"},
                {"type": "dense", "units": 3, "activation": "tanh"},
                {"type": "output", "activation": "tanh"},
            ],
            _toy("xor"),
            {
                "loss": "mse",
                "optimizer": {"name": "sgd", "learning_rate": 0.1},
                "batch_size": 1,
                "epochs": 100,
                "seed": 0,
            },
        ),
        Template(
            "spiral",
            "Spiral deep net",
            "Two interleaved spirals need depth: four ReLU layers of 16 units, Adam.",
            [{"type": "input"}]
            + [{"type": "dense", "units": 16, "activation": "relu"} for _ in range(4)]
            + [{"type": "output", "activation": "auto"}],
            _toy("spiral", noise=0.1),
            {
                "loss": "auto",
                "optimizer": {"name": "adam", "learning_rate": 0.01},
                "batch_size": 16,
                "epochs": 300,
                "seed": 0,
            },
        ),
        Template(
            "mnist",
            "MNIST MLP 784-256-128-10",
            "Handwritten digits with two ReLU layers and dropout; reaches about 98 % test accuracy.",
            [
                {"type": "input"},
                {"type": "dense", "units": 256, "activation": "relu"},
                {"type": "dropout", "rate": 0.2},
                {"type": "dense", "units": 128, "activation": "relu"},
                {"type": "dropout", "rate": 0.2},
                {"type": "output", "activation": "softmax"},
            ],
            {"source": "mnist"},
            {
                "loss": "auto",
                "optimizer": {"name": "adam", "learning_rate": 0.001},
                "batch_size": 128,
                "epochs": 15,
                "seed": 0,
            },
        ),
    )
}

DEFAULT_TEMPLATE = "playground"


def template(key: str) -> Template:
    """The template called ``key`` (KeyError lists the valid keys)."""
    try:
        return TEMPLATES[key]
    except KeyError:
        raise KeyError(f"Unknown template {key!r}; expected one of {', '.join(TEMPLATES)}") from None
