"""Layer properties: the side panel for the selected layer, with an activation/derivative mini-plot.

Every control writes through ``Document.set_node_config`` (undoable, merged while typing) and every document
change is read back (`refresh`), so the panel and the canvas always show the model. Problems of the layer
found by validation are shown in place, under the fields they concern.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.graph import resolve_output_activation
from core.layer_kinds import KINDS, Option
from studio import theme
from studio.panels.feature_picker import FeaturePicker
from studio.wheel_guard import ComboBox, DoubleSpinBox, SpinBox
from studio.workspace import Workspace

ACTIVATION_HELP = {
    "linear": "f(x) = x: no non-linearity; stacked linear layers collapse into one.",
    "sigmoid": "σ(x) = 1 / (1 + e^−x), squashes to (0, 1); saturates, so gradients vanish for large |x|.",
    "tanh": "tanh(x), squashes to (−1, 1) and is zero-centred; saturates like the sigmoid.",
    "relu": "max(0, x): cheap and non-saturating for x > 0; units can 'die' when always negative.",
    "leaky_relu": "x for x > 0, αx (α = 0.01..0.3) otherwise, so negative inputs keep a small gradient.",
    "elu": "x for x > 0, α(eˣ − 1) otherwise: smooth, with negative outputs pushing means toward 0.",
    "gelu": "x·Φ(x): a smooth ReLU weighting inputs by how likely they are positive (Transformers use it).",
    "swish": "x·σ(x): smooth and non-monotonic, often a little better than ReLU in deep nets.",
    "silu": "x·σ(x) (same as swish).",
    "softplus": "log(1 + eˣ): a smooth ReLU whose derivative is the sigmoid.",
    "softmax": "eˣⁱ / Σ eˣʲ: turns a vector into class probabilities that sum to 1 (output layers).",
    "step": "1 if x > 0 else 0 (the original perceptron); its gradient is 0, so backprop cannot train it.",
    "auto": "Chosen from the data: sigmoid (binary), softmax (classes) or linear (regression).",
}


class ActivationPlot(pg.PlotWidget):
    """f(x) and f'(x) on [-4, 4] for one activation (softmax shown per unit on a 2-vector as a curve)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setMinimumHeight(120)
        self.setMaximumHeight(150)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.getAxis("left").setWidth(28)
        legend = item.addLegend(offset=(4, 2), labelTextSize="7pt", brush=None)
        legend.setLabelTextColor(theme.current().muted)
        self.f_curve = item.plot([], [], pen=pg.mkPen(theme.current().kinds["dense"], width=2), name="f(x)")
        self.d_curve = item.plot(
            [], [], pen=pg.mkPen(theme.current().negative, width=2, style=Qt.PenStyle.DashLine), name="f′(x)"
        )
        self.name = ""
        self.setToolTip(
            "The activation f(x) (solid) and its derivative f′(x) (dashed), which scales the "
            "gradient flowing back through the layer."
        )

    def show_activation(self, name: str) -> bool:
        """Plot ``name`` via ``core.activations.get``; False (empty plot) if unknown."""
        self.name = name
        x = np.linspace(-4.0, 4.0, 161)
        try:
            from core import activations

            act = activations.get(name)
            if name == "softmax":
                pair = np.stack([x, np.zeros_like(x)], axis=1)
                y = act(pair)[:, 0]
                dy = y * (1 - y)
            else:
                y = np.asarray(act(x), dtype=float)
                dy = np.asarray(act.derivative(x), dtype=float)
        except Exception:  # unknown name or engine not available: show nothing rather than fail
            self.f_curve.setData([], [])
            self.d_curve.setData([], [])
            return False
        self.f_curve.setData(x, y)
        self.d_curve.setData(x, dy)
        return True


