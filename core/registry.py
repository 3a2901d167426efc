"""Name registries behind ``activations.get``, ``losses.get``, ``optimizers.get`` and the like.

One place decides how a user-typed name is normalised, how a config dict is unpacked and how a bad
name or bad arguments are reported (the error lists the valid names), so every registry answers alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _fold(name: str) -> str:
    return name.strip().lower()


class Registry:
    """The names of one kind of engine object (``kind`` is the word used in messages, e.g. "loss")."""

    def __init__(
        self,
        kind: str,
        names: Sequence[str],
        aliases: Mapping[str, str] | None = None,
        alias_key: Callable[[str], str] = lambda key: key,
    ) -> None:
        self.kind = kind
        self.names = tuple(names)
        self.aliases = dict(aliases or {})
        self.alias_key = alias_key  # how a folded name is looked up among the aliases

    def unknown(self, identifier: Any) -> ValueError:
        """The error for a name that is not registered."""
        return ValueError(f"Unknown {self.kind}: {identifier!r}. Valid names: {', '.join(self.names)}")

    def key(self, identifier: Any) -> str:
        """The registered name for ``identifier`` (case-insensitive, aliases resolved)."""
        if not isinstance(identifier, str):
            raise self.unknown(identifier)
        key = _fold(identifier)
        key = self.aliases.get(self.alias_key(key), key)
        if key not in self.names:
            raise self.unknown(identifier)
        return key

    def name_and_config(self, identifier: Mapping[str, Any], kwargs: Mapping[str, Any]) -> tuple[str, dict]:
        """Split ``{"name": ..., **args}`` or Keras' ``{"class_name": ..., "config": {...}}``."""
        cfg = {**identifier.get("config", identifier), **kwargs}
        name = cfg.pop("name", identifier.get("class_name"))
        if not isinstance(name, str):
            raise self.unknown(dict(identifier))
        return name, cfg

    def construct(self, factory: Callable[..., Any], identifier: Any, kwargs: Mapping[str, Any]) -> Any:
        """``factory(**kwargs)``, with wrong arguments reported as a ValueError naming the object."""
        try:
            return factory(**kwargs)
        except TypeError as exc:
            raise ValueError(f"Invalid arguments for {self.kind} {identifier!r}: {exc}") from None

    def refuse_kwargs(self, instance: Any, kwargs: Mapping[str, Any]) -> None:
        """Arguments cannot be applied to an object that already exists."""
        if kwargs:
            raise ValueError(
                f"Cannot apply arguments {sorted(kwargs)} to a {self.kind} instance {instance!r}"
            )
