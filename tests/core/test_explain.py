"""core.explain: the forward pass with numbers, against hand-computed values and finite differences."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core import Sequential
from core.explain import class_index, explain, target_row
from core.explain_text import format_explanation, num
from core.layers import Dense, Layer, Normalization


def _mazur() -> Sequential:
    """The textbook 2-2-2 sigmoid network of Matt Mazur's "A Step by Step Backpropagation Example"."""
    m = Sequential([Dense(2, activation="sigmoid", input_dim=2), Dense(2, activation="sigmoid")],
                   dtype="float64")
    m.compile(optimizer="sgd", loss="mse")
    m.build(2)
    m.set_weights([np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35]),
                   np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60])])
    return m


def test_textbook_two_sigmoid_neurons_forward_and_backward() -> None:
    exp = explain(_mazur(), [0.05, 0.10], np.array([0.01, 0.99]))
    hidden, out = exp.layers
    # the published worked values (net_h1, out_h1, out_h2, out_o1, out_o2, E_total)
    assert hidden.z[0] == pytest.approx(0.3775, abs=1e-12)
    assert hidden.a == pytest.approx([0.593269992, 0.596884378], abs=1e-9)
    assert out.a == pytest.approx([0.75136507, 0.772928465], abs=1e-8)
    # MSE averages over the two outputs: mean((t - o)^2) = sum(1/2 (t - o)^2), the article's E_total
    assert exp.loss == pytest.approx(0.298371109, abs=1e-9)
    # dE/dw5 (hidden 1 -> output 1) and dE/dw1 (input 1 -> hidden 1) as published
    assert out.dkernel[0, 0] == pytest.approx(0.082167041, abs=1e-9)
    assert hidden.dkernel[0, 0] == pytest.approx(0.000438568, abs=1e-9)
    # the updated weights of the article with learning rate 0.5
    assert 0.40 - 0.5 * out.dkernel[0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert 0.15 - 0.5 * hidden.dkernel[0, 0] == pytest.approx(0.149780716, abs=1e-9)


def _two_three_one() -> tuple[Sequential, list[np.ndarray]]:
    w1 = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]])
    b1 = np.array([0.1, 0.0, -0.2])
    w2 = np.array([[1.0], [-2.0], [0.5]])
    b2 = np.array([0.3])
    m = Sequential([Normalization(mean=[1.0, 0.0], variance=[4.0, 1.0]), Dense(3, activation="tanh"),
                    Dense(1, activation="sigmoid")], dtype="float64")
    m.compile(optimizer="sgd", loss="binary_crossentropy")
    m.build(2)
    m.set_weights([np.array([1.0, 0.0]), np.array([4.0, 1.0]), w1, b1, w2, b2])
    return m, [w1, b1, w2, b2]


def test_two_three_one_network_by_hand() -> None:
    m, (w1, b1, w2, b2) = _two_three_one()
    exp = explain(m, [3.0, -0.5], np.array([1.0]))
    # by hand: the input layer scales (3 - 1) / 2 = 1 and (-0.5 - 0) / 1 = -0.5
    s = [1.0, -0.5]
    assert exp.layers[0].a == pytest.approx(s)
    z1 = [s[0] * w1[0, j] + s[1] * w1[1, j] + b1[j] for j in range(3)]  # -0.15, -1.25, 0.425
    assert z1 == pytest.approx([-0.15, -1.25, 0.425])
    h = [math.tanh(v) for v in z1]
    z2 = h[0] * 1.0 + h[1] * -2.0 + h[2] * 0.5 + 0.3
    p = 1.0 / (1.0 + math.exp(-z2))
    assert exp.layers[1].z == pytest.approx(z1, abs=1e-12)
    assert exp.layers[1].a == pytest.approx(h, abs=1e-12)
    assert exp.layers[2].z[0] == pytest.approx(z2, abs=1e-12)
    assert exp.output[0] == pytest.approx(p, abs=1e-12)
    assert exp.loss == pytest.approx(-math.log(p), rel=1e-9)
    # backward by hand: sigmoid + cross-entropy gives dL/dz2 = p - t
    dz2 = p - 1.0
    assert exp.layers[2].dz[0] == pytest.approx(dz2, abs=1e-12)
    assert exp.layers[2].dkernel[:, 0] == pytest.approx([hj * dz2 for hj in h], abs=1e-12)
    dz1 = [w2[j, 0] * dz2 * (1.0 - h[j] ** 2) for j in range(3)]
    assert exp.layers[1].dz == pytest.approx(dz1, abs=1e-12)
    assert exp.layers[1].dkernel == pytest.approx(np.outer(s, dz1), abs=1e-12)
    assert exp.layers[1].dbias == pytest.approx(dz1, abs=1e-12)


