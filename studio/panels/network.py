"""Network (training) settings: loss, optimizer and its hyper-parameters, schedule, batch size, epochs, seed.

Writes ``Document.training`` (the project file's ``training`` section) through undoable edits. While training
is locked only the learning rate stays editable (it applies to the running session via
``Document.training_changed``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.data_fit import loss_names, resolve_loss, resolve_output_activation
from core.project import training_spec
from studio.document import NULL
from studio.panels.lr_finder import LRFinderBox
from studio.panels.training_options import (
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    SCHEDULE_LABELS,
    SCHEDULE_PARAMS,
    SCHEDULES,
    UPDATE_RULES,
    optimizer_keys,
)
from studio.wheel_guard import ComboBox, DoubleSpinBox, SpinBox
from studio.workspace import Workspace


class NetworkPanel(QWidget):
    """Training settings for the whole network."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.document = document = workspace.document
        self._loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 10, 10, 10)

        box = QGroupBox("Loss")
        form = QFormLayout(box)
        self.loss = ComboBox()
        self.loss.addItems(loss_names())
        self.loss.setToolTip(
            "What training minimizes; 'auto' picks cross-entropy for classification and mean "
            "squared error for regression, matching the output activation."
        )
        self.loss_resolved = QLabel()
        self.loss_resolved.setObjectName("muted")
        form.addRow("Loss", self.loss)
        form.addRow("", self.loss_resolved)
        outer.addWidget(box)

        box = QGroupBox("Optimizer")
        self.opt_form = QFormLayout(box)
        self.optimizer = ComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_LABELS[name], name)
        self.optimizer.setToolTip("The rule that turns gradients into weight updates.")
        self.rule = QLabel()
        self.rule.setObjectName("formula")
        self.rule.setWordWrap(True)
        self.rule.setToolTip("The update rule for each weight w with gradient g and learning rate η.")
        self.lr = DoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 10.0)
        self.lr.setSingleStep(0.001)
        self.lr.setToolTip(
            "Step size η: too small crawls, too large diverges. Can be changed while training."
        )
        self.momentum = _dspin(
            0.0, 0.999, 0.9, 3, "Momentum μ: how much of the previous step is kept (0 = plain SGD)."
        )
        self.nesterov = QCheckBox("Nesterov look-ahead")
        self.nesterov.setToolTip(
            "Evaluate the momentum step at the look-ahead point (usually converges faster)."
        )
        self.beta_1 = _dspin(0.0, 0.9999, 0.9, 4, "β₁: decay of the running mean of gradients.")
        self.beta_2 = _dspin(0.0, 0.99999, 0.999, 5, "β₂: decay of the running mean of squared gradients.")
        self.rho = _dspin(0.0, 0.9999, 0.9, 4, "ρ: decay of the running mean of squared gradients.")
        self.weight_decay = _dspin(0.0, 1.0, 0.004, 4, "λ: decoupled weight decay applied after each step.")
        for label, w in (
            ("Optimizer", self.optimizer),
            ("Update", self.rule),
            ("Learning rate", self.lr),
            ("Momentum", self.momentum),
            ("", self.nesterov),
            ("β₁", self.beta_1),
            ("β₂", self.beta_2),
            ("ρ", self.rho),
            ("Weight decay", self.weight_decay),
        ):
            self.opt_form.addRow(label, w)
        outer.addWidget(box)
        self.lr_finder = LRFinderBox(document)
        outer.addWidget(self.lr_finder)

        box = QGroupBox("Learning-rate schedule")
        self.sched_form = QFormLayout(box)
        self.schedule = ComboBox()
        for name in SCHEDULES:
            self.schedule.addItem(SCHEDULE_LABELS[name], name)
        self.schedule.setToolTip("How the learning rate changes over the epochs.")
        self.sched_form.addRow("Schedule", self.schedule)
        self.sched_widgets: dict[tuple[str, str], QWidget] = {}
        for sname, params in SCHEDULE_PARAMS.items():
            for key, label, default, lo, hi, dec, tip in params:
                w = (
                    _dspin(lo, hi, default, dec, tip)
                    if dec is not None
                    else _ispin(int(lo), int(hi), int(default), tip)
                )
                self.sched_form.addRow(label, w)
                self.sched_widgets[(sname, key)] = w
                w.valueChanged.connect(lambda _v, s=sname: self._schedule_params_changed(s))
        outer.addWidget(box)

        box = QGroupBox("Run")
        form = QFormLayout(box)
        self.batch_size = _ispin(
            1, 100_000, 16, "Samples per gradient step (1 = pure stochastic gradient descent)."
        )
        self.epochs = _ispin(1, 1_000_000, 200, "Passes over the training data before training stops.")
        self.seed = _ispin(
            0,
            2**31 - 1,
            0,
            "Random seed for weight initialization and shuffling: the same seed gives the same run.",
        )
        form.addRow("Batch size", self.batch_size)
        # Epochs: a budget (reproducible runs) or "until stopped" (toy data runs on until Pause, as in
        # TensorFlow Playground); the project stores the latter as training.epochs: null
        self.until_stopped = QCheckBox("until stopped")
        self.until_stopped.setToolTip(
            "Train until you press Pause or Stop instead of for a fixed number of epochs "
            "(saved as training.epochs: null; ffstudio train then needs --epochs)"
        )
        epochs_row = QWidget()
        epochs_box = QHBoxLayout(epochs_row)
        epochs_box.setContentsMargins(0, 0, 0, 0)
        epochs_box.addWidget(self.epochs, 1)
        epochs_box.addWidget(self.until_stopped)
        form.addRow("Epochs", epochs_row)
        # the lock beside the seed: unlocked, Reset draws a new seed (every run differs, as a learner
        # expects); locked, Reset repeats the same run. The project always saves the seed used.
        self.seed_lock = QToolButton()
        self.seed_lock.setCheckable(True)
        self.seed_lock.setText("Lock")
        self.seed_lock.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.seed_lock.toggled.connect(self._seed_lock_toggled)
        self._seed_lock_toggled(False)
        seed_row = QWidget()
        seed_box = QHBoxLayout(seed_row)
        seed_box.setContentsMargins(0, 0, 0, 0)
        seed_box.addWidget(self.seed, 1)
        seed_box.addWidget(self.seed_lock)
        form.addRow("Seed", seed_row)
        self.early = QCheckBox("on val_loss")
        self.early.setToolTip(
            "Early stopping: end the run when val_loss has not improved for 'patience' epochs."
        )
        self.patience = _ispin(1, 10_000, 10, "Epochs without improvement of val_loss before training stops.")
        self.restore_best = QCheckBox("Restore best weights")
        self.restore_best.setToolTip("When stopping early, go back to the weights of the best epoch.")
        form.addRow("Early stopping", self.early)
        form.addRow("Patience", self.patience)
        form.addRow("", self.restore_best)
        self.run_form = form
        outer.addWidget(box)
        outer.addStretch(1)

        self.loss.currentTextChanged.connect(lambda v: self._set(("loss",), v))
        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        self.lr.valueChanged.connect(lambda v: self._set(("optimizer", "learning_rate"), round(float(v), 6)))
        self.momentum.valueChanged.connect(lambda v: self._set(("optimizer", "momentum"), round(float(v), 6)))
        self.nesterov.toggled.connect(lambda v: self._set(("optimizer", "nesterov"), bool(v) or None))
        self.beta_1.valueChanged.connect(lambda v: self._set(("optimizer", "beta_1"), round(float(v), 6)))
        self.beta_2.valueChanged.connect(lambda v: self._set(("optimizer", "beta_2"), round(float(v), 6)))
        self.rho.valueChanged.connect(lambda v: self._set(("optimizer", "rho"), round(float(v), 6)))
        self.weight_decay.valueChanged.connect(
            lambda v: self._set(("optimizer", "weight_decay"), round(float(v), 6))
        )
        self.schedule.currentIndexChanged.connect(self._schedule_changed)
        self.batch_size.valueChanged.connect(lambda v: self._set(("batch_size",), int(v)))
        self.epochs.valueChanged.connect(lambda v: self._set(("epochs",), int(v)))
        self.until_stopped.toggled.connect(
            lambda on: self._set(("epochs",), NULL if on else int(self.epochs.value()))
        )
        self.seed.valueChanged.connect(lambda v: self._set(("seed",), int(v)))
        self.early.toggled.connect(lambda _v: self._early_changed())
        self.patience.valueChanged.connect(lambda _v: self._early_changed())
        self.restore_best.toggled.connect(lambda _v: self._early_changed())
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        document.training_changed.connect(self.refresh)
        document.graph_changed.connect(self._refresh_loss_label)
        document.lock_changed.connect(lambda locked, _r: self.set_locked(locked))
        workspace.dataset_changed.connect(lambda _ds: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ model -> view
    def refresh(self) -> None:
        """Re-read ``Document.training``."""
        t = self.document.training
        opt = t.get("optimizer", {})
        opt = {"name": opt} if isinstance(opt, str) else dict(opt)
        name = str(opt.get("name", "adam"))
        self._loading = True
        try:
            self.loss.setCurrentText(str(t.get("loss", "auto")))
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(name)))
            self.lr.setValue(float(opt.get("learning_rate", 0.001 if name.startswith("adam") else 0.01)))
            self.momentum.setValue(float(opt.get("momentum", 0.0)))
            self.nesterov.setChecked(bool(opt.get("nesterov", False)))
            self.beta_1.setValue(float(opt.get("beta_1", 0.9)))
            self.beta_2.setValue(float(opt.get("beta_2", 0.999)))
            self.rho.setValue(float(opt.get("rho", 0.9)))
            self.weight_decay.setValue(float(opt.get("weight_decay", 0.004)))
            sched = t.get("schedule") or {}
            sname = sched.get("name", "none") if isinstance(sched, dict) else str(sched)
            self.schedule.setCurrentIndex(max(0, self.schedule.findData(sname)))
            for (s, key), w in self.sched_widgets.items():
                if s == sname and isinstance(sched, dict) and key in sched:
                    w.setValue(sched[key])  # type: ignore[attr-defined]
            spec = training_spec(t)
            self.batch_size.setValue(int(spec["batch_size"]))
            endless = spec["epochs"] is None
            self.until_stopped.setChecked(endless)
            self.epochs.setEnabled(not endless)
            if not endless:
                self.epochs.setValue(int(spec["epochs"]))
            self.seed.setValue(int(spec["seed"] or 0))
            es = t.get("early_stopping")
            self.early.setChecked(isinstance(es, dict))
            if isinstance(es, dict):
                self.patience.setValue(int(es.get("patience", 10)))
                self.restore_best.setChecked(bool(es.get("restore_best_weights", False)))
            self.run_form.setRowVisible(self.patience, isinstance(es, dict))
            self.run_form.setRowVisible(self.restore_best, isinstance(es, dict))
        finally:
            self._loading = False
        self._update_visibility(name, sname)
        self._refresh_loss_label()

    def _refresh_loss_label(self) -> None:
        info = self.document.data_info
        loss = str(self.document.training.get("loss", "auto"))
        outputs = [n for n in self.document.graph.nodes.values() if n.kind == "output"]
        act = str(outputs[0].config.get("activation", "auto")) if outputs else "auto"
        task = info.task if info else None
        resolved = resolve_loss(loss, task, resolve_output_activation(act, task))
        self.loss_resolved.setText(
            f"→ {resolved}" + (f" for a {task} task" if task else "") if loss == "auto" and task else ""
        )

    def _update_visibility(self, name: str, sname: str) -> None:
        momentum = self.momentum.value() > 0
        rule = (
            "nesterov"
            if name == "sgd" and momentum and self.nesterov.isChecked()
            else "momentum"
            if name == "sgd" and momentum
            else name
        )
        self.rule.setText(UPDATE_RULES.get(rule, "").replace(";   ", "\n").replace(";  ", "\n"))
        show = {
            self.momentum: name in ("sgd", "rmsprop"),
            self.nesterov: name == "sgd",
            self.beta_1: name in ("adam", "adamw"),
            self.beta_2: name in ("adam", "adamw"),
            self.rho: name == "rmsprop",
            self.weight_decay: name == "adamw",
        }
        for w, vis in show.items():
            self.opt_form.setRowVisible(w, vis)
        for (s, _key), w in self.sched_widgets.items():
            self.sched_form.setRowVisible(w, s == sname)

    def set_locked(self, locked: bool) -> None:
        """Disable everything except the learning rate while training runs."""
        for w in (
            self.loss,
            self.optimizer,
            self.momentum,
            self.nesterov,
            self.beta_1,
            self.beta_2,
            self.rho,
            self.weight_decay,
            self.schedule,
            self.batch_size,
            self.epochs,
            self.seed,
            self.early,
            self.patience,
            self.restore_best,
            *self.sched_widgets.values(),
        ):
            w.setEnabled(not locked)

    # ------------------------------------------------------------------ view -> model
    def _seed_lock_toggled(self, locked: bool) -> None:
        from studio import theme

        self.workspace.seed_locked = locked

        self.seed_lock.setIcon(theme.icon("lock") if locked else QIcon())
        self.seed_lock.setText("Locked" if locked else "Lock")
        self.seed_lock.setToolTip(
            "Locked: Reset keeps this seed and repeats the same run." if locked
            else "Unlocked: Reset draws a new seed, so each run starts from other weights. "
            "Lock it to repeat a run."
        )

    def _set(self, path: tuple[str, ...], value: Any) -> None:
        if self._loading:
            return
        if path[0] == "optimizer" and len(path) == 2:
            opt = self.document.training.get("optimizer", {})
            name = str(opt.get("name", "adam")) if isinstance(opt, dict) else str(opt)
            if path[1] not in optimizer_keys(name):
                return  # a control of another optimizer (hidden): the project would not validate
        if not self.document.set_training(path, value):
            self.refresh()
        elif path[0] == "optimizer":
            opt = self.document.training.get("optimizer", {})
            self._update_visibility(
                str(opt.get("name", "adam")) if isinstance(opt, dict) else str(opt),
                str(self.schedule.currentData()),
            )

    def _early_changed(self) -> None:
        if self._loading:
            return
        es = None
        if self.early.isChecked():
            es = {
                "monitor": "val_loss",
                "patience": int(self.patience.value()),
                "restore_best_weights": bool(self.restore_best.isChecked()),
            }
        self._set(("early_stopping",), es)
        self.run_form.setRowVisible(self.patience, es is not None)
        self.run_form.setRowVisible(self.restore_best, es is not None)

    def _optimizer_changed(self, _index: int) -> None:
        if self._loading:
            return
        name = str(self.optimizer.currentData())
        lr = round(self.lr.value(), 6)
        keys = optimizer_keys(name)

        def change(_g: Any, t: dict, _d: dict) -> None:
            old = t.get("optimizer")
            # keep the settings the new optimizer shares (Adam -> AdamW keeps beta_1/beta_2), drop the rest
            kept = {k: v for k, v in old.items() if k in keys} if isinstance(old, dict) else {}
            t["optimizer"] = {**kept, "name": name, "learning_rate": lr}

        if not self.document.edit(f"Optimizer {name}", change):
            self.refresh()

    def _schedule_changed(self, _index: int) -> None:
        if self._loading:
            return
        sname = str(self.schedule.currentData())
        self._set(("schedule",), None if sname == "none" else self._schedule_dict(sname))
        self.refresh()

    def _schedule_params_changed(self, sname: str) -> None:
        if self._loading or self.schedule.currentData() != sname:
            return
        self._set(("schedule",), self._schedule_dict(sname))

    def _schedule_dict(self, sname: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": sname}
        for key, _label, _d, _lo, _hi, dec, _tip in SCHEDULE_PARAMS[sname]:
            v = self.sched_widgets[(sname, key)].value()  # type: ignore[attr-defined]
            out[key] = round(float(v), 6) if dec is not None else int(v)
        return out


def _dspin(lo: float, hi: float, value: float, decimals: int, tip: str) -> QDoubleSpinBox:
    w = DoubleSpinBox()
    w.setRange(lo, hi)
    w.setDecimals(decimals)
    w.setSingleStep(10 ** -min(decimals, 3) if decimals else 1)
    w.setValue(value)
    w.setToolTip(tip)
    w.setAlignment(Qt.AlignmentFlag.AlignRight)
    return w


def _ispin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    w = SpinBox()
    w.setRange(lo, hi)
    w.setValue(value)
    w.setToolTip(tip)
    w.setAccelerated(True)
    w.setAlignment(Qt.AlignmentFlag.AlignRight)
    return w
