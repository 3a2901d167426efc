"""Layer kinds: the one description of every layer a project (and the canvas) can hold.

Each :class:`LayerKind` names its engine class (``core.layers``), its options (key, type, default, label,
help; valid names come from the engine registries ``activations.get``, ``initializers.get``,
``regularizers.get``), its label, icon, palette text and colours, where it may sit (first, hidden, last)
and how wide its output is. The project validator (``core.project_schema``), the canvas validation
(``core.graph``), ``core.project.build_model``, the palette and the Properties panel all read this table,
so they accept the same values and report the same problems. A new layer kind is an entry here plus its
engine class (and its exporters); the engine class also says how ``core.explain`` works it out for one
sample (``explain_forward``, ``explain_backward``, ``explain_lines``: see ``core.layers.base``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core import limits

__all__ = ["Option", "LayerKind", "KINDS", "OUTPUT_ACTIVATIONS", "get", "describe", "config_problems",
           "build_layer"]

#: ``output.activation`` names: "auto" picks sigmoid (binary), softmax (multiclass) or linear (regression).
OUTPUT_ACTIVATIONS: tuple[str, ...] = ("auto", "linear", "sigmoid", "softmax", "tanh")


def describe(value: Any) -> str:
    """A value as messages show it: ``-3``, ``'relu'``, ``null``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) < 40 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _registry_problem(getter: Any, value: Any, what: str) -> str | None:
    """Ask an engine registry whether it accepts ``value``; its first message line when not."""
    if not isinstance(value, str | dict | int | float) or isinstance(value, bool):
        return f"expected a {what} name or object, got {describe(value)}"
    try:
        getter(value)
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc).split("\n")[0]
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _name_problem(value: Any) -> str | None:
    """Layer names become tensor names and file members: printable, short, no path separators."""
    if not isinstance(value, str) or not value.strip():
        return f"expected a non-empty string, got {describe(value)}"
    if len(value) > limits.LAYER_NAME:
        return f"expected at most {limits.LAYER_NAME} characters, got {len(value):,}"
    if not value.isprintable() or "/" in value or "\\" in value or value != value.strip():
        return f"expected printable characters without / or \\ or surrounding spaces, got {value!r}"
    return None


@dataclass(frozen=True)
class Option:
    """One key of a layer's config.

    ``type``: ``units`` (positive integer), ``activation``, ``output_activation`` (an
    :data:`OUTPUT_ACTIVATIONS` name or an activation object), ``initializer``, ``alpha`` (a number or an
    initializer), ``regularizer`` (null, a name or an object), ``boolean``, ``rate`` (number in [0, 1)),
    ``seed`` (null or a non-negative integer), ``name`` (non-empty string), ``features`` (a list of
    ``core.features`` names such as "x1^2").
    ``default``: the value the engine uses when the key is absent (None: none / from the data).
    """

    key: str
    type: str
    default: Any = None
    required: bool = False
    label: str = ""
    help: str = ""

    def choices(self) -> tuple[str, ...]:
        """The valid names of a name-valued option, read from the engine registries (else ``()``)."""
        from core import activations, initializers, regularizers

        if self.type == "activation":
            return tuple(activations.ACTIVATION_NAMES)
        if self.type == "output_activation":
            return OUTPUT_ACTIVATIONS
        if self.type in ("initializer", "alpha"):
            return tuple(initializers.INITIALIZER_NAMES)
        if self.type == "regularizer":
            return tuple(regularizers.REGULARIZER_NAMES)
        return ()

    def problem(self, value: Any) -> str | None:
        """None when ``value`` is valid for this option, else what was expected (one line)."""
        from core import activations, initializers, regularizers

        t = self.type
        if t == "units":
            if _is_int(value) and value > limits.UNITS:
                return f"expected a positive integer of at most {limits.UNITS:,}, got {describe(value)}"
            ok = _is_int(value) and value >= 1
            return None if ok else f"expected a positive integer, got {describe(value)}"
        if t == "boolean":
            return None if isinstance(value, bool) else f"expected true or false, got {describe(value)}"
        if t == "rate":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
                and 0.0 <= value < 1.0
            return None if ok else f"expected a number in [0, 1), got {describe(value)}"
        if t == "seed":
            ok = value is None or (_is_int(value) and 0 <= value <= limits.SEED)
            most = f" of at most {limits.SEED:,}" if _is_int(value) and value > limits.SEED else ""
            return None if ok else f"expected a non-negative integer{most}, got {describe(value)}"
        if t == "name":
            return _name_problem(value)
        if t == "features":
            from core.features import syntax_problem

            return syntax_problem(value)
        if t == "output_activation" and isinstance(value, str):
            if value in OUTPUT_ACTIVATIONS:
                return None
            return f"expected one of {', '.join(OUTPUT_ACTIVATIONS)}, got {describe(value)}"
        if t in ("activation", "output_activation"):
            return _registry_problem(activations.get, value, "activation")
        if t in ("initializer", "alpha"):
            return _registry_problem(initializers.get, value, "initializer")
        if t == "regularizer":
            return None if value is None else _registry_problem(regularizers.get, value, "regularizer")
        raise AssertionError(f"unknown option type {t!r}")


