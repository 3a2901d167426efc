"""Explain tab: the forward (and backward) pass of one sample, with its numbers, on the live network.

Clicking the decision boundary picks a sample: the nearest data point (its label is the target), or the
clicked place itself when no point is near (no target: no loss). A row of the Data tab's CSV preview (of
the loaded file) or a digit of the Evaluation's gallery picks that row; :meth:`ExplainSide.set_sample`
is the one place every pick ends in. Every neuron on the canvas then shows
``z→a`` for that sample (or ``∂L/∂z`` with "Backward" ticked); the tab lists the output's probabilities and
the loss, and the computation of the neuron under the mouse (or of the selected layer) written out with
the real numbers (``core.explain``, ``core.explain_text``). The numbers follow the model: they are
recomputed when training pauses or ends and, while it runs, from the copies of the weights the worker
sends (at most four times a second; the GUI thread never reads the model the worker trains, see
``Workspace.readable_model``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QCheckBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from core.errors import DataError
from core.explain import Explanation, explain, label_target, table_row_sample
from core.explain_text import format_explanation, neuron_lines, num, paren, standardized_lines
from core.probes import neuron_layers

HINT = ("Click a point in the decision boundary, a row of the CSV preview (Data tab) or a digit in the "
        "Evaluation's gallery to follow one sample through the network.")
#: inputs listed with the sample (an image's pixels beyond these are counted, not listed)
MAX_INPUTS_SHOWN = 12
#: a click this close to a data point (fraction of the plane's width) picks that point
PICK_RADIUS = 0.03


class ExplainPanel(QWidget):
    """The tab's widgets: sample, output and loss, Backward toggle, the worked computation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.sample = QLabel(HINT)
        self.sample.setWordWrap(True)
        self.output = QLabel("")
        self.output.setWordWrap(True)
        self.backward = QCheckBox("Backward: ∂L/∂z on neurons (∂), ∂L/∂w on links")
        self.backward.setToolTip("Needs a target: pick a data point (its label is the target). The links "
                                 "then show ∂L/∂w instead of w: blue > 0, orange < 0, thickness ∝ |∂L/∂w|.")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.clear_button = QPushButton("Clear sample")
        for w in (self.sample, self.output, self.backward, self.text, self.clear_button):
            layout.addWidget(w)


