"""Sequential: flat buffers, build/rebuild, weights, dtype, predict/evaluate, summary, config."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import Sequential, activations
from core.layers import Activation, Dense, Dropout, Layer, Normalization, PReLU
from core.optimizers import SGD, Adam


def _model(dtype: str = "float32") -> Sequential:
    return Sequential(
        [
            Normalization([1.0, 2.0], [4.0, 9.0]),
            Dense(8, activation="tanh", input_dim=2),
            Dropout(0.2),
            PReLU(),
            Dense(3, activation="softmax"),
        ],
        dtype=dtype,
    )


def test_all_parameters_are_views_of_one_flat_buffer() -> None:
    model = _model()
    model.build(seed=0)
    flat, grads = model.flat_params, model.flat_grads
    assert flat.dtype == np.float32 and flat.flags.c_contiguous and flat.ctypes.data % 64 == 0
    n = 0
    for layer in model.layers:
        for key, value in layer.params.items():
            assert value.base is not None and np.shares_memory(value, flat), (layer.name, key)
            assert np.shares_memory(layer.grads[key], grads)
            n += value.size
    assert n == model.count_params() == 2 * 8 + 8 + 8 + 8 * 3 + 3
    model.layers[1].kernel[0, 0] = 123.0
    assert 123.0 in flat


def test_set_weights_and_rebuild_keep_views_valid() -> None:
    model = _model()
    model.build(seed=0)
    kernel_view = model.layers[1].kernel
    flat = model.flat_params
    weights = model.get_weights()
    new = [w + 1.0 for w in weights]
    model.set_weights(new)
    assert model.layers[1].kernel is kernel_view
    assert np.allclose(kernel_view, weights[2] + 1.0)
    model.build(seed=1)  # same structure: re-initialized in place
    assert model.flat_params is flat and model.layers[1].kernel is kernel_view
    model2 = _model()
    model2.build(seed=1)
    assert np.array_equal(model.flat_params, model2.flat_params)  # trainable weights re-initialized
    assert model.get_weights()[0].tolist() == [2.0, 3.0]  # fixed statistics keep what set_weights gave


def test_build_is_reproducible_and_seed_dependent() -> None:
    a, b, c = _model(), _model(), _model()
    a.build(seed=3)
    b.build(seed=3)
    c.build(seed=4)
    assert np.array_equal(a.flat_params, b.flat_params)
    assert not np.array_equal(a.flat_params, c.flat_params)


def test_float32_weights_are_rounded_float64_weights() -> None:
    a, b = _model("float32"), _model("float64")
    a.build(seed=0)
    b.build(seed=0)
    assert b.flat_params.dtype == np.float64
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.dtype == np.float32 and wb.dtype == np.float64
        assert np.array_equal(wa, wb.astype(np.float32))


def test_predict_shapes_dtype_and_uint8_input() -> None:
    model = Sequential([Normalization(0.0, 255.0**2), Dense(4, activation="relu", input_dim=3), Dense(2)])
    x8 = np.array([[0, 128, 255], [10, 20, 30]], dtype=np.uint8)
    out = model.predict(x8)  # builds on first use, works before compile
    assert model.built and out.shape == (2, 2) and out.dtype == np.float32
    assert np.allclose(out, model.predict(x8.astype(np.float64) / 1.0))
    assert np.allclose(model.predict(x8, batch_size=1), out)


def test_predict_between_steps_does_not_disturb_training() -> None:
    x = np.random.default_rng(0).normal(size=(16, 2))
    y = np.random.default_rng(1).integers(0, 3, size=16)
    model = Sequential(
        [Dense(8, activation="tanh", input_dim=2), Dense(3, activation="softmax")], dtype="float64"
    )
    model.build(seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    step = model.make_step()
    xs, ys = model.prepare_xy(x, y)
    step.gradients(xs, ys)
    ref = model.flat_grads.copy()
    a = step.gradients(xs, ys)
    model.predict(np.ones((5, 2)))
    model.evaluate(x, y)
    b = step.gradients(xs, ys)
    assert a == b and np.array_equal(ref, model.flat_grads)


def test_evaluate_matches_manual_numbers() -> None:
    x = np.random.default_rng(0).normal(size=(10, 2))
    y = np.random.default_rng(1).integers(0, 3, size=10)
    model = Sequential([Dense(3, activation="softmax", input_dim=2)], dtype="float64")
    model.compile(Adam(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.build(seed=0)
    logs = model.evaluate(x, y)
    p = model.predict(x)
    assert logs["loss"] == pytest.approx(-np.mean(np.log(p[np.arange(10), y])))
    assert logs["accuracy"] == pytest.approx(np.mean(p.argmax(1) == y))


def test_summary_table() -> None:
    model = _model()
    text = model.summary()  # unbuilt: shapes still known from declared dims
    assert "dense_1 (Dense)" in text and "(None, 8)" in text
    model.build(seed=0)
    text = model.summary()
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert any(
        "normalization_1 (Normalization)" in ln and "(None, 2)" in ln and "0 (+4 fixed)" in ln for ln in lines
    )
    assert any("dense_2 (Dense)" in ln and "(None, 3)" in ln and "27" in ln for ln in lines)
    assert "Trainable params: 59" in text
    assert "Non-trainable params: 4" in text
    assert "Total params: 63" in text


def test_layer_names_are_unique_and_stable() -> None:
    model = _model()
    assert [la.name for la in model.layers] == [
        "normalization_1",
        "dense_1",
        "dropout_1",
        "prelu_1",
        "dense_2",
    ]
    with pytest.raises(ValueError, match="Duplicate layer name 'dense_1'"):
        model.add(Dense(2, name="dense_1"))
    with pytest.raises(ValueError, match="already in the model"):
        model.add(model.layers[0])


def test_config_round_trip_json() -> None:
    model = _model("float64")
    model.build(seed=0)
    cfg = json.loads(json.dumps(model.get_config()))
    assert cfg["dtype"] == "float64" and cfg["input_dim"] == 2
    assert [c["class_name"] for c in cfg["layers"]] == ["Normalization", "Dense", "Dropout", "PReLU", "Dense"]
    clone = Sequential.from_config(cfg)
    assert clone.get_config() == model.get_config()
    clone.build(seed=0)
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 2))
    assert np.array_equal(clone.predict(x), model.predict(x))


def test_set_weights_builds_unbuilt_model() -> None:
    src = Sequential([Dense(3, activation="relu"), Dense(1)])
    src.build(5, seed=0)
    dst = Sequential([Dense(3, activation="relu"), Dense(1)])
    dst.set_weights(src.get_weights())
    assert dst.built and dst.input_dim == 5
    x = np.ones((2, 5))
    assert np.array_equal(dst.predict(x), src.predict(x))


def test_properties() -> None:
    model = Sequential([Dense(4, input_dim=3), Activation("relu"), Dense(2)])
    assert model.input_dim == 3 and model.output_dim == 2 and model.built  # input known: built (Keras)
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    unknown = Sequential([Dense(4), Dense(2)])
    assert not unknown.built and unknown.input_dim is None
    unknown.build(3)
    assert unknown.built and unknown.count_params() == model.count_params()
    assert model.layers[0].activation.name == "linear"
    assert "Sequential" in repr(model)


def test_rebuild_resets_optimizer_state() -> None:
    x = np.random.default_rng(0).normal(size=(8, 2))
    y = np.random.default_rng(1).integers(0, 3, size=8)
    model = _model()
    model.compile(Adam(), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=4, seed=0)
    assert model.optimizer.iterations == 2
    model.build(seed=0)
    assert model.optimizer.iterations == 0 and model.optimizer.state_arrays() == {}


def test_model_with_input_dim_is_built_at_construction_as_in_keras() -> None:
    """Issue 14.3: set_weights right after construction, then fit keeps those weights as the start."""
    model = Sequential([Dense(3, activation="sigmoid", input_dim=2), Dense(1, activation="sigmoid")])
    assert model.built
    kernel = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], dtype=np.float32)
    model.layers[0].set_weights([kernel, np.zeros(3, dtype=np.float32)])
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel)
    x = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    hidden = 1.0 / (1.0 + np.exp(-(x @ kernel)))
    out = hidden @ model.layers[1].get_weights()[0] + model.layers[1].get_weights()[1]
    np.testing.assert_allclose(model.predict(x), 1.0 / (1.0 + np.exp(-out)), rtol=1e-6)
    # fit starts from the weights the user set (one SGD step moves them only a little) ...
    model.compile(optimizer=SGD(learning_rate=1e-3), loss="mse")
    model.fit(x, np.array([[0.0], [1.0]]), epochs=1, batch_size=2, seed=0)
    assert np.abs(model.layers[0].get_weights()[0] - kernel).max() < 1e-3
    # ... while an untouched model is still initialized from fit's seed, so runs stay reproducible
    runs = []
    for seed in (7, 7, 8):
        m = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1)])
        m.compile(optimizer="sgd", loss="mse")
        m.fit(x, np.array([[0.0], [1.0]]), epochs=2, batch_size=1, seed=seed)
        runs.append(m.layers[0].get_weights()[0])
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])  # the seed initializes (not only shuffles)


class _Pairs(Layer):
    """A layer class the model knows nothing about: it sets its own width (the sums of neighbouring input
    pairs), holds fixed weights and adds a fixed penalty to the loss. The model and its summary ask the
    class instead of treating it as a same-width, weightless, unpenalized layer."""

    prefix = "pairs"

    def compute_output_dim(self, input_dim: int | None) -> int:
        return 2

    @classmethod
    def fixed_for(cls, fan_in: int | None) -> int:
        return 7

    @property
    def regularized(self) -> bool:
        return True

    def regularization_loss(self) -> float:
        return 0.25

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x[:, 0::2] + x[:, 1::2]

    def backward(self, g: np.ndarray) -> np.ndarray:
        return np.repeat(g, 2, axis=1)


def test_the_model_asks_each_layer_class_for_its_width_weights_and_penalty() -> None:
    model = Sequential([Dense(4, kernel_initializer="ones"), _Pairs(), Dense(1, kernel_initializer="ones")],
                       dtype="float64")
    assert model.input_dim is None and model.output_dim == 1
    model.layers.pop()
    assert model.output_dim == 2  # unbuilt: the width _Pairs sets, not its input's 4
    model.add(Dense(1, kernel_initializer="ones"))
    lines = model.summary().splitlines()  # unbuilt, input width unknown
    assert any("pairs_1 (_Pairs)" in ln and "(None, 2)" in ln and "0 (+7 fixed)" in ln for ln in lines)
    assert any("dense_2 (Dense)" in ln and "(None, 1)" in ln and ln.rstrip().endswith("3") for ln in lines)
    model.compile(optimizer="sgd", loss="mse")
    model.build(3, seed=0)
    assert model.regularization_loss() == 0.25
    x, y = np.array([[1.0, 2.0, 3.0]]), np.array([[1.0]])
    # ones everywhere: each of the 4 units is 6, pairs of them 12, the output 24; (24 - 1)^2 + the penalty
    assert model.evaluate(x, y)["loss"] == pytest.approx(23.0**2 + 0.25)
    assert model.compute_gradients(x, y) == pytest.approx(23.0**2 + 0.25)  # the training step's loss


def test_unbuilt_summary_of_an_input_layer_with_features() -> None:
    """The input layer's width is its feature count (x1, x2, x1*x2: 3), so the next Dense has 3·4 + 4
    parameters; the model's input is not taken from a declared dim after it."""
    model = Sequential([Normalization(features=[["identity", 0], ["identity", 1], ["product", 0, 1]]),
                        Dense(4, input_dim=3), Dense(1)])
    lines = model.summary().splitlines()
    assert any("normalization_1 (Normalization)" in ln and "(None, 3)" in ln for ln in lines)
    assert any("dense_1 (Dense)" in ln and "(None, 4)" in ln and ln.rstrip().endswith("16") for ln in lines)
    assert model.input_dim is None
    model.build(2, seed=0)
    assert model.input_dim == 2 and model.layers[1].input_dim == 3