_NAME = Option("name", "name", label="Name", help="The layer's name in summaries and exported files.")
_UNITS = Option("units", "units", required=True, label="Units",
                help="Number of neurons in this layer (its output width).")
_UNITS_FROM_DATA = Option("units", "units", label="Units",
                          help="Number of neurons (optional: taken from the data, and must match it).")
_DENSE_OPTIONS = (
    Option("use_bias", "boolean", True, label="Bias",
           help="Whether each unit adds a learnable constant to its weighted sum."),
    Option("kernel_initializer", "initializer", "glorot_uniform", label="Initializer",
           help="How the weights start: glorot (Xavier) keeps variance for tanh/sigmoid, he for ReLU, "
                "lecun for SELU-like units; zeros makes all units identical (they never differ)."),
    Option("bias_initializer", "initializer", "zeros", label="Bias initializer",
           help="How the biases start."),
    Option("kernel_regularizer", "regularizer", None, label="Regularizer",
           help="A penalty on the kernel added to the loss: l1·Σ|w| (sparse weights) and/or l2·Σw² "
                "(weight decay)."),
)


@dataclass(frozen=True)
class LayerKind:
    """One layer kind (see the module docstring).

    ``width``: ``features`` (the data's feature count), ``units`` (its ``units`` option), ``same`` (its
    input's width, element by element), ``targets`` (what the data needs). ``place``: ``first``,
    ``hidden`` or ``last``. ``colors``: (light theme, dark theme).
    """

    key: str
    label: str
    engine: str
    options: tuple[Option, ...]
    new_config: Mapping[str, Any]
    subtitle: str
    description: str
    width: str = "same"
    place: str = "hidden"
    colors: tuple[str, str] = ("#888888", "#aaaaaa")
    option_map: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_map", {o.key: o for o in self.options})

    @property
    def icon(self) -> str:
        """Name of the icon (``assets/icons/<icon>.svg``)."""
        return f"layer-{self.key}"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a config of this kind may hold (besides ``type``)."""
        return tuple(self.option_map)

    def default(self, key: str) -> Any:
        """The option's default (what the engine uses when the key is absent)."""
        return self.option_map[key].default

    def engine_class(self) -> type:
        """The ``core.layers`` class that runs this kind."""
        from core.layers import LAYER_CLASSES

        return LAYER_CLASSES[self.engine]


