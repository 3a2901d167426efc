"""Optimizers: hand-computed steps, validation, config round trips, no per-step temporaries,
and 20-step parity with torch.optim on a small MLP (float64) when PyTorch is installed."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from core import optimizers
from core.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

P0 = np.array([1.0, -2.0])
G1 = np.array([0.5, -1.0])
G2 = np.array([-0.5, 2.0])


def _steps(opt: optimizers.Optimizer, grads: list[np.ndarray], p0: np.ndarray = P0) -> np.ndarray:
    p = p0.copy()
    for g in grads:
        opt.apply_gradients([p], [g])
    return p


# ---------------------------------------------------------------------------------------------
# one or two steps against numbers worked out by hand
# ---------------------------------------------------------------------------------------------
def test_sgd_plain_step() -> None:
    # p - lr*g = [1 - 0.05, -2 + 0.1]
    np.testing.assert_allclose(_steps(SGD(0.1), [G1]), [0.95, -1.9], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps() -> None:
    # step 1: b = g -> p = [0.95, -1.9]; step 2: b = 0.9 g + g = 1.9 g -> p -= 0.19 g
    np.testing.assert_allclose(_steps(SGD(0.1, momentum=0.9), [G1, G1]), [0.855, -1.71], atol=1e-15)


def test_sgd_nesterov_first_step() -> None:
    # b = g; g' = g + 0.9 b = 1.9 g; p -= 0.1 * 1.9 g
    np.testing.assert_allclose(
        _steps(SGD(0.1, momentum=0.9, nesterov=True), [G1]), [0.905, -1.81], atol=1e-15
    )


def test_adagrad_two_steps() -> None:
    # step 1: s = g^2 = [0.25, 1]; p -= 0.1 g / (|g| + 1e-10) ~ 0.1 sign(g) -> [0.9, -1.9]
    p = _steps(Adagrad(0.1), [G1])
    np.testing.assert_allclose(p, [0.9, -1.9], atol=1e-9)
    # step 2 with G2: s = [0.5, 5]; p -= 0.1 * [-0.5/sqrt(0.5), 2/sqrt(5)]
    p = _steps(Adagrad(0.1), [G1, G2])
    np.testing.assert_allclose(
        p, [0.9 + 0.1 * 0.5 / math.sqrt(0.5), -1.9 - 0.1 * 2 / math.sqrt(5)], atol=1e-9
    )


def test_adagrad_initial_accumulator() -> None:
    # s = 1 + g^2 = [1.25, 2]; p -= 0.1 * g / sqrt(s)
    p = _steps(Adagrad(0.1, initial_accumulator_value=1.0, epsilon=0.0), [G1])
    np.testing.assert_allclose(p, [1 - 0.05 / math.sqrt(1.25), -2 + 0.1 / math.sqrt(2)], atol=1e-15)


def test_rmsprop_step() -> None:
    # v = 0.1 g^2 = [0.025, 0.1]; g / sqrt(v) = +-sqrt(10); p -= 0.01*sqrt(10)*sign(g)
    p = _steps(RMSprop(0.01, rho=0.9), [G1])
    np.testing.assert_allclose(p, [0.9683772233983162, -1.9683772233983162], atol=1e-8)


def test_rmsprop_momentum_two_steps() -> None:
    # step 1: d = sqrt(0.1 g^2) -> g/d = sqrt(10) sign(g); b = that; p -= 0.01 b
    # step 2 (G1 again): v = 0.09 g^2 + 0.1 g^2 = 0.19 g^2; g/d = sign(g)/sqrt(0.19); b = 0.5 b + that
    b1 = math.sqrt(10.0)
    b2 = 0.5 * b1 + 1 / math.sqrt(0.19)
    p = _steps(RMSprop(0.01, rho=0.9, momentum=0.5, epsilon=0.0), [G1, G1])
    np.testing.assert_allclose(p, [1 - 0.01 * (b1 + b2), -2 + 0.01 * (b1 + b2)], atol=1e-14)


def test_adam_two_steps() -> None:
    # step 1: m_hat = g, v_hat = g^2 -> p -= 0.1 * g / (|g| + 1e-8)
    # step 2: m = [-0.005, 0.11], v = [0.00049975, 0.004999]; bc1 = 0.19, bc2 = 0.001999
    #         m_hat = [-0.0263157895, 0.5789473684], sqrt(v_hat) = [0.5, 1.5813761...]
    p = _steps(Adam(0.1), [G1])
    np.testing.assert_allclose(p, [0.900000002, -1.900000001], atol=1e-12)
    p = _steps(Adam(0.1), [G1, G2])
    np.testing.assert_allclose(p, [0.9052631597894736, -1.9366103534720749], atol=1e-12)


def test_adamw_step_decays_decoupled() -> None:
    # p *= 1 - 0.1*0.1 -> [0.99, -1.98]; then the Adam step -0.1*sign(g)
    p = _steps(AdamW(0.1, weight_decay=0.1, epsilon=0.0), [G1])
    np.testing.assert_allclose(p, [0.89, -1.88], atol=1e-15)


def test_adam_amsgrad_uses_running_max() -> None:
    # g = 4 then 0.1: v1 = 0.001*16 = 0.016; v2 = 0.999*0.016 + 0.001*0.01 = 0.015994 < v1,
    # so AMSGrad divides step 2 by sqrt(0.016/bc2) instead of sqrt(0.015994/bc2).
    big, small = np.array([4.0]), np.array([0.1])
    m2 = 0.9 * 0.4 + 0.1 * 0.1
    bc1, bc2 = 1 - 0.9**2, 1 - 0.999**2
    after_1 = -0.1 * 4.0 / (4.0 + 1e-8)
    for amsgrad, v in ((False, 0.015994), (True, 0.016)):
        p = _steps(Adam(0.1, amsgrad=amsgrad), [big, small], np.array([0.0]))
        expected = after_1 - 0.1 / bc1 * m2 / (math.sqrt(v) / math.sqrt(bc2) + 1e-8)
        assert p[0] == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# interface behaviour
# ---------------------------------------------------------------------------------------------
def test_learning_rate_can_change_between_steps_and_iterations_count() -> None:
    opt = SGD(0.1)
    p = P0.copy()
    opt.apply_gradients([p], [G1])
    opt.learning_rate = 1.0
    opt.apply_gradients([p], [G1])
    np.testing.assert_allclose(p, [1 - 0.05 - 0.5, -2 + 0.1 + 1.0])
    assert opt.iterations == 2
    assert isinstance(opt.learning_rate, float)


def test_updates_in_place_on_views_of_one_flat_buffer_and_leaves_grads_alone() -> None:
    flat = np.arange(7, dtype=np.float32)
    grads = np.ones(7, dtype=np.float32)
    kernel = flat[:6].reshape(2, 3)
    opt = Adam(0.5)
    opt.apply_gradients([flat], [grads])
    np.testing.assert_allclose(kernel, np.arange(6, dtype=np.float32).reshape(2, 3) - 0.5, atol=1e-6)
    assert np.all(grads == 1.0)
    state = opt.state_arrays(0)
    assert set(state) == {"m_scaled", "v_scaled"}
    assert state["m_scaled"].dtype == np.float32 and state["m_scaled"].shape == (7,)
    assert flat.dtype == np.float32


def test_state_keyed_by_position_and_reallocated_on_shape_change() -> None:
    opt = SGD(0.1, momentum=0.9)
    a, b = np.zeros(3), np.zeros(2)
    opt.apply_gradients([a, b], [np.ones(3), np.full(2, 2.0)])
    assert opt.state_arrays(1)["momentum_buffer"].tolist() == [2.0, 2.0]
    c = np.zeros(5)
    opt.apply_gradients([c], [np.ones(5)])  # a different model: fresh state at position 0
    np.testing.assert_allclose(c, -0.1)


def test_apply_gradients_rejects_mismatched_lists_and_shapes() -> None:
    with pytest.raises(ValueError, match="2 parameters and 1 gradients"):
        Adam().apply_gradients([np.zeros(2), np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"\(3,\) does not match parameter shape \(2,\)"):
        Adam().apply_gradients([np.zeros(2)], [np.zeros(3)])


@pytest.mark.parametrize(
    "opt",
    [
        SGD(0.1),
        SGD(0.1, momentum=0.9, nesterov=True),
        Adagrad(),
        RMSprop(momentum=0.9, centered=True),
        Adam(),
        AdamW(),
        Adam(amsgrad=True),
    ],
    ids=repr,
)
def test_no_temporary_arrays_per_step(opt: optimizers.Optimizer) -> None:
    flat = np.random.default_rng(0).normal(size=200_000).astype(np.float32)
    grads = np.random.default_rng(1).normal(size=200_000).astype(np.float32)
    opt.apply_gradients([flat], [grads])  # allocates the state once
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.apply_gradients([flat], [grads])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000  # one temporary would be 800 kB


@pytest.mark.parametrize("bad", [0, 0.0, -1e-3, float("nan"), float("inf"), "0.1", True, None])
def test_bad_learning_rate_is_rejected_with_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match=r"learning_rate must be a positive finite number\. Received: "):
        Adam(learning_rate=bad)  # type: ignore[arg-type]
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="learning_rate="):
        opt.learning_rate = bad  # type: ignore[assignment]
    assert opt.learning_rate == 0.1


def test_bad_hyperparameters_name_the_value() -> None:
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)\. Received: momentum=1\.5"):
        SGD(momentum=1.5)
    with pytest.raises(ValueError, match="Nesterov momentum requires momentum > 0"):
        SGD(nesterov=True)
    with pytest.raises(ValueError, match="beta_2=1.0"):
        Adam(beta_2=1.0)
    with pytest.raises(ValueError, match="rho=-0.1"):
        RMSprop(rho=-0.1)
    with pytest.raises(ValueError, match="weight_decay=-1.0"):
        AdamW(weight_decay=-1.0)


def test_get_by_name_instance_dict_and_unknown() -> None:
    assert isinstance(optimizers.get("adam"), Adam)
    assert type(optimizers.get("Adam")) is Adam
    assert type(optimizers.get("adamw")) is AdamW
    assert optimizers.get("sgd", learning_rate=0.5).learning_rate == 0.5
    mom = optimizers.get("momentum")
    assert isinstance(mom, SGD) and mom.momentum == 0.9 and not mom.nesterov
    nest = optimizers.get("nesterov", momentum=0.8)
    assert nest.nesterov and nest.momentum == 0.8
    inst = RMSprop()
    assert optimizers.get(inst) is inst
    assert isinstance(optimizers.get({"class_name": "RMSprop", "config": {"rho": 0.8}}), RMSprop)
    with pytest.raises(
        ValueError, match=r"Unknown optimizer: 'adamax'\. Valid names: sgd, momentum, nesterov"
    ):
        optimizers.get("adamax")
    valid = "learning_rate, beta_1, beta_2, epsilon, amsgrad"
    with pytest.raises(ValueError, match=f"unknown argument 'momentum' for optimizer 'adam'; "
                                         f"valid arguments: {valid}$"):
        optimizers.get("adam", momentum=0.9)
    typo = r"'learning_rat' for optimizer 'adam' \(did you mean 'learning_rate'\?"
    with pytest.raises(ValueError, match=typo):
        optimizers.get({"name": "adam", "learning_rat": 0.1})


@pytest.mark.parametrize(
    "opt",
    [
        SGD(0.05, momentum=0.5, nesterov=True),
        Adagrad(0.2, initial_accumulator_value=0.1, epsilon=1e-7),
        RMSprop(0.002, rho=0.8, momentum=0.1, epsilon=1e-6, centered=True),
        Adam(0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-7, amsgrad=True),
        AdamW(0.004, weight_decay=0.01),
    ],
    ids=repr,
)
def test_config_round_trip_is_json_able(opt: optimizers.Optimizer) -> None:
    import json

    cfg = json.loads(json.dumps(opt.get_config()))
    clone = optimizers.from_config(cfg)
    assert type(clone) is type(opt)
    assert clone.get_config() == opt.get_config()
    # same hyperparameters -> identical trajectories
    assert np.array_equal(_steps(clone, [G1, G2]), _steps(opt, [G1, G2]))


def test_reset_clears_state() -> None:
    opt = Adam(0.1)
    first = _steps(opt, [G1])
    opt.reset()
    assert opt.iterations == 0 and opt.state_arrays(0) == {}
    assert np.array_equal(_steps(opt, [G1]), first)


# ---------------------------------------------------------------------------------------------
# parity with torch.optim: 20 full-batch steps of a 4-6-3 tanh/softmax MLP in float64
# ---------------------------------------------------------------------------------------------
def _mlp_data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(42)
    x = rng.normal(size=(16, 4))
    y = rng.integers(0, 3, size=16)
    w1 = rng.normal(scale=0.5, size=(4, 6))
    b1 = rng.normal(scale=0.1, size=6)
    w2 = rng.normal(scale=0.5, size=(6, 3))
    b2 = rng.normal(scale=0.1, size=3)
    return x, y, [w1, b1, w2, b2]


def _numpy_grads(x: np.ndarray, y: np.ndarray, w1, b1, w2, b2) -> list[np.ndarray]:
    """Forward/backward of mean softmax cross-entropy for x (n, 4) -> tanh (n, 6) -> (n, 3)."""
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - z.max(axis=1, keepdims=True)
    prob = np.exp(z)
    prob /= prob.sum(axis=1, keepdims=True)
    dz = prob.copy()
    dz[np.arange(len(y)), y] -= 1.0
    dz /= len(y)
    dw2 = h.T @ dz
    db2 = dz.sum(axis=0)
    dh = (dz @ w2.T) * (1.0 - h * h)
    return [x.T @ dh, dh.sum(axis=0), dw2, db2]


PARITY = [
    ("sgd", {"learning_rate": 0.1}, "SGD", {"lr": 0.1}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}, "SGD", {"lr": 0.1, "momentum": 0.9}),
    (
        "sgd",
        {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    ),
    ("adagrad", {"learning_rate": 0.1}, "Adagrad", {"lr": 0.1}),
    (
        "adagrad",
        {"learning_rate": 0.1, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
        "Adagrad",
        {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-7},
    ),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.9}, "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-8}),
    (
        "rmsprop",
        {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True},
        "RMSprop",
        {"lr": 0.01, "alpha": 0.8, "momentum": 0.5, "centered": True, "eps": 1e-8},
    ),
    ("adam", {"learning_rate": 0.01}, "Adam", {"lr": 0.01}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}, "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1}, "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name,kwargs,torch_name,torch_kwargs", PARITY, ids=lambda v: str(v))
def test_parity_with_torch_20_steps(name: str, kwargs: dict, torch_name: str, torch_kwargs: dict) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity with torch.optim not checked")
    x, y, init = _mlp_data()

    # engine side: one flat float64 buffer, layer arrays are views into it (as the model does)
    sizes = [a.size for a in init]
    flat = np.concatenate([a.ravel() for a in init])
    offsets = np.cumsum([0, *sizes])
    views = [flat[offsets[i] : offsets[i + 1]].reshape(a.shape) for i, a in enumerate(init)]
    flat_grad = np.empty_like(flat)
    opt = optimizers.get(name, **kwargs)

    tparams = [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True) for a in init]
    topt = getattr(torch.optim, torch_name)(tparams, **torch_kwargs)
    tx = torch.tensor(x)
    ty = torch.tensor(y)

    for step in range(20):
        if step == 10:  # a learning-rate change between steps (as the GUI does) must match too
            opt.learning_rate = opt.learning_rate * 0.5
            for group in topt.param_groups:
                group["lr"] = group["lr"] * 0.5
        for i, g in enumerate(_numpy_grads(x, y, *views)):
            flat_grad[offsets[i] : offsets[i + 1]] = g.ravel()
        opt.apply_gradients([flat], [flat_grad])

        topt.zero_grad()
        h = torch.tanh(tx @ tparams[0] + tparams[1])
        loss = torch.nn.functional.cross_entropy(h @ tparams[2] + tparams[3], ty)
        loss.backward()
        topt.step()

    for mine, theirs in zip(views, tparams, strict=True):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-6)
    # and the trajectory really moved
    assert np.max(np.abs(flat - np.concatenate([a.ravel() for a in init]))) > 1e-3
    assert opt.iterations == 20