class _SoftmaxOfDouble(Layer):
    """softmax(2·x): a layer class with its own activation, which a cross-entropy loss fuses with."""

    prefix = "double_softmax"

    def __init__(self) -> None:
        super().__init__()
        self._softmax = activations.get("softmax")
        self.fused = False

    @property
    def fusable_activation(self) -> activations.Activation:
        return self._softmax

    def _set_fused(self, fused: bool) -> None:
        self.fused = fused

    def logits(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * x

    def _train_logits(self) -> np.ndarray:
        return self._z

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        z = 2.0 * x
        if training:
            self._z = z
        return self._softmax.forward(z, np.empty_like(z))

    def backward(self, g: np.ndarray) -> np.ndarray:
        assert self.fused  # receives dL/dz
        return 2.0 * g


def test_a_layer_class_with_its_own_output_activation_is_fused_with_the_loss() -> None:
    model = Sequential([Dense(3, input_dim=2, use_bias=False), _SoftmaxOfDouble()], dtype="float64")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build(seed=1)
    assert model.output_fused()
    x, y = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([2, 0])
    z = 2.0 * x @ model.layers[0].kernel
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    want = -np.mean(np.log(p[np.arange(2), y]))
    assert model.evaluate(x, y)["loss"] == pytest.approx(want, rel=1e-12)
    assert model.compute_gradients(x, y) == pytest.approx(want, rel=1e-12)
    onehot = np.eye(3)[y]
    assert model.layers[0].grads["kernel"] == pytest.approx(x.T @ (2.0 * (p - onehot) / 2), rel=1e-10)