def _numeric_gradient(m: Sequential, x: list[float], y: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    flat = m.flat_params
    out = np.zeros_like(flat)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + eps
        up = explain(m, x, y).loss
        flat[k] = keep - eps
        down = explain(m, x, y).loss
        flat[k] = keep
        out[k] = (up - down) / (2 * eps)
    return out


def _target_scaled() -> Sequential:
    """A 2-3-1 regression network ending in ``data.target_scaling``'s fixed layer (targets 1000 ± 120)."""
    from core import losses
    from core.target_scaling import StandardizedLoss, inverse_layer

    mean, std = np.array([1000.0]), np.array([120.0])
    m = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1), inverse_layer(mean, std)],
                   dtype="float64")
    m.compile(optimizer="sgd", loss=StandardizedLoss(losses.get("mse"), mean, std))
    m.build(2, seed=3)
    return m


@pytest.mark.parametrize("build", [_mazur, lambda: _two_three_one()[0], _target_scaled])
def test_backward_matches_central_differences_and_the_engine(build) -> None:
    m = build()
    x, y = ([0.05, 0.10], np.array([0.01, 0.99])) if m.output_dim == 2 else ([3.0, -0.5], np.array([1.0]))
    if build is _target_scaled:
        y = np.array([1100.0])
    exp = explain(m, x, y)
    analytic = np.zeros_like(m.flat_params)
    views = m._views_p
    for i, t in enumerate(exp.layers):
        if t.dkernel is not None:
            start = views[i]["kernel"].ctypes.data - m.flat_params.ctypes.data
            analytic[start // 8: start // 8 + t.dkernel.size] = t.dkernel.ravel()
            start = views[i]["bias"].ctypes.data - m.flat_params.ctypes.data
            analytic[start // 8: start // 8 + t.dbias.size] = t.dbias
    numeric = _numeric_gradient(m, x, y)
    assert np.abs(analytic - numeric).max() < 1e-8
    # the training engine's own gradients agree too
    engine_loss = m.compute_gradients(np.array([x]), y[None, :] if m.output_dim == 2 else y)
    assert engine_loss == pytest.approx(exp.loss, rel=1e-10)
    assert np.abs(m.flat_grads - analytic).max() < 1e-10


def test_formatter_writes_the_issue_example() -> None:
    m = Sequential([Dense(1, activation="sigmoid", input_dim=2)], dtype="float64")
    m.build(2)
    m.set_weights([np.array([[0.9], [0.3]]), np.array([0.0])])
    text = format_explanation(explain(m, [1.0, 0.5], input_names=["x1", "x2"]))
    assert "z = 0.9·1 + 0.3·0.5 + 0 = 1.05" in text
    assert "a = sigmoid(1.05) = 0.7408" in text
    assert "inputs: x1 = 1, x2 = 0.5" in text and "output: [0.7408]" in text
    assert num(-0.0) == "0" and num(0.74077) == "0.7408"


def test_formatter_shows_scaling_negatives_and_backward() -> None:
    m, _ = _two_three_one()
    text = format_explanation(explain(m, [3.0, -0.5], np.array([1.0]), input_names=["a", "b"]))
    assert "a: 3 → (3 - 1) / 2 = 1" in text
    assert "#1: z = 0.5·1 + 1.5·(-0.5) + 0.1 = -0.15" in text
    assert "#2: z = -1·1 + 0.5·(-0.5) + 0 = -1.25" in text
    assert "#3: z = 0.25·1 - 0.75·(-0.5) - 0.2 = 0.425" in text
    assert "∂L/∂z = ∂L/∂a · tanh'(z)" in text and "(output minus target" in text
    assert "loss (binary_crossentropy, target [1]) = " in text


def test_formatter_names_layers_as_the_caller_says() -> None:
    m, _ = _two_three_one()
    exp = explain(m, [3.0, -0.5], np.array([1.0]), input_names=["a", "b"])
    engine = [t.name for t in exp.layers]
    text = format_explanation(exp, layer_names={0: "input", 2: "output"})
    heads = [line for line in text.splitlines() if not line.startswith((" ", "inputs", "output: [", "loss"))]
    assert [h.split(" ")[0].rstrip(":") for h in heads] == ["input", engine[1], "output", engine[1], "output"]
    assert engine[2] not in text  # the last Dense: named "output" in its head and its gradient line
    plain = format_explanation(exp)
    assert f"{engine[2]} (Dense, 1 unit, sigmoid)" in plain and "\noutput (" not in plain


def test_long_sums_are_elided() -> None:
    m = Sequential([Dense(1, activation="relu", input_dim=20)], dtype="float64")
    m.build(20)
    m.set_weights([np.full((20, 1), 0.5), np.array([1.0])])
    text = format_explanation(explain(m, np.ones(20)), max_terms=4)
    assert "+ … (17 more terms, together 8.5) + 1 = 11" in text


def test_target_rows_and_errors() -> None:
    assert target_row("Dream", task="multiclass", loss_name="categorical_crossentropy", units=3,
                      class_names=["Adelie", "Dream", "Gentoo"]).tolist() == [0, 1, 0]
    assert target_row("1", task="binary", loss_name="binary_crossentropy", units=1).tolist() == [1.0]
    assert target_row("0.5, 2", task="regression", loss_name="mse", units=2).tolist() == [0.5, 2.0]
    with pytest.raises(ValueError, match="expected a class name"):
        target_row("7", task="binary", loss_name="binary_crossentropy", units=1, class_names=["no", "yes"])
    with pytest.raises(ValueError, match="expected 1 comma-separated number"):
        target_row("x", task="regression", loss_name="mse", units=1)
    with pytest.raises(ValueError, match="expected 2 input values"):
        explain(_mazur(), [1.0])
    with pytest.raises(ValueError, match="needs 2 value"):
        explain(_mazur(), [1.0, 2.0], np.array([1.0]))


# ------------------------------------------------------------------ CLI
def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from studio.cli import main

    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_explain_initial_weights(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "assets/examples/xor.json", "--input", "x2=0.5,x1=1.0",
                        "--target", "1")
    assert code == 0
    lines = out.strip().splitlines()
    assert "initial weights" in lines[0]
    doc = json.loads(lines[-1])
    assert doc["weights"] == "initial" and doc["inputs"] == {"x1": 1.0, "x2": 0.5}
    assert [la["kind"] for la in doc["layers"]] == ["Normalization", "Dense", "Dense"]
    assert doc["output"] == doc["layers"][-1]["a"] and 0 < doc["output"][0] < 1
    assert doc["loss"] == pytest.approx(-math.log(doc["output"][0]), rel=1e-6)
    assert len(doc["layers"][1]["dL_dkernel"]) == 2
    assert any(line.strip().startswith("#1: z = ") for line in lines)


def test_cli_explain_trained_weights_match_predict(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.predict import load_trained

    code, _, _ = _run(capsys, "train", "assets/examples/xor.json", "--epochs", "3", "--out", str(tmp_path),
                      "--progress", "none")
    assert code == 0
    project = str(tmp_path / "project.json")
    code, out, _ = _run(capsys, "explain", project, "--input", "0.3,-2")
    assert code == 0 and out.splitlines()[0].endswith("trained weights")
    doc = json.loads(out.strip().splitlines()[-1])
    assert "loss" not in doc
    expected = load_trained(project).model.predict(np.array([[0.3, -2.0]], dtype=np.float32))
    assert doc["output"] == pytest.approx(expected[0].tolist(), abs=1e-6)


@pytest.mark.parametrize(("argv", "message"), [
    (["--input", "x1=1"], "no value for x2"),
    (["--input", "x3=1,x1=1,x2=2"], "unknown column 'x3'"),
    (["--input", "x1=a,x2=1"], "expected numbers"),
    (["--input", "1,2", "--target", "dog"], "expected a class name"),
])
def test_cli_explain_user_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "explain", "assets/examples/xor.json", *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err


def test_cli_explain_categorical_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "assets/examples/penguins.json", "--input",
                        "island=Dream,bill_length_mm=40,bill_depth_mm=18,flipper_length_mm=190,"
                        "body_mass_g=3800,sex=female", "--target", "Adelie")
    assert code == 0, out
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["inputs"]["island=Dream"] == 1.0 and doc["inputs"]["island=Biscoe"] == 0.0
    assert sum(doc["output"]) == pytest.approx(1.0, abs=1e-6) and doc["loss"] > 0


def test_target_scaling_loss_is_the_engines_and_the_text_says_how(tmp_path) -> None:
    """With data.target_scaling the sample's loss is model.evaluate's on that row (standardized values), and
    the written-out pass undoes the scaling in target units instead of calling it an input scaling."""
    from core.project import build_dataset, build_model, load_project
    from tests.core.test_target_scaling import _big_offset_csv, _project

    _big_offset_csv(tmp_path / "big.csv")
    project = load_project(str(_project(tmp_path, "standard")))
    ds = build_dataset(project)
    model = build_model(project, ds)
    y = ds.targets(model.loss.name)[0]
    model.fit(ds.x_train, y, epochs=2, batch_size=16, seed=0)
    for row in (0, 7):
        exp = explain(model, ds.x_train[row], np.asarray(ds.y_train[row], dtype=np.float64).reshape(-1))
        engine = model.evaluate(ds.x_train[row:row + 1], y[row:row + 1])["loss"]
        assert exp.loss == pytest.approx(engine, rel=1e-5)
        assert exp.output[0] == pytest.approx(float(model.predict(ds.x_train[row:row + 1])[0, 0]), rel=1e-5)
    last, output = exp.layers[-1], exp.layers[-2]
    mean, std = float(np.mean(ds.y_train)), float(np.std(ds.y_train))
    assert last.activation == "unscale"
    assert last.mean[0] == pytest.approx(mean) and last.std[0] == pytest.approx(std)
    text = format_explanation(exp)
    assert "target_scaling (Normalization, 1 unit, undoes the target scaling: back to target units)" in text
    assert (f"#1: a = z·std + mean = {'(' + num(output.a[0]) + ')' if output.a[0] < 0 else num(output.a[0])}"
            f"·{num(std)} + {num(mean)} = {num(exp.output[0])}") in text
    target = float(np.ravel(ds.y_train[7])[0])
    assert (f"measured on standardized values: target ({num(target)} - {num(mean)}) / {num(std)} = "
            f"{num((target - mean) / std)}, output {num(output.a[0])}") in text
    assert "scales the inputs" in text.split("dense_1")[0]  # the input layer still scales the inputs


def test_class_index_an_exact_name_wins_else_an_index() -> None:
    """--target with class names that are numbers: a value that is a class name is that class; any other
    integer is an index from 0."""
    numbered = ["1", "2", "3"]
    assert class_index("1", numbered) == 0 and class_index(" 3 ", numbered) == 2  # names
    assert class_index("0", numbered) == 0  # not a name: index 0, which is class "1"
    assert class_index("2", ["0", "1", "2"]) == 2 and class_index("Dream", ["Adelie", "Dream"]) == 1
    assert class_index("1", ["Adelie", "Dream"]) == 1 and class_index("1") == 1  # no names: 0 and 1
    with pytest.raises(ValueError, match=r"expected a class name \(1, 2, 3\) or a class index \(0 to 2\), "
                                         r"got '4'"):
        class_index("4", numbered)
    with pytest.raises(ValueError, match="got '-1'"):
        class_index("-1", numbered)


def test_cli_explain_target_with_numbered_classes(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(60, 2))
    rows = ["a,b,grade"] + [f"{x:.3f},{y:.3f},{1 + k % 3}" for k, (x, y) in enumerate(points)]
    (tmp_path / "grades.csv").write_text("\n".join(rows) + "\n")
    project = tmp_path / "grades.json"
    project.write_text(json.dumps({
        "format": "ffstudio-project", "version": 1,
        "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 4}, {"type": "output"}]},
        "data": {"source": "csv", "path": "grades.csv", "target": "grade", "task": "multiclass"},
        "training": {"epochs": 1}}))
    cases = (("1", 0, "the class name"), ("3", 2, "the class name"), ("0", 0, "a class index"))
    for target, index, how in cases:
        code, out, _ = _run(capsys, "explain", str(project), "--input", "0.1,0.2", "--target", target)
        assert code == 0
        lines = out.strip().splitlines()
        assert lines[1] == f"--target {target}: class '{index + 1}' (index {index}; read as {how})"
        assert json.loads(lines[-1])["target"] == [1.0 if k == index else 0.0 for k in range(3)]
    code, out, err = _run(capsys, "explain", str(project), "--input", "0.1,0.2", "--target", "7")
    assert code == 2 and out == "" and "expected a class name (1, 2, 3) or a class index (0 to 2)" in err


class _Doubler(Layer):
    """A layer class that never says how explain should write it out (a kind added without explain)."""

    prefix = "doubler"

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return 2.0 * x

    def backward(self, g: np.ndarray) -> np.ndarray:
        return 2.0 * g


def test_a_layer_class_without_explain_steps_fails_loudly() -> None:
    """Not silently passed through as if it were a Dropout: explain names the layer and what it lacks, the
    CLI and the Explain tab show that sentence."""
    m = Sequential([Dense(2, activation="tanh", input_dim=2), _Doubler(), Dense(1)], dtype="float64")
    m.compile(optimizer="sgd", loss="mse")
    m.build(2, seed=0)
    assert m.predict(np.array([[1.0, 2.0]])).shape == (1, 1)  # the engine runs it
    with pytest.raises(ValueError, match=r"^cannot explain layer 'doubler_1': the layer class _Doubler does "
                                         r"not say how its computation is worked out \(it needs "
                                         r"explain_forward, explain_backward and explain_lines"):
        explain(m, [1.0, 2.0])


def test_a_layer_class_with_a_forward_step_only_fails_loudly_on_backward_and_text() -> None:
    class Half(_Doubler):
        def explain_forward(self, x: np.ndarray) -> dict[str, object]:
            return {"a": 2.0 * x}

    m = Sequential([Dense(2, activation="tanh", input_dim=2), Half(name="half"), Dense(1)], dtype="float64")
    m.compile(optimizer="sgd", loss="mse")
    m.build(2, seed=0)
    exp = explain(m, [1.0, 2.0])
    assert exp.layers[1].a == pytest.approx(2.0 * exp.layers[0].a)
    with pytest.raises(ValueError, match="cannot explain layer 'half': the layer class Half does not say"):
        format_explanation(exp)
    with pytest.raises(ValueError, match="cannot explain layer 'half': the layer class Half does not say"):
        explain(m, [1.0, 2.0], np.array([0.5]))


def test_every_engine_class_of_the_table_writes_its_own_steps() -> None:
    """Each layer kind's engine class defines the three explain steps itself (an inherited one would write
    a new class out as its parent)."""
    from core.layer_kinds import KINDS

    for kind in KINDS.values():
        cls = kind.engine_class()
        for step in ("explain_forward", "explain_backward", "explain_lines"):
            assert step in vars(cls), (kind.key, cls.__name__, step)
