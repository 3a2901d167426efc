"""The worked computation of :func:`core.explain.explain` written out, the way a lecture example writes it.

``format_explanation`` gives the whole pass (inputs, every neuron's ``z = … = …`` and ``a = f(z) = …``,
the output, the loss and the gradients); ``neuron_lines`` one neuron's lines, as the app's Explain tab
shows the neuron under the mouse; ``num``/``paren`` the numbers (4 significant digits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from core import features as _features

if TYPE_CHECKING:  # the layer classes import this module to write their steps out
    from core.explain import Explanation, LayerTrace

__all__ = ["num", "paren", "dense_terms", "neuron_lines", "dz_lines", "scaling_line", "standardized_lines",
           "format_explanation"]


def num(v: float) -> str:
    """A number the way a worked example writes it: 4 significant digits, no trailing zeros."""
    v = float(v)
    text = f"{v:.4g}"
    return "0" if text == "-0" else text


def paren(v: float) -> str:
    """``num(v)``, in parentheses when negative (a factor in a product)."""
    return f"({num(v)})" if v < 0 else num(v)


def dense_terms(x: np.ndarray, w: np.ndarray, b: float, max_terms: int = 8) -> str:
    """``0.9·1 + 0.3·0.5 + 0``: the weighted sum of one neuron written out (long sums elided)."""
    parts: list[str] = []
    shown = range(len(x)) if len(x) <= max_terms else range(max_terms - 1)
    for i in shown:
        wi = float(w[i])
        term = f"{num(abs(wi))}·{paren(float(x[i]))}"
        parts.append(("- " if wi < 0 else "+ ") + term if parts else ("-" if wi < 0 else "") + term)
    if len(x) > max_terms:
        rest = float(np.dot(x[max_terms - 1:], w[max_terms - 1:]))
        parts.append(f"+ … ({len(x) - max_terms + 1} more terms, together {num(rest)})")
    parts.append(("- " if b < 0 else "+ ") + num(abs(b)))
    return " ".join(parts)


def neuron_lines(t: LayerTrace, j: int, backward: bool = True, max_terms: int = 8) -> list[str]:
    """The worked computation of neuron ``j`` of layer ``t``: its ``z`` and ``a`` lines, then (after a
    backward pass) its ``dL/dz`` line. Each layer class writes its own (``explain_lines``)."""
    if t.lines is None:
        raise ValueError(f"layer '{t.name}' ({t.kind}) has no way to write out its computation")
    return t.lines(t, j, backward, max_terms)


def dz_lines(t: LayerTrace, j: int, backward: bool = True) -> list[str]:
    """Neuron ``j``'s ``∂L/∂z`` line after a backward pass (else none): output minus target for an output
    fused with its loss, ``∂L/∂a`` itself for a linear step, else ``∂L/∂a · f'(z)``."""
    if not backward or t.dz is None:
        return []
    if t.da is None:
        return [f"∂L/∂z = {num(t.dz[j])} (output minus target: {t.activation} with cross-entropy)"]
    if t.activation == "linear":
        return [f"∂L/∂z = ∂L/∂a = {num(t.dz[j])}"]
    slope = paren(t.dz[j] / t.da[j]) if t.da[j] != 0 else "…"
    return [f"∂L/∂z = ∂L/∂a · {t.activation}'(z) = {paren(t.da[j])} · {slope} = {num(t.dz[j])}"]


def standardized_lines(exp: Explanation) -> list[str]:
    """With target scaling, what the loss compares: target and output standardized, e.g.
    ``measured on standardized values: target (725.5 - 1018) / 124.4 = -2.35, output -1.584``."""
    t = next((t for t in exp.layers if t.activation == "unscale"), None)
    if t is None or exp.target is None:
        return []
    lines = []
    for j in range(min(t.a.size, exp.target.size)):
        y = float(exp.target[j])
        scaled = (y - t.mean[j]) / t.std[j]
        lines.append(f"  measured on standardized values: target ({num(y)} - {paren(t.mean[j])}) / "
                     f"{num(t.std[j])} = {num(scaled)}, output {num(t.z[j])}")
    return lines


def scaling_line(t: LayerTrace, i: int) -> str:
    """Column ``i`` of the input layer scaled: ``1 → (1 - 0.02) / 0.98 = 1``."""
    return f"{num(t.x[i])} → ({num(t.x[i])} - {paren(t.mean[i])}) / {num(t.std[i])} = {num(t.z[i])}"


def format_explanation(exp: Explanation, max_units: int = 16, max_terms: int = 8,
                       backward: bool = True, layer_names: Mapping[int, str] | None = None) -> str:
    """The worked computation as text: inputs, each layer's neurons (``z = … = …``, ``a = f(z) = …``), the
    output, and with a target the loss and (``backward``) the gradients (``∂L/∂z``, ``∂L/∂w``). Layers
    wider than ``max_units`` show their first neurons only. ``layer_names``: layer index -> the name the
    user knows it by (the app's card names); other layers keep the engine's name."""
    names = {i: t.name for i, t in enumerate(exp.layers)} | dict(layer_names or {})
    out: list[str] = []
    out.append("inputs: " + ", ".join(f"{n} = {num(v)}" for n, v in zip(exp.input_names, exp.inputs,
                                                                          strict=True)))
    for index, t in enumerate(exp.layers):
        units = t.a.size
        out.append(f"{names[index]} ({t.kind}, {units} unit{'s' if units != 1 else ''}, {t.heading})")
        if t.features is not None:  # the scaled columns first, then the features made from them
            out.extend(f"  {n}: {scaling_line(t, i)}" for i, n in enumerate(exp.input_names[:max_units]))
        for j in range(min(units, max_units)):
            named = t.activation == "scale" and j < len(exp.input_names)
            label = exp.input_names[j] if named else f"#{j + 1}"
            if t.features is not None:
                label = _features.label(t.features[j], exp.input_names)
            lines = neuron_lines(t, j, backward=backward, max_terms=max_terms)
            out.append(f"  {label}: {lines[0]}")
            out.extend(f"  {' ' * len(label)}  {line}" for line in lines[1:])
        if units > max_units:
            out.append(f"  … {units - max_units} more neurons")
    out.append("output: [" + ", ".join(num(v) for v in exp.output) + "]")
    if exp.loss is not None:
        target = ", ".join(num(v) for v in exp.target)
        out.append(f"loss ({exp.loss_name}, target [{target}]) = {num(exp.loss)}")
        out.extend(standardized_lines(exp))
        for index, t in enumerate(exp.layers):
            if t.dkernel is None or not backward:
                continue
            big = np.unravel_index(int(np.argmax(np.abs(t.dkernel))), t.dkernel.shape)
            i, j = int(big[0]), int(big[1])
            out.append(f"{names[index]}: ∂L/∂w = a_in · ∂L/∂z, e.g. ∂L/∂w[{i + 1}→{j + 1}] = "
                       f"{paren(t.x[i])} · {paren(t.dz[j])} = {num(t.dkernel[i, j])} (largest); "
                       "∂L/∂b = ∂L/∂z")
    return "\n".join(out)
