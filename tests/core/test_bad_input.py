"""Every documented bad input gets a clear message naming the value and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from core import Sequential
from core.layers import Dense, Dropout, Normalization
from core.optimizers import SGD, Adam


def _model(out: int = 3, act: str = "softmax") -> Sequential:
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(out, activation=act)])
    model.build(seed=0)
    return model


X = np.zeros((6, 2), dtype=np.float32)
Y = np.array([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True, None])
def test_dense_units_must_be_positive_int(units) -> None:
    with pytest.raises(ValueError, match=r"Dense units must be a positive integer\. Received: units="):
        Dense(units)


def test_unknown_names_list_valid_ones() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown activation: 'relux'\. Valid names: linear, sigmoid, tanh, relu"
    ):
        Dense(3, activation="relux")
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'\. Valid names: zeros, ones"):
        Dense(3, kernel_initializer="glorot")
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'"):
        Dense(3, kernel_regularizer="l3")
    model = _model()
    with pytest.raises(ValueError, match=r"Unknown loss: 'crossentropy'\. Valid names: mse, mae, huber"):
        model.compile("adam", "crossentropy")
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamax'\. Valid names: sgd"):
        model.compile("adamax", "mse")
    with pytest.raises(ValueError, match=r"Unknown metric: 'f2'"):
        model.compile("adam", "mse", metrics=["f2"])


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_learning_rate_must_be_positive_and_finite(lr: float) -> None:
    with pytest.raises(
        ValueError, match=r"learning_rate must be a positive finite number\. Received: learning_rate="
    ):
        Adam(learning_rate=lr)
    model = _model()
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        model.compile({"name": "sgd", "learning_rate": lr}, "mse")
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        model.optimizer.learning_rate = lr  # what the GUI does live


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, float("nan"), "0.5"])
def test_dropout_rate_range(rate) -> None:
    with pytest.raises(ValueError, match=r"Dropout rate must be (in|a number in) \[0, 1\)\. Received: rate="):
        Dropout(rate)


def test_row_counts_must_match() -> None:
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="x and y have different numbers of rows: 6 and 5"):
        model.fit(X, Y[:5])
    with pytest.raises(
        ValueError, match="validation x and validation y have different numbers of rows: 6 and 2"
    ):
        model.fit(X, Y, validation_data=(X, Y[:2]))


def test_feature_count_must_match_model_input() -> None:
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x has 3 features but the model expects 2 inputs \(input_dim=2\)"):
        model.fit(np.zeros((6, 3)), Y)
    with pytest.raises(ValueError, match="x has 5 features but the model expects 2 inputs"):
        model.predict(np.zeros((1, 5)))
    with pytest.raises(
        ValueError, match=r"x must be a 2-D array \(samples, features\)\. Received shape \(2,\)"
    ):
        model.predict(np.zeros(2))
    with pytest.raises(ValueError, match="x must be numeric"):
        model.predict(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="x has no rows"):
        model.predict(np.zeros((0, 2)))


def test_targets_must_fit_loss_and_output_layer() -> None:
    model = _model(3)
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"one-hot targets of shape \(n, 3\)\. Received targets of shape \(6,\)"
    ):
        model.fit(X, Y)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"class labels in \[0, 3\) for the 3-unit output layer\. Received label 7"
    ):
        model.fit(X, np.array([0, 1, 7, 0, 1, 2]))
    with pytest.raises(ValueError, match=r"integer class labels of shape \(n,\)"):
        model.fit(X, np.eye(3)[Y])
    model.compile("adam", "mse")
    with pytest.raises(
        ValueError, match=r"mse expects targets of shape \(n, 3\).*Received targets of shape \(6, 2\)"
    ):
        model.fit(X, np.zeros((6, 2)))
    binary = _model(1, "sigmoid")
    binary.compile("adam", "binary_crossentropy")
    with pytest.raises(
        ValueError, match=r"binary_crossentropy expects targets between 0 and 1\. Received values in"
    ):
        binary.fit(X, Y[:, None].astype(float))
    binary.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="needs one output unit per class"):
        binary.fit(X, Y)


def test_nan_or_inf_in_data() -> None:
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    xbad = X.copy()
    xbad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or infinite values \(first at row 4\)"):
        model.fit(xbad, Y)
    xbad[4, 1] = np.inf
    with pytest.raises(ValueError, match="x contains NaN or infinite values"):
        model.predict(xbad)
    reg = _model(1, "linear")
    reg.compile("adam", "mse")
    ybad = np.zeros((6, 1))
    ybad[2] = np.inf
    with pytest.raises(ValueError, match=r"Targets y contain NaN or infinite values \(row 2\)"):
        reg.fit(X, ybad)
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.fit(X, np.array([0, 1, np.nan, 0, 1, 2]))


def test_set_weights_with_wrong_shapes() -> None:
    model = _model()
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"set_weights expected 4 arrays with shapes .*Received 3 arrays"):
        model.set_weights(weights[:3])
    bad = list(weights)
    bad[2] = np.zeros((3, 4))
    with pytest.raises(
        ValueError, match=r"layer 'dense_2' expected 2 arrays with shapes \[\(4, 3\), \(3,\)\]"
    ):
        model.set_weights(bad)
    bad[2] = np.full((4, 3), np.nan)
    with pytest.raises(ValueError, match="Weight 'kernel' of layer 'dense_2' contains NaN"):
        model.set_weights(bad)
    # nothing was changed by the failed calls
    for a, b in zip(model.get_weights(), weights, strict=True):
        assert np.array_equal(a, b)


def test_fit_evaluate_before_compile() -> None:
    model = _model()
    with pytest.raises(RuntimeError, match=r"must be compiled before fit\(\): call model.compile"):
        model.fit(X, Y)
    with pytest.raises(RuntimeError, match=r"must be compiled before evaluate\(\)"):
        model.evaluate(X, Y)
    assert model.predict(X).shape == (6, 3)  # predict works uncompiled


def test_step_activation_cannot_be_trained() -> None:
    model = Sequential([Dense(2, activation="step", input_dim=2), Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    assert model.predict(X).shape == (6, 1)  # forward works
    with pytest.raises(
        ValueError, match=r"Layer 'dense_1' uses the 'step' activation, which has no gradient"
    ):
        model.fit(X, np.zeros((6, 1)))


def test_other_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"dtype must be 'float32' or 'float64'\. Received: dtype='float16'"):
        Sequential([Dense(1)], dtype="float16")
    with pytest.raises(ValueError, match="Normalization variance must be >= 0"):
        Normalization(0.0, -1.0)
    with pytest.raises(ValueError, match="Normalization mean and variance sizes differ: 2 and 3"):
        Normalization([0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="Sequential accepts layers"):
        Sequential(["dense"])
    with pytest.raises(ValueError, match="number of inputs is unknown"):
        Sequential([Dense(2)]).build()
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"validation_data must be a tuple \(x_val, y_val\)"):
        model.fit(X, Y, validation_data=X)
    with pytest.raises(ValueError, match="batch_size must be a positive integer. Received: batch_size=0"):
        model.fit(X, Y, batch_size=0)
    with pytest.raises(
        ValueError, match="Layer 'dense_1' was declared with input_dim=2 but receives 3 features"
    ):
        Sequential([Dense(2, input_dim=2)]).build(3)