class LayerPropertiesPanel(QWidget):
    """Edits the selected layer of a :class:`Document`; ``set_node(None)`` shows a hint."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document = workspace.document
        self.node_id: str | None = None
        self._loading = False
        self._units_help = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 10, 10, 10)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setObjectName("panelTitle")
        outer.addWidget(self.title)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        outer.addWidget(self.summary)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(self.form)

        self.units = SpinBox()
        self.units.setRange(0, 100_000)
        self.units.setAccelerated(True)
        self.activation = ComboBox()
        self.act_plot = ActivationPlot()
        self.act_help = QLabel()
        self.act_help.setWordWrap(True)
        self.act_help.setObjectName("muted")
        self.initializer = ComboBox()
        self.use_bias = QCheckBox("Add a bias to each unit")
        self.l1 = _small_spin("L1 penalty l1·Σ|w| on the kernel: pushes weights to exactly zero (sparse).")
        self.l2 = _small_spin("L2 penalty l2·Σw² on the kernel (weight decay): keeps weights small.")
        self.rate = DoubleSpinBox()
        self.rate.setRange(0.0, 0.95)
        self.rate.setSingleStep(0.05)
        self.rate.setDecimals(2)
        self.alpha = DoubleSpinBox()
        self.alpha.setRange(0.0, 1.0)
        self.alpha.setSingleStep(0.05)
        self.alpha.setDecimals(3)
        self.features = FeaturePicker()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("problem")
        for label, w in (
            ("Units", self.units),
            ("Activation", self.activation),
            ("", self.act_plot),
            ("", self.act_help),
            ("Initializer", self.initializer),
            ("Bias", self.use_bias),
            ("L1", self.l1),
            ("L2", self.l2),
            ("Dropout rate", self.rate),
            ("Initial α", self.alpha),
            ("Features", self.features),
        ):
            self.form.addRow(label, w)
        outer.addWidget(self.problem)
        #: the form rows of each option key of ``core.layer_kinds`` (the first one carries the label)
        self._option_rows: dict[str, tuple[QWidget, ...]] = {
            "units": (self.units,),
            "activation": (self.activation, self.act_plot, self.act_help),
            "kernel_initializer": (self.initializer,),
            "use_bias": (self.use_bias,),
            "kernel_regularizer": (self.l1, self.l2),
            "rate": (self.rate,),
            "alpha_initializer": (self.alpha,),
            "features": (self.features,),
        }
        for kind in reversed(KINDS.values()):  # tooltips before any layer is selected (the first kind wins)
            for opt in kind.options:
                if opt.key in self._option_rows:
                    self._label_row(self._option_rows[opt.key], opt)
        self.hint = QLabel("Select a layer on the canvas to edit its properties.")
        self.hint.setWordWrap(True)
        self.hint.setObjectName("muted")
        outer.addWidget(self.hint)
        outer.addStretch(1)

        self.units.valueChanged.connect(lambda v: self._set("units", int(v) if v > 0 else None))
        self.activation.currentTextChanged.connect(self._activation_changed)
        self.initializer.currentTextChanged.connect(lambda v: self._set("kernel_initializer", v))
        self.use_bias.toggled.connect(lambda v: self._set("use_bias", None if v else False))
        self.l1.valueChanged.connect(lambda _v: self._set_reg())
        self.l2.valueChanged.connect(lambda _v: self._set_reg())
        self.rate.valueChanged.connect(lambda v: self._set("rate", round(float(v), 4)))
        self.alpha.valueChanged.connect(lambda v: self._set("alpha_initializer", round(float(v), 4)))
        self.features.changed.connect(lambda chosen: self._set("features", chosen))
        for combo in (self.activation, self.initializer):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        document.graph_changed.connect(self.refresh)
        workspace.dataset_changed.connect(lambda _ds: self.refresh())
        workspace.project_replaced.connect(lambda: self.set_node(None))
        self.set_node(None)

    # ------------------------------------------------------------------ model -> view
    def set_node(self, node_id: str | None) -> None:
        """Show the properties of ``node_id`` (None = nothing selected)."""
        self.node_id = node_id if node_id in self.document.graph.nodes else None
        self.refresh()

    def _field_rows(self) -> tuple[QWidget, ...]:
        """The form rows that depend on the layer kind (shown or hidden by :meth:`refresh`)."""
        return (self.units, self.activation, self.act_plot, self.act_help, self.initializer, self.use_bias,
                self.l1, self.l2, self.rate, self.alpha, self.features)

    def refresh(self) -> None:
        """Re-read the selected node from the document."""
        g = self.document.graph
        if self.node_id not in g.nodes:
            self.node_id = None
        node = g.nodes.get(self.node_id) if self.node_id else None
        self.hint.setVisible(node is None)
        self.summary.setVisible(node is not None)
        visible_rows: set[QWidget] = set()
        if node is None:
            self.title.setText("<b>Layer properties</b>")
            self.problem.hide()
            for w in self._field_rows():
                self.form.setRowVisible(w, False)
            return
        self._loading = True
        try:
            info = self.document.data_info
            kind, cfg = node.kind, node.config
            spec = KINDS[kind]
            opts = spec.option_map
            color = theme.current().kinds[kind]
            self.title.setText(
                f"<span style='color:{color}; font-size:13pt'>■</span> "
                f"<b style='font-size:12pt'>{spec.label}</b> "
                f"<span style='color:{theme.current().muted}'>· {node.id}</span>"
            )
            units = g.units(info).get(node.id)
            params = g.param_counts(info).get(node.id)
            self.summary.setText(
                f"Output shape (None, {units if units is not None else '?'}) · "
                f"{'?' if params is None else f'{params:,}'} trainable parameters"
            )
            for key, opt in opts.items():
                rows = self._option_rows.get(key, ())
                visible_rows.update(rows)
                if rows:
                    self._label_row(rows, opt)
            if "units" in opts:
                auto = not opts["units"].required
                self.units.setMinimum(0 if auto else 1)
                self.units.setSpecialValueText("auto (from data)" if auto else "")
                self.units.setValue(int(cfg.get("units") or 0))
            if "activation" in opts:
                names = list(opts["activation"].choices())
                if [self.activation.itemText(i) for i in range(self.activation.count())] != names:
                    self.activation.clear()
                    self.activation.addItems(names)
                act = str(cfg.get("activation", opts["activation"].default or "linear"))
                self.activation.setCurrentText(act)
                self._show_activation(act)
            if "kernel_initializer" in opts:
                names = list(opts["kernel_initializer"].choices())
                if [self.initializer.itemText(i) for i in range(self.initializer.count())] != names:
                    self.initializer.clear()
                    self.initializer.addItems(names)
                self.initializer.setCurrentText(str(cfg.get("kernel_initializer",
                                                            opts["kernel_initializer"].default)))
            if "use_bias" in opts:
                self.use_bias.setChecked(bool(cfg.get("use_bias", opts["use_bias"].default)))
            if "kernel_regularizer" in opts:
                l1, l2 = _penalties(cfg.get("kernel_regularizer"))
                self.l1.setValue(l1)
                self.l2.setValue(l2)
            if "alpha_initializer" in opts:
                alpha = cfg.get("alpha_initializer", opts["alpha_initializer"].default)
                self.alpha.setValue(float(alpha) if isinstance(alpha, (int, float)) else 0.25)
            if "features" in opts:
                columns = list(info.feature_names) if info is not None else []
                if not columns:  # no data loaded: nothing to offer
                    visible_rows.discard(self.features)
                self.features.set_state(columns, cfg.get("features"))
            if "rate" in opts:
                rate = cfg.get("rate", 0.0)
                self.rate.setValue(float(rate) if isinstance(rate, (int, float)) else 0.0)
            for w in self._field_rows():
                self.form.setRowVisible(w, w in visible_rows)
            self._show_problems(node.id)
        finally:
            self._loading = False

    def _label_row(self, rows: tuple[QWidget, ...], opt: Option) -> None:
        """Label and tooltip of an option's row from the layer kind table (L1/L2 keep their own)."""
        if opt.key == "kernel_regularizer":
            return
        label = self.form.labelForField(rows[0])
        if isinstance(label, QLabel) and label.text():
            label.setText(opt.label)
        rows[0].setToolTip(opt.help)
        if opt.key == "units":
            self._units_help = opt.help

    def _show_problems(self, node_id: str) -> None:
        th = theme.current()
        probs = [
            p
            for p in self.document.graph.validate(
                self.document.data_info, str(self.document.training.get("loss", "auto"))
            )
            if p.node_id == node_id
        ]
        units_bad = any("units" in p.message for p in probs if p.severity == "error")
        _mark(self.units, th.error if units_bad else None)
        reasons = [p.message for p in probs if p.severity == "error" and "units" in p.message]
        self.units.setToolTip(
            self._units_help + (f"<br><b style='color:{th.error}'>{' '.join(reasons)}</b>" if reasons else "")
        )
        act_bad = any(
            "activation" in p.message.lower()
            or "softmax" in p.message.lower()
            or "sigmoid" in p.message.lower()
            for p in probs
        )
        _mark(self.activation, th.warning if act_bad else None)
        if probs:
            rows = []
            for p in probs:
                col = th.error if p.severity == "error" else th.warning
                rows.append(f"<span style='color:{col}'>{'●'}</span> {p.message}")
            self.problem.setText("<br>".join(rows))
            self.problem.show()
        else:
            self.problem.hide()

    def _show_activation(self, act: str) -> None:
        resolved = act
        if act == "auto":
            resolved = resolve_output_activation(
                "auto", self.document.data_info.task if self.document.data_info else None
            )
        self.act_plot.show_activation(resolved if resolved != "auto" else "sigmoid")
        text = ACTIVATION_HELP.get(act, "")
        if act == "auto" and resolved != "auto":
            text += f" Now: {resolved}."
        self.act_help.setText(text)

    # ------------------------------------------------------------------ view -> model
    def _set(self, key: str, value: Any) -> None:
        if self._loading or self.node_id is None:
            return
        if not self.document.set_node_config(self.node_id, key, value):
            self.refresh()

    def _activation_changed(self, name: str) -> None:
        if self._loading or not name:
            return
        self._show_activation(name)
        self._set("activation", name)

    def _set_reg(self) -> None:
        l1, l2 = round(self.l1.value(), 6), round(self.l2.value(), 6)
        self._set("kernel_regularizer", {"name": "l1_l2", "l1": l1, "l2": l2} if (l1 or l2) else None)


