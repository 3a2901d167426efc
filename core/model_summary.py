"""A model described as text: the per-layer table (output width, parameters) and Keras' ``summary()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.layers import Layer

if TYPE_CHECKING:  # core.model imports this module
    from core.model import Sequential

__all__ = ["layer_table", "summary_text"]


def layer_table(model: Sequential) -> list[tuple[Layer, int | None, int | None, int]]:
    """(layer, output width, trainable params, fixed weights) per layer; None where still unknown."""
    rows: list[tuple[Layer, int | None, int | None, int]] = []
    dim = model.input_dim
    for layer in model.layers:
        if layer.built:
            dim = layer.output_dim
            rows.append((layer, dim, layer.count_params(), layer.count_non_trainable()))
            continue
        n_in = dim  # each layer class knows its width and weights (no list of classes here)
        dim = layer.compute_output_dim(n_in)
        params = type(layer).params_for(n_in or None, dim or None, layer.get_config())
        rows.append((layer, dim, params, type(layer).fixed_for(n_in or None)))
    return rows


def summary_text(model: Sequential) -> str:
    """A text table: layer name (type), output shape, trainable params; totals at the bottom."""
    table = layer_table(model)
    rows = [("Layer (type)", "Output shape", "Param #")]
    for layer, dim, params, fixed in table:
        text = "?" if params is None else str(params)
        if fixed:
            text += f" (+{fixed} fixed)"
        rows.append((f"{layer.name} ({type(layer).__name__})", f"(None, {dim if dim else '?'})", text))
    widths = [max(len(r[c]) for r in rows) + 3 for c in range(3)]
    line = "=" * sum(widths)
    out = [f'Model: "{model.name}"', line]
    for i, r in enumerate(rows):
        out.append("".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        out.append(line if i == 0 else "-" * sum(widths) if i < len(rows) - 1 else line)
    trainable = model.count_params()
    fixed = sum(row[3] for row in table)
    unknown = (
        " (some layers' sizes are unknown until the model is built)"
        if any(row[2] is None for row in table)
        else ""
    )
    out.append(f"Total params: {trainable + fixed}{unknown}")
    out.append(f"Trainable params: {trainable}")
    out.append(f"Non-trainable params: {fixed}")
    return "\n".join(out)
