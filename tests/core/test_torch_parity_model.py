"""PyTorch parity (float64): forward, loss, gradients and training steps of small MLPs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: `pip install torch==2.13.0` to run parity tests"
)

from core import Sequential  # noqa: E402
from core.layers import Dense, Dropout, Normalization, PReLU  # noqa: E402
from core.optimizers import SGD, Adam  # noqa: E402

ACTS = {
    "linear": lambda t: t,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    "elu": torch.nn.functional.elu,
    "gelu": lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
    "swish": torch.nn.functional.silu,
    "softplus": torch.nn.functional.softplus,
}


def _torch_forward(model: Sequential, params: list, x: torch.Tensor) -> torch.Tensor:
    """Run the engine model's layers with torch ops on the given torch parameter tensors."""
    it = iter(params)
    a = x
    for layer in model.layers:
        if isinstance(layer, Normalization):
            mean, var = (torch.from_numpy(w) for w in layer.get_weights())
            a = (a - mean) / torch.sqrt(torch.where(var > 0, var, torch.ones_like(var)))
        elif isinstance(layer, Dense):
            a = a @ next(it)
            if layer.use_bias:
                a = a + next(it)
            name = layer.activation.name
            if name == "softmax":
                a = torch.softmax(a, dim=1)
            else:
                a = ACTS[name](a)
        elif isinstance(layer, PReLU):
            alpha = next(it)
            a = torch.where(a > 0, a, alpha * a)
        elif isinstance(layer, Dropout):
            pass
    return a


def _torch_params(model: Sequential) -> list:
    return [
        torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for la in model.layers
        for v in la.params.values()
    ]


@pytest.mark.parametrize("hidden", list(ACTS))
def test_forward_and_gradients_match_torch(hidden: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3))
    y = rng.integers(0, 4, size=7)
    model = Sequential(
        [
            Normalization([0.1, 0.2, 0.3], [1.5, 0.5, 2.0]),
            Dense(5, activation=hidden, input_dim=3),
            PReLU(alpha_initializer=0.2),
            Dense(6, activation=hidden, kernel_regularizer={"name": "l1_l2", "l1": 0.01, "l2": 0.02}),
            Dense(4, activation="softmax"),
        ],
        dtype="float64",
    )
    model.build(seed=1)
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.compute_gradients(x, y)

    params = _torch_params(model)
    probs = _torch_forward(model, params, torch.from_numpy(x))
    kernel = params[3]
    t_loss = torch.nn.functional.nll_loss(torch.log(probs), torch.from_numpy(y))
    t_loss = t_loss + 0.01 * kernel.abs().sum() + 0.02 * (kernel**2).sum()
    t_loss.backward()
    assert np.allclose(model.predict(x), probs.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(t_loss.item(), rel=1e-10)
    grads = [g for la in model.layers for g in la.grads.values()]
    for g, p in zip(grads, params, strict=True):
        assert np.allclose(g, p.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize(
    ("loss", "out_act", "k"),
    [
        ("mse", "linear", 2),
        ("mae", "linear", 2),
        ("huber", "linear", 2),
        ("binary_crossentropy", "sigmoid", 1),
        ("categorical_crossentropy", "softmax", 3),
    ],
)
def test_losses_match_torch(loss: str, out_act: str, k: int) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 2))
    if loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=(8, 1)).astype(float)
    elif loss == "categorical_crossentropy":
        y = np.eye(3)[rng.integers(0, 3, size=8)]
    else:
        y = rng.normal(size=(8, k)) * 2
    model = Sequential(
        [Dense(4, activation="tanh", input_dim=2), Dense(k, activation=out_act)], dtype="float64"
    )
    model.build(seed=2)
    model.compile("sgd", loss)
    value = model.compute_gradients(x, y)
    params = _torch_params(model)
    out = _torch_forward(model, params, torch.from_numpy(x))
    yt = torch.from_numpy(y)
    f = torch.nn.functional
    t_loss = {
        "mse": lambda: f.mse_loss(out, yt),
        "mae": lambda: f.l1_loss(out, yt),
        "huber": lambda: f.huber_loss(out, yt, delta=1.0),
        "binary_crossentropy": lambda: f.binary_cross_entropy(out, yt),
        "categorical_crossentropy": lambda: -(yt * torch.log(out)).sum(dim=1).mean(),
    }[loss]()
    t_loss.backward()
    assert value == pytest.approx(t_loss.item(), rel=1e-10)
    grads = [g for la in model.layers for g in la.grads.values()]
    for g, p in zip(grads, params, strict=True):
        assert np.allclose(g, p.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("opt", ["sgd_momentum", "adam"])
def test_training_steps_match_torch(opt: str) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 2))
    y = rng.integers(0, 3, size=40)
    model = Sequential(
        [
            Dense(8, activation="tanh", input_dim=2),
            Dense(8, activation="relu"),
            Dense(3, activation="softmax"),
        ],
        dtype="float64",
    )
    model.build(seed=5)
    model.compile(
        SGD(0.1, momentum=0.9) if opt == "sgd_momentum" else Adam(0.01), "sparse_categorical_crossentropy"
    )
    params = _torch_params(model)
    t_opt = (
        torch.optim.SGD(params, lr=0.1, momentum=0.9)
        if opt == "sgd_momentum"
        else torch.optim.Adam(params, lr=0.01)
    )
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    # 2 epochs, no shuffling, batches of 10: 8 steps on both sides
    model.fit(x, y, epochs=2, batch_size=10, shuffle=False)
    for _ in range(2):
        for s in range(0, 40, 10):
            t_opt.zero_grad()
            logits_probs = _torch_forward(model, params, xt[s : s + 10])
            torch.nn.functional.nll_loss(torch.log(logits_probs), yt[s : s + 10]).backward()
            t_opt.step()
    ours = [v for la in model.layers for v in la.params.values()]
    for a, p in zip(ours, params, strict=True):
        assert np.allclose(a, p.detach().numpy(), rtol=1e-7, atol=1e-9)
