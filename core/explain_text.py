"""The worked computation of :func:`core.explain.explain` written out, the way a lecture example writes it.

``format_explanation`` gives the whole pass (inputs, every neuron's ``z = … = …`` and ``a = f(z) = …``,
the output, the loss and the gradients); ``neuron_lines`` one neuron's lines, as the app's Explain tab
shows the neuron under the mouse; ``num``/``paren`` the numbers (4 significant digits).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core import features as _features
from core.explain import Explanation, LayerTrace

__all__ = ["num", "paren", "dense_terms", "neuron_lines", "scaling_line", "standardized_lines",
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
    backward pass) its ``dL/dz`` line."""
    lines: list[str] = []
    if t.kind == "Normalization" and t.features is not None:
        op, i = t.features[j][0], t.features[j][1]
        s = t.z
        formula = {"identity": num(s[i]), "square": f"{paren(s[i])}²", "sin": f"sin({num(s[i])})"}.get(
            op, f"{paren(s[i])}·{paren(s[t.features[j][-1]])}")
        lines.append(f"{formula} = {num(t.a[j])}")
    elif t.activation == "unscale":
        terms = f"{paren(t.z[j])}·{num(t.std[j])} + {paren(t.mean[j])}"
        lines.append(f"a = z·std + mean = {terms} = {num(t.a[j])}")
    elif t.kind == "Normalization":
        lines.append(scaling_line(t, j))
    elif t.kind == "Dense":
        lines.append(f"z = {dense_terms(t.x, t.kernel[:, j], float(t.bias[j]), max_terms)} = {num(t.z[j])}")
        lines.append(f"a = {t.activation}({num(t.z[j])}) = {num(t.a[j])}")
    elif t.kind == "PReLU":
        lines.append(f"a = prelu({num(t.z[j])}, alpha={num(t.alpha[j])}) = {num(t.a[j])}")
    elif t.kind == "Activation":
        lines.append(f"a = {t.activation}({num(t.z[j])}) = {num(t.a[j])}")
    else:
        lines.append(f"a = {num(t.a[j])} (passed through)")
    if backward and t.dz is not None and t.kind != "Normalization":
        if t.da is None:
            lines.append(f"∂L/∂z = {num(t.dz[j])} (output minus target: {t.activation} with cross-entropy)")
        elif t.activation in ("linear", "scale") or t.kind == "Dropout":
            lines.append(f"∂L/∂z = ∂L/∂a = {num(t.dz[j])}")
        else:
            slope = paren(t.dz[j] / t.da[j]) if t.da[j] != 0 else "…"
            lines.append(f"∂L/∂z = ∂L/∂a · {t.activation}'(z) = {paren(t.da[j])} · {slope} = {num(t.dz[j])}")
    return lines


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
        head = f"{names[index]} ({t.kind}, {units} unit{'s' if units != 1 else ''}"
        if t.activation == "unscale":
            head += ", undoes the target scaling: back to target units)"
        else:
            head += ", scales the inputs)" if t.kind == "Normalization" else f", {t.activation})"
        out.append(head)
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
