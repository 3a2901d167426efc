"""Feature inputs (TensorFlow Playground's x1², x2², x1·x2, sin(x1), ...) as part of the network.

A project's input layer may list features built from the data's numeric feature columns:
``{"type": "input", "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]}``. Four forms,
for any feature names ``a`` and ``b`` of the data: ``a`` (the column itself), ``a^2`` (its square), ``a*b``
(a product of two columns) and ``sin(a)``. The features are computed from the *scaled* columns (what the
input layer's Normalization produces), so ``x1^2`` is the square of the standardized x1 and ``sin`` sees
values of about -2..2. Without the key the input layer passes the scaled columns on unchanged.

In the engine a feature is a spec ``[op, i]`` or ``["product", i, j]`` with column indices (``op`` one of
``identity``, ``square``, ``product``, ``sin``); :func:`parse` turns a name into a spec for given column
names and :func:`apply` computes the feature matrix with NumPy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PLAYGROUND", "OPS", "syntax_problem", "parse", "parse_all", "apply", "label"]

#: TensorFlow Playground's seven inputs for 2-D data, in its order.
PLAYGROUND: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
OPS: tuple[str, ...] = ("identity", "square", "product", "sin")

_SIN = re.compile(r"^sin\((.+)\)$")
_SQUARE = re.compile(r"^(.+)\^2$")


def _split(text: str) -> tuple[str, tuple[str, ...]]:
    """``(op, column names)`` of a feature written as text (no check that the columns exist)."""
    t = text.strip()
    m = _SIN.match(t)
    if m:
        return "sin", (m.group(1).strip(),)
    m = _SQUARE.match(t)
    if m:
        return "square", (m.group(1).strip(),)
    if "*" in t:
        parts = tuple(p.strip() for p in t.split("*"))
        return "product", parts
    return "identity", (t,)


def syntax_problem(value: Any) -> str | None:
    """None when ``value`` is a valid ``features`` list (text only; the columns are checked against the
    data by :func:`parse_all`), else what was expected."""
    if not isinstance(value, list) or not value:
        return "expected a non-empty list of feature names like \"x1\", \"x1^2\", \"x1*x2\", \"sin(x1)\""
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return f"expected feature names (strings), got {item!r}"
        op, cols = _split(item)
        if op == "product" and (len(cols) != 2 or not all(cols)):
            return f"{item!r}: a product takes exactly two columns, like \"x1*x2\""
        if item.strip() in seen:
            return f"{item!r} is listed twice"
        seen.add(item.strip())
    return None


def parse(text: str, names: Sequence[str]) -> list[Any]:
    """The engine spec of feature ``text`` for data columns ``names`` (ValueError naming an unknown one)."""
    op, cols = _split(text)
    index = {str(n): i for i, n in enumerate(names)}
    missing = [c for c in cols if c not in index]
    if missing or (op == "product" and len(cols) != 2):
        listed = ", ".join(str(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
        what = f"no data column {missing[0]!r}" if missing else "a product takes two columns"
        raise ValueError(f"feature {text!r}: {what} (columns: {listed})")
    return [op, *(index[c] for c in cols)]


def parse_all(features: Sequence[str], names: Sequence[str]) -> list[list[Any]]:
    """Specs of every feature name in ``features`` for data columns ``names`` (ValueError on the first
    that does not fit)."""
    return [parse(f, names) for f in features]


def check_specs(specs: Any, input_dim: int | None = None) -> list[list[Any]]:
    """Validate engine specs (``[op, i]`` / ``["product", i, j]``); returns them as plain lists."""
    if not isinstance(specs, list | tuple) or not specs:
        raise ValueError(f"features must be a non-empty list of [op, column] specs. Received {specs!r}")
    out: list[list[Any]] = []
    for spec in specs:
        ok = isinstance(spec, list | tuple) and len(spec) >= 2 and spec[0] in OPS
        arity = 3 if ok and spec[0] == "product" else 2
        ok = ok and len(spec) == arity and all(isinstance(i, int | np.integer) and not isinstance(i, bool)
                                              and i >= 0 for i in spec[1:])
        if ok and input_dim is not None:
            ok = all(int(i) < input_dim for i in spec[1:])
        if not ok:
            raise ValueError(f"invalid feature spec {spec!r}: expected [op, column] with op in "
                             f"{', '.join(OPS)} (product: [\"product\", i, j]) and columns < the input width")
        out.append([str(spec[0]), *(int(i) for i in spec[1:])])
    return out


def apply(x: np.ndarray, specs: Sequence[Sequence[Any]], out: np.ndarray | None = None) -> np.ndarray:
    """The feature matrix (n, len(specs)) of columns ``x`` (n, f), in ``x``'s dtype."""
    if out is None:
        out = np.empty((x.shape[0], len(specs)), dtype=x.dtype)
    for k, spec in enumerate(specs):
        op, i = spec[0], spec[1]
        col = out[:, k]
        if op == "identity":
            col[...] = x[:, i]
        elif op == "square":
            np.multiply(x[:, i], x[:, i], out=col)
        elif op == "product":
            np.multiply(x[:, i], x[:, spec[2]], out=col)
        else:
            np.sin(x[:, i], out=col)
    return out


def label(spec: Sequence[Any], names: Sequence[str]) -> str:
    """The name of a spec, e.g. ``x1^2``, for columns ``names``."""
    op = spec[0]
    a = names[spec[1]] if spec[1] < len(names) else f"x{spec[1] + 1}"
    if op == "identity":
        return a
    if op == "square":
        return f"{a}^2"
    if op == "sin":
        return f"sin({a})"
    b = names[spec[2]] if spec[2] < len(names) else f"x{spec[2] + 1}"
    return f"{a}*{b}"