KINDS: dict[str, LayerKind] = {k.key: k for k in (
    LayerKind(
        "input", "Input", "Normalization",
        (_UNITS_FROM_DATA,
         Option("features", "features", None, label="Features",
                help="Inputs computed from the scaled data columns, as in TensorFlow Playground: a column "
                     "(x1), its square (x1^2), a product (x1*x2) or a sine (sin(x1)). Absent: the columns."),
         _NAME),
        {}, "data features", "Feeds the data's features into the network (one per network).",
        width="features", place="first", colors=("#2f9e5b", "#4cc07a"),
    ),
    LayerKind(
        "dense", "Dense", "Dense",
        (_UNITS, Option("activation", "activation", "linear", label="Activation",
                        help="The non-linearity applied to each unit's weighted sum."),
         *_DENSE_OPTIONS, _NAME),
        {"units": 8, "activation": "relu"}, "fully connected",
        "Fully connected hidden layer: every unit sees every input, then an activation.",
        width="units", colors=("#3b6fd8", "#6c95f0"),
    ),
    LayerKind(
        "dropout", "Dropout", "Dropout",
        (Option("rate", "rate", required=True, label="Dropout rate",
                help="Fraction of activations set to zero at random in each training step."),
         Option("seed", "seed", label="Seed", help="Seed of the dropout masks (default: the training seed)."),
         _NAME),
        {"rate": 0.2}, "regularization",
        "Randomly zeroes a fraction of activations while training, to regularize.",
        colors=("#8a63d2", "#a98be6"),
    ),
    LayerKind(
        "activation", "Activation", "Activation",
        (Option("activation", "activation", required=True, label="Activation",
                help="The non-linearity applied to each input element."), _NAME),
        {"activation": "relu"}, "non-linearity", "Applies a non-linearity elementwise, without weights.",
        colors=("#0f9ba8", "#2ec4d1"),
    ),
    LayerKind(
        "prelu", "PReLU", "PReLU",
        (Option("alpha_initializer", "alpha", 0.25, label="Initial α",
                help="Initial slope α for negative inputs (one α per unit is learned from here): a number "
                     "or an initializer name."), _NAME),
        {}, "learnable leaky ReLU", "Leaky ReLU with a learnable slope per unit for negative inputs.",
        colors=("#c2548f", "#e07bb0"),
    ),
    LayerKind(
        "output", "Output", "Dense",
        (_UNITS_FROM_DATA, Option("activation", "output_activation", "auto", label="Activation",
                                  help="auto: sigmoid (binary), softmax (classes) or linear (regression)."),
         *_DENSE_OPTIONS, _NAME),
        {"activation": "auto"}, "predictions",
        "The prediction layer; units and activation follow the data unless set.",
        width="targets", place="last", colors=("#e07b24", "#f59a4b"),
    ),
)}


def get(kind: str) -> LayerKind:
    """The kind named ``kind``; ValueError listing the valid names otherwise."""
    try:
        return KINDS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"expected one of {', '.join(KINDS)}, got {describe(kind)}") from None


def config_problems(kind: str, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem of one layer's config (without ``type``) as ``(key, message)`` pairs.

    Unknown keys, missing required options and invalid values, in the order of the kind's options.
    """
    spec = get(kind)
    out: list[tuple[str, str]] = []
    for key in config:
        if key not in spec.option_map:
            out.append((key, f"unknown key (allowed: {', '.join(sorted({'type', *spec.keys}))})"))
    for opt in spec.options:
        if opt.key not in config:
            if opt.required:
                out.append((opt.key, "missing (required)"))
            continue
        message = opt.problem(config[opt.key])
        if message is not None:
            out.append((opt.key, message))
    return out


def build_layer(config: Mapping[str, Any], *, normalization: tuple[Any, Any] | None = None,
                output: tuple[int, Any] | None = None, feature_names: Any = ()) -> Any:
    """The engine layer for a project layer dict (``{"type": ..., **options}``).

    ``normalization``: (mean, variance) of the training features for the input layer; ``output``:
    (units, resolved activation) for the output layer; ``feature_names``: the data's columns, which the
    input layer's ``features`` refer to. Raises ValueError/TypeError for invalid options.
    """
    spec = get(config["type"])
    # the table's defaults (the same as the engine class's, a test checks) for the options not given
    defaults = {o.key: o.default for o in spec.options if o.default is not None}
    kw = {**defaults, **{k: v for k, v in config.items() if k != "type"}}
    if spec.width == "features":
        mean, variance = normalization if normalization is not None else (0.0, 1.0)
        kw = {"name": kw.get("name"), "mean": mean, "variance": variance}
        if config.get("features") is not None:
            from core.features import parse_all

            kw["features"] = parse_all(config["features"], list(feature_names))
    elif spec.width == "targets":
        if output is None:
            raise ValueError("the output layer needs the data's output units and activation")
        kw["units"], kw["activation"] = output
    return spec.engine_class()(**kw)
