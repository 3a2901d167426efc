"""Generated PyTorch code: readable, importable, same predictions (1e-5) with the exported weights."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import ExportError
from core.export.pytorch import export_pytorch, generate_pytorch_code
from tests.core.test_export_npz import make_model


def _compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_code_is_valid_python_with_explicit_conventions() -> None:
    model = _compiled(make_model(activation="relu"))
    code = generate_pytorch_code(model, "m_weights.npz", {"feature_names": ["x1", "x2"],
                                                          "class_names": ["a", "b", "c"]},
                                 {"batch_size": 16, "epochs": 7, "seed": 3})
    ast.parse(code)
    assert "nn.CrossEntropyLoss()" in code and "torch.softmax(out, dim=-1)" in code
    assert "fused into the loss" in code
    assert "nn.Linear(2, 8)" in code and "nn.ReLU()" in code and "nn.Dropout(p=0.1)" in code
    assert "BATCH_SIZE = 16" in code and "EPOCHS = 7" in code and "SEED = 3" in code
    assert "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-08" in code
    assert "CLASSES = ['a', 'b', 'c']" in code
    assert "nn.Softmax" not in code  # fused: the Sequential ends with logits


def test_optimizer_and_loss_translations() -> None:
    from core.optimizers import SGD, RMSprop

    m = make_model(out=1, out_activation="sigmoid")
    m.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9, nesterov=True), loss="binary_crossentropy")
    code = generate_pytorch_code(m)
    assert "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)" in code
    assert "nn.BCEWithLogitsLoss()" in code and "torch.sigmoid(out)" in code
    m = make_model(out=2, out_activation="linear")
    m.compile(optimizer=RMSprop(learning_rate=0.01, rho=0.8), loss="huber")
    code = generate_pytorch_code(m)
    assert "torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.8" in code
    assert "nn.HuberLoss(delta=1.0)" in code and "return out.numpy()" in code


torch = pytest.importorskip("torch", reason="torch not installed (pip install torch==2.13.0)")


def _import(path: str):
    spec = importlib.util.spec_from_file_location(f"gen_{Path(path).parent.name}_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


X = np.random.default_rng(3).normal(0.5, 3.0, (1000, 2)).astype(np.float32)

CASES = [
    ("tanh", 3, "softmax", "sparse_categorical_crossentropy"),
    ("relu", 3, "softmax", "categorical_crossentropy"),
    ("sigmoid", 1, "sigmoid", "binary_crossentropy"),
    ("leaky_relu", 2, "linear", "mse"),
    ("elu", 2, "linear", "mae"),
    ("gelu", 3, "softmax", "sparse_categorical_crossentropy"),
    ("swish", 3, "softmax", "sparse_categorical_crossentropy"),
    ("softplus", 1, "linear", "huber"),
    ("softmax", 3, "softmax", "sparse_categorical_crossentropy"),
    ("linear", 3, "softmax", "mse"),  # softmax kept in the network when the loss is not cross-entropy
    ("step", 3, "softmax", "sparse_categorical_crossentropy"),
]


@pytest.mark.parametrize(("activation", "out", "out_act", "loss"), CASES)
def test_generated_model_matches_engine(tmp_path: Path, activation: str, out: int, out_act: str,
                                        loss: str) -> None:
    model = make_model(hidden=(16, 8), activation=activation, out=out, out_activation=out_act, seed=2)
    model.compile(optimizer="adam", loss=loss)
    code_path, weights_path = export_pytorch(model, tmp_path / "model.py")
    assert Path(weights_path).name == "model_weights.npz"
    gen = _import(code_path)
    net = gen.load_weights(gen.build_model())
    got = gen.predict(net, X)
    assert float(np.max(np.abs(got - model.predict(X)))) <= 1e-5


def test_safetensors_weights_and_prelu(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    from core.layers import Activation, Dense, Normalization, PReLU
    from core.model import Sequential

    model = Sequential([Normalization([1, -1], [4, 0]), Dense(8, input_dim=2, use_bias=False), PReLU(),
                        Dense(6), Activation("elu"), Dense(3, activation="softmax")])
    model.build(2, seed=0)
    model.layers[2].set_weights([np.linspace(-0.5, 0.5, 8)])
    model.compile(optimizer="adamw", loss="sparse_categorical_crossentropy")
    code_path, weights_path = export_pytorch(model, tmp_path / "net.py", weights_format="safetensors")
    assert weights_path.endswith("net_weights.safetensors")
    gen = _import(code_path)
    net = gen.load_weights(gen.build_model())
    assert float(np.max(np.abs(gen.predict(net, X) - model.predict(X)))) <= 1e-5
    assert "torch.optim.AdamW" in Path(code_path).read_text()


def test_training_loop_runs_and_lowers_loss(tmp_path: Path) -> None:
    model = make_model(hidden=(8,), activation="tanh", out=3, dropout=0.0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    code_path, _ = export_pytorch(model, tmp_path / "model.py", training={"batch_size": 32, "epochs": 4})
    gen = _import(code_path)
    net = gen.load_weights(gen.build_model())
    y = (X[:, 0] > 0.5).astype(np.int64) + (X[:, 1] > 0.5)
    history = gen.train(net, X[:300], y[:300], epochs=15)
    assert len(history) == 15 and history[-1] < history[0]


def test_code_write_failure_removes_new_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.files as files

    model = _compiled(make_model())
    real = files._write_temp
    written: list[str] = []

    def second_fails(target, write):  # model.py is written, then the disk is full for the weights
        written.append(target)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        return real(target, write)

    monkeypatch.setattr(files, "_write_temp", second_fails)
    with pytest.raises(ExportError, match="No space left on device"):
        export_pytorch(model, tmp_path / "model.py")
    assert len(written) == 2 and list(tmp_path.iterdir()) == []


SCHEDULES = [
    {"name": "step_decay", "drop": 0.5, "epochs_drop": 3},
    {"name": "exponential_decay", "decay_rate": 0.9, "decay_steps": 2},
    {"name": "exponential_decay", "decay_rate": 0.5, "decay_steps": 3, "staircase": True},
    {"name": "cosine_decay", "decay_steps": 8, "alpha": 0.1},
    {"name": "cosine_decay", "decay_steps": 5, "alpha": 0.0, "initial_learning_rate": 0.02},
    {"name": "reduce_lr_on_plateau", "monitor": "val_loss", "factor": 0.5, "patience": 2, "cooldown": 1,
     "min_delta": 0.01},
    {"name": "reduce_lr_on_plateau", "monitor": "loss", "factor": 0.2, "patience": 1, "min_lr": 0.0005},
    {"name": "reduce_lr_on_plateau", "monitor": "val_accuracy", "factor": 0.5, "patience": 0},
]
LOSSES = [1.0, 0.9, 0.95, 0.91, 0.92, 0.85, 0.86, 0.86, 0.86, 0.86, 0.7, 0.71, 0.72, 0.73, 0.74, 0.69]


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")  # no optimizer.step() here
@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda c: c["name"] + str(len(c)))
def test_generated_scheduler_matches_engine_per_epoch(tmp_path: Path, schedule: dict) -> None:
    """The generated torch scheduler, stepped after each epoch, gives every epoch the engine's rate."""
    from core import optimizers, schedules
    from core.project import Project, training_callbacks

    model = make_model(hidden=(4,), activation="tanh", out=3, dropout=0.0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.0003), loss="sparse_categorical_crossentropy")
    training = {"optimizer": {"name": "adam", "learning_rate": 0.01}, "schedule": dict(schedule),
                "batch_size": 8, "epochs": 16}
    code_path, _ = export_pytorch(model, tmp_path / "model.py", training=training)
    gen = _import(code_path)
    opt = gen.make_optimizer(gen.build_model())
    sched = gen.make_scheduler(opt)
    assert isinstance(
        sched, torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau)
    # the engine's schedule as `ffstudio train` builds it (initial rate from the project's optimizer)
    project = Project.from_dict({"format": "ffstudio-project", "version": 1,
                                 "network": {"layers": [{"type": "input"}, {"type": "output"}]},
                                 "data": {"source": "toy", "name": "xor"}, "training": training}, tmp_path)
    engine = [cb for cb in training_callbacks(project) if isinstance(cb, schedules.LearningRateSchedule)][0]
    engine_opt = optimizers.Adam(learning_rate=0.01)
    seen, logs = [], None
    for epoch, value in enumerate(LOSSES):
        want = engine.apply(engine_opt, epoch, logs)
        got = opt.param_groups[0]["lr"]
        assert got == pytest.approx(want, rel=1e-9, abs=1e-15), (epoch, got, want)
        seen.append(got)
        logs = {"loss": value, "val_loss": value, "val_accuracy": 1.0 - value}
        gen.step_scheduler(sched, logs)
    assert len({round(v, 12) for v in seen}) >= 3  # the rate really changed
    code = Path(code_path).read_text()
    assert "Learning-rate schedule:" in code and "stepped once per epoch" in code


