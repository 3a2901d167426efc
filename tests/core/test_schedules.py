"""Learning-rate schedules: values per epoch by hand, plateau logic, validation, configs."""

from __future__ import annotations

import json
import math

import pytest

from core import schedules
from core.optimizers import SGD
from core.schedules import CosineDecay, ExponentialDecay, ReduceLROnPlateau, StepDecay


def test_step_decay_values() -> None:
    s = StepDecay(0.1, drop=0.5, epochs_drop=2)
    assert [s(e) for e in range(6)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_exponential_decay_smooth_and_staircase() -> None:
    s = ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2)
    assert [s(e) for e in range(4)] == pytest.approx([1.0, math.sqrt(0.5), 0.5, 0.5 * math.sqrt(0.5)])
    st = ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2, staircase=True)
    assert [st(e) for e in range(5)] == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25])


def test_cosine_decay_values_and_floor() -> None:
    s = CosineDecay(0.1, decay_steps=4)
    expected = [0.1, 0.05 * (1 + math.cos(math.pi / 4)), 0.05, 0.05 * (1 + math.cos(3 * math.pi / 4))]
    assert [s(e) for e in range(4)] == pytest.approx(expected)
    # the end of the cosine would be 0; the rate stays positive so the optimizer accepts it
    assert 0 < s(4) < 1e-12 and s(10) == s(4)
    a = CosineDecay(1.0, decay_steps=2, alpha=0.1)
    assert [a(e) for e in range(4)] == pytest.approx([1.0, 0.1 + 0.9 * 0.5, 0.1, 0.1])


def test_apply_sets_the_optimizer_rate() -> None:
    opt = SGD(0.5)
    s = StepDecay(0.2, drop=0.1, epochs_drop=1)
    assert s.apply(opt, 1) == pytest.approx(0.02)
    assert opt.learning_rate == pytest.approx(0.02)


def test_reduce_on_plateau_patience_and_min_lr() -> None:
    p = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.02)
    lr = 0.1
    trace = []
    for epoch, val in enumerate([1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1], start=1):
        lr = p(epoch, {"val_loss": val}, lr)
        trace.append(lr)
    # best 0.9 at epoch 2; 2 epochs without improvement -> halve at epoch 4, again at 6, then min_lr 0.02
    assert trace == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02])
    assert p.num_reductions == 3


def test_reduce_on_plateau_min_delta_mode_cooldown() -> None:
    # accuracy is maximised in auto mode; improvements smaller than min_delta do not count
    p = ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, min_delta=0.01, cooldown=1)
    lr = 1.0
    out = []
    for epoch, acc in enumerate([0.5, 0.505, 0.6, 0.6, 0.6, 0.6], start=1):
        lr = p(epoch, {"val_accuracy": acc}, lr)
        out.append(lr)
    # 0.505 is no improvement -> reduce (1 -> 0.1), cooldown 1 epoch, 0.6 improves, then reduce again
    assert out == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01, 0.001])


def test_reduce_on_plateau_uses_current_rate_and_ignores_missing_monitor() -> None:
    p = ReduceLROnPlateau(patience=0, factor=0.5, initial_learning_rate=0.4)
    assert p(0) == 0.4  # no logs yet
    assert p(1, {"loss": 1.0}) == 0.4  # val_loss missing: unchanged
    assert p(2, {"val_loss": 1.0}) == 0.4
    assert p(3, {"val_loss": 2.0}) == 0.2
    # the user changed the rate by hand: the next reduction starts from it
    assert p(4, {"val_loss": 2.0}, current_lr=1.0) == 0.5
    p.reset()
    assert p.best is None and p.learning_rate == 0.4
    with pytest.raises(ValueError, match="needs the current learning rate"):
        ReduceLROnPlateau()(0)


def test_bad_arguments_name_the_value() -> None:
    with pytest.raises(
        ValueError, match=r"learning_rate must be a positive finite number\. Received: learning_rate=0"
    ):
        StepDecay(0)
    with pytest.raises(ValueError, match="epochs_drop=0"):
        StepDecay(epochs_drop=0)
    with pytest.raises(ValueError, match="decay_rate=1.5"):
        ExponentialDecay(decay_rate=1.5)
    with pytest.raises(ValueError, match="factor=1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="mode='up'"):
        ReduceLROnPlateau(mode="up")
    with pytest.raises(ValueError, match="epoch=-1"):
        CosineDecay()(-1)


@pytest.mark.parametrize(
    "sched",
    [
        StepDecay(0.3, drop=0.2, epochs_drop=3),
        ExponentialDecay(0.3, decay_rate=0.9, decay_steps=2, staircase=True),
        CosineDecay(0.3, decay_steps=7, alpha=0.05),
        ReduceLROnPlateau(monitor="loss", factor=0.3, patience=4, min_delta=0.0, cooldown=2, min_lr=1e-5),
    ],
    ids=repr,
)
def test_config_round_trip(sched: schedules.LearningRateSchedule) -> None:
    cfg = json.loads(json.dumps(sched.get_config()))
    clone = schedules.from_config(cfg)
    assert type(clone) is type(sched) and clone.get_config() == sched.get_config()


def test_get_by_name_and_unknown() -> None:
    assert isinstance(schedules.get("cosine", decay_steps=3), CosineDecay)
    assert isinstance(schedules.get("ReduceLROnPlateau"), ReduceLROnPlateau)
    assert isinstance(schedules.get({"class_name": "StepDecay", "config": {"drop": 0.1}}), StepDecay)
    s = StepDecay()
    assert schedules.get(s) is s
    with pytest.raises(
        ValueError, match=r"Unknown schedule: 'linear'\. Valid names: step_decay, exponential_decay"
    ):
        schedules.get("linear")
