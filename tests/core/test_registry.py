"""The shared name registry: folding, aliases, config dicts and the messages users see."""

from __future__ import annotations

import pytest

from core.registry import Registry

REG = Registry("widget", ("alpha", "beta_gamma"), {"a": "alpha", "betagamma": "beta_gamma"},
               alias_key=lambda key: key.replace("_", ""))


def test_names_are_folded_and_aliases_resolved() -> None:
    assert REG.key("  ALPHA ") == "alpha"
    assert REG.key("a") == "alpha"
    assert REG.key("Beta_Gamma") == "beta_gamma"
    assert REG.key("betagamma") == "beta_gamma"


@pytest.mark.parametrize("bad", ["delta", 3, None])
def test_unknown_names_list_the_valid_ones(bad: object) -> None:
    with pytest.raises(ValueError, match=r"Unknown widget: .*Valid names: alpha, beta_gamma"):
        REG.key(bad)


def test_config_dicts_flat_and_keras_style() -> None:
    assert REG.name_and_config({"name": "alpha", "size": 2}, {"colour": "red"}) == (
        "alpha", {"size": 2, "colour": "red"})
    assert REG.name_and_config({"class_name": "beta_gamma", "config": {"size": 3}}, {}) == (
        "beta_gamma", {"size": 3})
    with pytest.raises(ValueError, match="Unknown widget"):
        REG.name_and_config({"size": 3}, {})


def test_construct_reports_bad_arguments_by_name() -> None:
    def make(size: int = 1) -> int:
        return size * 2

    assert REG.construct(make, "alpha", {"size": 4}) == 8
    with pytest.raises(ValueError, match="argument 'colour' for widget 'alpha'; valid arguments: size$"):
        REG.construct(make, "alpha", {"colour": "red"})
    with pytest.raises(ValueError, match=r"Invalid arguments for widget 'alpha'"):  # a bad call otherwise
        REG.construct(lambda size: size, "alpha", {})
    with pytest.raises(ValueError, match=r"Cannot apply arguments \['size'\] to a widget instance"):
        REG.refuse_kwargs(object(), {"size": 1})