def test_no_schedule_and_early_stopping_like_the_engine(tmp_path: Path) -> None:
    from core.callbacks import EarlyStopping

    model = make_model(hidden=(8,), activation="tanh", out=3, dropout=0.0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = ((X[:, 0] > 0.5).astype(np.int64) + (X[:, 1] > 0.5))[:200]
    code_path, _ = export_pytorch(model, tmp_path / "plain.py", training={"epochs": 4})
    gen = _import(code_path)
    assert gen.make_scheduler(gen.make_optimizer(gen.build_model())) is None
    # min_delta so large that no epoch after the first counts as better: stops after 1 + patience epochs
    stop = {"monitor": "val_loss", "patience": 2, "min_delta": 100.0, "restore_best_weights": True}
    training = {"epochs": 10, "early_stopping": stop, "schedule": {"name": "step_decay", "epochs_drop": 1}}
    code_path, _ = export_pytorch(model, tmp_path / "es.py", training=training)
    gen = _import(code_path)
    net = gen.load_weights(gen.build_model())
    history = gen.train(net, X[:200], y, epochs=10, validation_data=(X[200:300], y[:100]))
    engine = make_model(hidden=(8,), activation="tanh", out=3, dropout=0.0)
    engine.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    hist = engine.fit(X[:200], y, epochs=10, batch_size=32, validation_data=(X[200:300], y[:100]),
                      callbacks=[EarlyStopping(**stop)], seed=0)
    assert len(history) == len(hist.history["loss"]) == 3
    # without validation data (python model.py --x --y) early stopping on val_loss is off, with a note
    assert len(gen.train(net, X[:200], y, epochs=4)) == 4
    assert "Early stopping: stop when val_loss has not improved" in Path(code_path).read_text()


def test_generated_code_uses_the_project_defaults_for_unset_training_keys() -> None:
    """Epochs, batch size and seed left out of ``training`` get core.project.DEFAULT_TRAINING's values."""
    from core import Sequential
    from core.layers import Dense
    from core.project import DEFAULT_TRAINING

    model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    code = generate_pytorch_code(model, training={"optimizer": "adam"})
    assert f"BATCH_SIZE = {DEFAULT_TRAINING['batch_size']}" in code
    assert f"EPOCHS = {DEFAULT_TRAINING['epochs']}" in code and f"SEED = {DEFAULT_TRAINING['seed']}" in code