def _penalties(reg: Any) -> tuple[float, float]:
    """(l1, l2) of a ``kernel_regularizer`` value (null, a name such as "l2", or an object)."""
    if reg is None:
        return 0.0, 0.0
    try:
        from core import regularizers

        cfg = regularizers.get(reg).get_config()
    except (ValueError, TypeError, KeyError, AttributeError):
        return 0.0, 0.0
    return float(cfg.get("l1", 0.0)), float(cfg.get("l2", 0.0))


def _mark(widget: QWidget, color: str | None) -> None:
    """Tint a field (palette, so the native look of spin buttons stays) and flag it; None clears."""
    pal = QApplication.palette(widget)
    if color is not None:
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Button):
            base = pal.color(role)
            tint = QColor(color)
            mixed = QColor(
                int(base.red() * 0.75 + tint.red() * 0.25),
                int(base.green() * 0.75 + tint.green() * 0.25),
                int(base.blue() * 0.75 + tint.blue() * 0.25),
            )
            pal.setColor(role, mixed)
    widget.setPalette(pal)
    widget.setProperty("invalid", color is not None)


def _small_spin(tip: str) -> QDoubleSpinBox:
    spin = DoubleSpinBox()
    spin.setDecimals(5)
    spin.setRange(0.0, 10.0)
    spin.setSingleStep(0.0001)
    spin.setToolTip(tip)
    return spin