class ExplainSide(QObject):
    """Wires the Explain tab to a main window: boundary clicks, canvas hover/selection, training updates."""

    def __init__(self, window: Any, workspace: Any) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.panel = ExplainPanel()
        window.add_side_tab(self.panel, "Explain")
        self.x: np.ndarray | None = None
        self.target: np.ndarray | None = None
        self.description = ""
        self.explanation: Explanation | None = None
        self.focus: tuple[str, int | None] | None = None  # (node id, unit or None for the whole layer)
        #: drawn layer index -> the layer whose output its neurons show (``core.probes.neuron_layers``)
        self._shown: dict[int, int] = {}
        self._shown_nodes: set[str] = set()
        #: the canvas links show this sample's ∂L/∂w (Backward) instead of the weights
        self._gradient_links: dict[str, np.ndarray] = {}
        self.marker = pg.ScatterPlotItem(size=16, pen=pg.mkPen((30, 30, 30), width=2.5), brush=None)
        self.marker.setZValue(20)
        tc = window.training
        tc.boundary.add_overlay(self.marker)
        tc.boundary.plane_clicked.connect(self.pick_plane_point)
        tc.data_panel.preview_row_clicked.connect(self.pick_preview_row)
        tc.evaluation.digit_clicked.connect(self.pick_digit)
        self.panel.backward.toggled.connect(lambda _on: self.refresh())
        self.panel.clear_button.clicked.connect(self.clear)
        scene = window.canvas_scene
        scene.neuron_hovered.connect(self._hovered)
        scene.selection_ids_changed.connect(self._selected)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        # training recolours the links with the weights (once a second): the gradients go back on top
        tc.views.on_kernels.append(lambda _w: QTimer.singleShot(0, self._redraw_links) if self._gradient_links
                                   else None)
        # the numbers change with the weights: snapshots bring copies with every boundary frame, else
        # once a second (a snapshot without them would recompute the same numbers)
        tc.run.snapshot.connect(lambda snap: self._timer.start()
                                if snap.weights is not None and not self._timer.isActive() else None)
        tc.run.paused.connect(lambda _epoch: self.refresh())
        tc.run.ended.connect(lambda _reason: self.refresh())
        self.workspace.dataset_changed.connect(lambda _ds: self.clear())
        self.workspace.document.graph_changed.connect(self.refresh)

    # ---- sample ------------------------------------------------------------------------------
    def pick_plane_point(self, px: float, py: float) -> None:
        """A click at (px, py) on the boundary plane: the nearest data point, or that place itself."""
        ds, grid = self.workspace.dataset, self.window.training.boundary.grid
        if ds is None or grid is None:
            return
        a0, a1 = grid.axes
        x0, x1, y0, y1 = grid.extent
        xs = np.concatenate([ds.x_train, ds.x_test]).astype(np.float64)
        ys = np.concatenate([np.asarray(ds.y_train), np.asarray(ds.y_test)])
        d = np.hypot((xs[:, a0] - px) / (x1 - x0), (xs[:, a1] - py) / (y1 - y0))
        k = int(np.argmin(d)) if len(d) else -1
        if k >= 0 and d[k] <= PICK_RADIUS:
            n_train = len(ds.x_train)
            split, row = ("training", k) if k < n_train else ("test", k - n_train)
            label = ys[k]
            self.set_sample(xs[k], label, f"{split} point #{row}, label {self._label_text(label)}")
        else:
            point = np.asarray(grid.base, dtype=np.float64).copy()
            point[a0], point[a1] = px, py
            self.set_sample(point, None, "a point of the plane (no label: no loss)")

    def pick_preview_row(self, row: int) -> bool:
        """Row ``row`` of the Data tab's CSV preview: its features and target, when the preview shows the
        loaded file (else the tab says to load it first). Returns True when the row was picked."""
        panel, ds = self.window.training.data_panel, self.workspace.dataset
        frame = panel.preview_frame
        if frame is None or not 0 <= row < len(frame):
            return False
        data = self.workspace.document.data
        loaded = (ds is not None and ds.source == "csv" and isinstance(data.get("path"), str)
                  and self.workspace.dataset_matches_spec() and panel.preview_path is not None
                  and os.path.realpath(self.workspace.project.resolve(data["path"]))
                  == os.path.realpath(panel.preview_path))
        if not loaded:
            self._say("The CSV preview is not the loaded data: load this file (set its target) to explain "
                      "its rows.")
            return False
        try:
            x, label = table_row_sample(ds, frame.iloc[[row]])
        except (DataError, ValueError) as exc:
            self._say(f"Cannot explain row {row + 1} of the preview: {exc}")
            return False
        text = "no label: no loss" if label is None else f"label {self._label_text(label)}"
        self.set_sample(x, label, f"CSV row {row + 1} of {os.path.basename(panel.preview_path)}, {text}")
        return True

    def pick_digit(self, x: np.ndarray, label: int, index: int) -> None:
        """A digit of the Evaluation's gallery: test row ``index``, pixels ``x`` (784,), class ``label``."""
        self.set_sample(np.asarray(x, dtype=np.float64), int(label),
                        f"test digit #{index}, label {self._label_text(label)}")
        self.window.side_tabs.setCurrentWidget(self.panel)  # the gallery is not beside the Explain tab

    def _label_text(self, label: Any) -> str:
        ds = self.workspace.dataset
        named = ds is not None and ds.is_classification and ds.class_names
        return ds.class_names[int(label)] if named else _value_text(label)

    def _say(self, text: str) -> None:
        """A pick that did not happen: why, where the sample is described."""
        self.panel.sample.setText(text)

    def set_sample(self, x: np.ndarray, label: Any, description: str) -> None:
        """Explain raw features ``x`` (f,); ``label`` (class index or value(s)) gives the target, or None."""
        self.x = np.asarray(x, dtype=np.float64).reshape(-1)
        self.target = None
        self._label = label
        self.description = description
        grid = self.window.training.boundary.grid
        if grid is not None:
            self.marker.setData([self.x[grid.axes[0]]], [self.x[grid.axes[1]]])
        self.refresh()

    def clear(self) -> None:
        """Forget the sample; the canvas shows unit numbers again."""
        self.x, self.explanation = None, None
        self.marker.setData([], [])
        self._set_canvas({})
        self.panel.sample.setText(HINT)
        self.panel.output.setText("")
        self.panel.text.setPlainText("")

    # ---- computing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the explanation with the current model and draw it."""
        if self.x is None:
            return
        model, ds = self._model(), self.workspace.dataset
        if model is None and self.workspace.busy:
            return  # training started and the worker has not sent its weights yet: keep what is shown
        if model is None or ds is None or not getattr(model, "built", False):
            self.explanation = None
            self._set_canvas({})
            self.panel.output.setText("No network to explain yet: build it (press Step or Play).")
            return
        try:
            target = None
            if self._label is not None and model.loss is not None:
                target = label_target(self._label, task=ds.task, units=int(model.output_dim))
            self.explanation = explain(model, self.x, target, input_names=list(ds.feature_names))
            self._shown = neuron_layers(model)
        except (ValueError, IndexError) as exc:
            self.explanation = None
            self._set_canvas({})
            self.panel.output.setText(f"Cannot explain this sample: {exc}")
            return
        self._draw()

    def _model(self) -> Any:
        """The model to explain: while training runs a copy of the worker's latest weights (the worker
        changes the model itself in place), else the model the canvas shows (``Workspace.readable_model``)."""
        return self.workspace.readable_model(self.window.training.model)

    def _node_of_layer(self, exp: Explanation) -> dict[int, str]:
        """Model layer index -> canvas node id (the input node for the Normalization layer)."""
        views = self.window.training.views
        mapping = dict(views.neuron_nodes)  # includes the input node when it has feature inputs
        graph = self.workspace.document.graph
        inputs = [n for n, node in graph.nodes.items() if node.kind == "input"]
        if inputs and exp.layers and exp.layers[0].kind == "Normalization":
            mapping[0] = inputs[0]
        return mapping

    def _draw(self) -> None:
        exp = self.explanation
        if exp is None:
            return
        backward = self.panel.backward.isChecked() and exp.loss is not None
        values: dict[str, dict[int, str]] = {}
        for i, node in self._node_of_layer(exp).items():
            t = exp.layers[i]
            if t.kind == "Normalization" and t.features is not None:
                values[node] = {j: short(t.a[j]) for j in range(t.a.size)}
            elif t.kind == "Normalization":
                values[node] = {j: f"{short(t.x[j])}→{short(t.a[j])}" for j in range(t.a.size)}
            elif backward and t.dz is not None:
                values[node] = {j: f"∂ {short(t.dz[j], 2)}" for j in range(t.a.size)}
            else:
                shown = self._shown_trace(exp, i)
                # the output in target units (data.target_scaling) gets a digit more: 173.2, not 173
                a = {j: short(shown.a[j], 3 if shown is t else 4) for j in range(t.a.size)}
                values[node] = {j: f"{short(t.z[j])}→{a[j]}" if t.kind == "Dense" else a[j]
                                for j in range(t.a.size)}
        self._set_canvas(values)
        self._show_link_gradients(exp if backward else None)
        pairs = [f"{n} = {num(v)}" for n, v in zip(exp.input_names[:MAX_INPUTS_SHOWN],
                                                   exp.inputs[:MAX_INPUTS_SHOWN], strict=False)]
        more = exp.inputs.size - len(pairs)
        if more > 0:  # an image: 784 pixels would push the output and the computation out of the tab
            nonzero = int(np.count_nonzero(exp.inputs))
            pairs.append(f"… and {more} more ({nonzero} of all {exp.inputs.size} are not 0)")
        self.panel.sample.setText(f"Sample: {self.description}\n" + ", ".join(pairs))
        self.panel.output.setText(self._output_text(exp))
        self.panel.text.setPlainText(self._focus_text(exp, backward))

    def _output_text(self, exp: Explanation) -> str:
        ds = self.workspace.dataset
        out = exp.output
        if ds.is_classification and out.size > 1:
            names = ds.class_names or [str(k) for k in range(out.size)]
            pairs = zip(names, out, strict=False)
            text = "Output probabilities: " + ", ".join(f"{n} {num(p)}" for n, p in pairs)
        elif ds.is_classification:
            text = f"Output P({ds.class_names[1] if len(ds.class_names) > 1 else 1}) = {num(out[0])}"
        else:
            text = "Output: " + ", ".join(num(v) for v in out)
        if exp.loss is not None:
            text += f"\nLoss ({exp.loss_name}) for this sample: {num(exp.loss)}"
            text += "".join("\n" + line.strip() for line in standardized_lines(exp))  # target scaling
        return text

    def _focus_text(self, exp: Explanation, backward: bool) -> str:
        if self.focus is not None:
            node, unit = self.focus
            index = next((i for i, n in self._node_of_layer(exp).items() if n == node), None)
            if index is not None:
                t = exp.layers[index]
                units = range(t.a.size) if unit is None else [unit]
                lines: list[str] = [f"{node} ({t.kind}, {t.activation})"]  # the card's name, not the engine's
                for j in units:
                    if j >= t.a.size:
                        continue
                    body = neuron_lines(t, j, backward=backward)
                    shown = self._shown_trace(exp, index)
                    if shown is not t:  # the output, then undoing the target scaling: back to target units
                        body += [f"in target units: {s}" for s in neuron_lines(shown, j, backward=False)]
                    lines.append(f"#{j + 1}: " + body[0])
                    lines.extend("    " + line for line in body[1:])
                    if backward and t.dkernel is not None:
                        for i in range(min(t.x.size, 12)):
                            lines.append(f"    ∂L/∂w[{i + 1}→{j + 1}] = {paren(t.x[i])} · {paren(t.dz[j])} = "
                                         f"{num(t.dkernel[i, j])}   (w = {num(t.kernel[i, j])})")
                return "\n".join(lines)
        return format_explanation(exp, backward=backward, layer_names=self._node_of_layer(exp))

    def _shown_trace(self, exp: Explanation, index: int) -> Any:
        """The trace whose output layer ``index``'s neurons show: its own, or for the network's output the
        model's output (in target units under data.target_scaling)."""
        return exp.layers[self._shown.get(index, index)]

    def _show_link_gradients(self, exp: Explanation | None) -> None:
        """Colour the links by ``exp``'s ∂L/∂w (sign and size, as the weights are drawn); None: the weights
        again."""
        if exp is None:
            if self._gradient_links:
                self._gradient_links = {}
                model = self._model()
                if model is not None and getattr(model, "built", False):
                    self.window.training.views.set_kernels([la.get_weights() for la in model.layers])
            return
        self._gradient_links = {node: exp.layers[i].dkernel for i, node in self._node_of_layer(exp).items()
                                if exp.layers[i].dkernel is not None}
        self._redraw_links()

    def _redraw_links(self) -> None:
        if self._gradient_links:
            self.window.canvas_scene.set_weights(self._gradient_links)

    def _set_canvas(self, values: dict[str, dict[int, str]]) -> None:
        if not values:
            self._show_link_gradients(None)
        scene = self.window.canvas_scene
        for node in self._shown_nodes - set(values):
            scene.set_neuron_values(node, None)
        for node, vals in values.items():
            scene.set_neuron_values(node, vals)
        self._shown_nodes = set(values)

    # ---- canvas focus ------------------------------------------------------------------------
    def focus_on(self, node_id: str, unit: int | None) -> None:
        """Write out the computation of neuron ``unit`` of ``node_id`` (None: the whole layer)."""
        self.focus = (node_id, unit)
        self._draw()

    def _hovered(self, node_id: str, unit: int, _pos: Any) -> None:
        if unit >= 0:
            self.focus_on(node_id, unit)

    def _selected(self, ids: list[str]) -> None:
        self.focus = (ids[0], None) if len(ids) == 1 else None
        self._draw()


def short(v: float, digits: int = 3) -> str:
    """A number short enough to sit beside a neuron on the canvas."""
    v = float(v)
    # numbers in target units (prices, counts) whole rather than 1.02e+03
    text = f"{v:.0f}" if 1e3 <= abs(v) < 1e6 else f"{v:.{digits}g}"
    return "0" if text == "-0" else text


def _value_text(label: Any) -> str:
    return ", ".join(num(v) for v in np.atleast_1d(np.asarray(label, dtype=np.float64)))
