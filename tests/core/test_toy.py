"""2D toy generators and the Dataset object they return."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import TOY_NAMES, Dataset, make_toy, stratified_split
from core.errors import DataError


@pytest.mark.parametrize("name", TOY_NAMES)
def test_shapes_dtypes_and_range(name: str) -> None:
    ds = make_toy(name, samples=300, noise=0.2, test_fraction=0.3, seed=3)
    assert ds.source == "toy" and ds.feature_names == ["x1", "x2"]
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape[1] == 2
    assert len(ds.x_train) + len(ds.x_test) == 300
    assert abs(len(ds.x_test) - 90) <= 2
    x = np.concatenate([ds.x_train, ds.x_test])
    assert np.all(np.abs(x) < 9.0) and np.abs(x).max() > 3.0
    if ds.task == "regression":
        assert ds.y_train.dtype == np.float32 and ds.y_train.shape == (len(ds.x_train), 1)
        assert ds.class_names == [] and ds.output_units == 1
    else:
        assert ds.y_train.dtype == np.int64 and ds.y_train.shape == (len(ds.x_train),)
        assert set(np.unique(ds.y_train)) == set(range(ds.num_classes))


@pytest.mark.parametrize("name", TOY_NAMES)
def test_same_seed_same_points(name: str) -> None:
    a = make_toy(name, samples=120, noise=0.3, seed=7)
    b = make_toy(name, samples=120, noise=0.3, seed=7)
    c = make_toy(name, samples=120, noise=0.3, seed=8)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(np.concatenate([a.x_train, a.x_test]), np.concatenate([c.x_train, c.x_test]))


def test_labels_follow_the_geometry_without_noise() -> None:
    circle = make_toy("circle", samples=400, noise=0.0, seed=0)
    r = np.hypot(circle.x_train[:, 0], circle.x_train[:, 1])
    assert np.all(r[circle.y_train == 1] <= 2.5 + 1e-5) and np.all(r[circle.y_train == 0] >= 3.5 - 1e-5)
    xor = make_toy("xor", samples=400, seed=0)
    np.testing.assert_array_equal(xor.y_train, (xor.x_train[:, 0] * xor.x_train[:, 1] > 0).astype(np.int64))
    board = make_toy("checkerboard", samples=400, seed=0)
    expect = (np.floor(board.x_train[:, 0] / 3) + np.floor(board.x_train[:, 1] / 3)) % 2
    np.testing.assert_array_equal(board.y_train, expect.astype(np.int64))
    plane = make_toy("plane", samples=200, seed=0)
    np.testing.assert_allclose(plane.y_train[:, 0], plane.x_train.sum(axis=1) / 10, atol=1e-5)


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_blobs_k_classes_balanced_and_stratified(k: int) -> None:
    ds = make_toy("blobs", samples=600, classes=k, test_fraction=0.25, seed=2)
    assert ds.task == "multiclass" and ds.num_classes == k and ds.output_units == k
    train = np.bincount(ds.y_train, minlength=k)
    test = np.bincount(ds.y_test, minlength=k)
    assert train.max() - train.min() <= 1 and test.max() - test.min() <= 1


@pytest.mark.parametrize(
    "kwargs, match",
    [({"name": "nope"}, "unknown toy"), ({"name": "xor", "samples": -1}, "samples"),
     ({"name": "xor", "noise": 2.0}, "noise"), ({"name": "blobs", "classes": 7}, "3..6"),
     ({"name": "xor", "test_fraction": 1.0}, "test fraction")],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(DataError, match=match):
        make_toy(**kwargs)


def test_normalization_is_fitted_on_train_only() -> None:
    ds = make_toy("gauss", samples=200, noise=0.5, seed=1)
    mean, var = ds.normalization()
    assert mean.dtype == np.float32 and mean.shape == (2,)
    np.testing.assert_allclose(mean, ds.x_train.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(var, ds.x_train.var(axis=0), rtol=1e-4)
    z = ds.scaled(ds.x_train)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-4)
    mm = make_toy("gauss", samples=200, noise=0.5, seed=1, scaling="minmax")
    z = mm.scaled(mm.x_train)
    np.testing.assert_allclose(z.min(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z.max(axis=0), 1, atol=1e-6)
    assert mm.preprocessing["scaling"] == "minmax"


def test_targets_per_loss() -> None:
    ds = make_toy("circle", samples=40, seed=0)
    ytr, _ = ds.targets("binary_crossentropy")
    assert ytr.shape == (len(ds.y_train), 1) and ytr.dtype == np.float32
    ytr, _ = ds.targets("sparse_categorical_crossentropy")
    assert ytr.dtype == np.int64 and ytr.ndim == 1
    ytr, _ = ds.targets("categorical_crossentropy")
    assert ytr.shape == (len(ds.y_train), 2)
    np.testing.assert_array_equal(ytr.argmax(axis=1), ds.y_train)
    assert ds.targets("mse", output_units=2)[0].shape == (len(ds.y_train), 2)
    blobs = make_toy("blobs", samples=40, classes=5)
    assert blobs.targets("mse")[0].shape == (len(blobs.y_train), 5)
    reg = make_toy("plane", samples=40)
    assert reg.targets("mse")[0].shape == (len(reg.y_train), 1)
    with pytest.raises(DataError, match="classification"):
        reg.targets("binary_crossentropy")


def test_add_point_and_rebuild_from_points() -> None:
    ds = make_toy("spiral", samples=50, seed=4)
    n_train, n_test = len(ds.y_train), len(ds.y_test)
    mean_before = ds.normalization()[0].copy()
    ds.add_point(5.5, -5.5, 1)
    ds.add_point(-1.0, 2.0, "0", split="test")
    assert len(ds.y_train) == n_train + 1 and len(ds.y_test) == n_test + 1
    np.testing.assert_array_equal(ds.x_train[-1], [5.5, -5.5])
    assert ds.y_train[-1] == 1 and ds.y_test[-1] == 0
    assert not np.allclose(ds.normalization()[0], mean_before)  # refitted
    again = make_toy("spiral", samples=50, seed=4, points=ds.added_points)
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    np.testing.assert_array_equal(again.y_test, ds.y_test)
    with pytest.raises(DataError, match="class index"):
        ds.add_point(0, 0, 2)
    with pytest.raises(DataError, match="unknown class"):
        ds.add_point(0, 0, "blue")
    with pytest.raises(DataError, match="split"):
        ds.add_point(0, 0, 1, split="valid")
    with pytest.raises(DataError, match=r"points\[0\]"):
        make_toy("xor", samples=10, points=[[0, 0, 5, "train"]])


def test_hand_drawn_data_from_zero_samples() -> None:
    ds = make_toy("plane", samples=0)
    assert len(ds) == 0
    assert ds.targets("mse")[1].shape == (0, 1)
    ds.add_point(1.0, 2.0, 0.5)
    ds.add_point(-1.0, 2.0, -0.5)
    assert ds.y_train.shape == (2, 1) and ds.y_train.dtype == np.float32
    np.testing.assert_allclose(ds.normalization()[0], [0.0, 2.0])


def test_save_csv_round_trip(tmp_path) -> None:
    load_csv = pytest.importorskip("core.datasets.csv").load_csv
    ds = make_toy("blobs", samples=60, classes=3, seed=1)
    ds.add_point(0.5, 0.5, 2)
    path = tmp_path / "edited.csv"
    ds.save_csv(path)
    back = load_csv(path, target="label", ignore=["split"], task="multiclass", test_fraction=0.2)
    assert len(back) == 61 and back.feature_names == ["x1", "x2"] and back.class_names == ["0", "1", "2"]


def test_encode_frame_on_toy() -> None:
    ds = make_toy("xor", samples=20)
    np.testing.assert_array_equal(ds.encode_frame(ds.x_test), ds.x_test)
    x = ds.encode_frame(ds.to_frame())
    assert x.shape == (20, 2) and x.dtype == np.float32


def test_stratified_split_keeps_small_classes_on_both_sides() -> None:
    y = np.array([0] * 20 + [1] * 3 + [2] * 2)
    tr, te = stratified_split(len(y), 0.2, seed=0, labels=y)
    assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 25
    for c in (0, 1, 2):
        assert (y[tr] == c).sum() >= 1 and (y[te] == c).sum() >= 1
    tr2, te2 = stratified_split(len(y), 0.2, seed=0, labels=y)
    np.testing.assert_array_equal(te, te2)


def test_dataset_rejects_bad_task() -> None:
    with pytest.raises(DataError, match="task"):
        Dataset("d", "toy", "ranking", np.zeros((1, 2)), np.zeros(1), np.zeros((0, 2)), np.zeros(0),
                ["a", "b"])
