"""Decision-boundary slice with one-hot features: each category group at its most frequent value."""

from __future__ import annotations

import numpy as np

from core.probes import one_hot_groups, slice_base
from studio.plots.boundary import BoundaryView

NAMES = ["bill_length_mm", "bill_depth_mm", "island=Biscoe", "island=Dream", "island=Torgersen",
         "sex=female", "sex=male"]


def _penguins(n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(1)
    island = rng.choice(3, n, p=[0.2, 0.6, 0.2])  # Dream most frequent
    sex = rng.choice(2, n, p=[0.3, 0.7])  # male most frequent
    x = np.zeros((n, 7), np.float32)
    x[:, 0] = rng.normal(44, 5, n)
    x[:, 1] = rng.normal(17, 2, n)
    x[np.arange(n), 2 + island] = 1
    x[np.arange(n), 5 + sex] = 1
    return x


def test_slice_base_holds_each_category_group_at_its_most_frequent_value():
    x = _penguins()
    assert one_hot_groups(x, NAMES) == {"island": [2, 3, 4], "sex": [5, 6]}
    base, chosen = slice_base(x, NAMES, (0, 1))
    assert base[2:5].tolist() == [0, 1, 0] and base[5:].tolist() == [0, 1]
    assert chosen == {"island": "Dream", "sex": "male"}
    assert np.isclose(base[0], np.median(x[:, 0]))
    # an axis inside a group: the rest of that group is 0 (x=1 means that island, x=0 another one)
    base, chosen = slice_base(x, NAMES, (0, 2))
    assert base[3:5].tolist() == [0, 0] and "island" not in chosen
    # "a=b" names whose values are not 0/1 are numeric features, not a group
    assert one_hot_groups(x * 2.5, NAMES) == {}


def test_boundary_view_uses_the_category_slice(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    x = _penguins()
    y = np.arange(60) % 3
    view.set_data(x, y, x[:10], y[:10], "multiclass", NAMES, ["Adelie", "Chinstrap", "Gentoo"])
    assert view.grid.base[2:5].tolist() == [0, 1, 0]
    pts = view.grid.points()
    assert np.all(pts[:, 2:5].sum(axis=1) == 1)  # every grid input is a penguin from one island
    text = view.slice_label.text()
    assert "island = Dream (most frequent)" in text and "sex = male (most frequent)" in text
    assert "island=Biscoe=0" not in text
