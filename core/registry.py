"""Name registries behind ``activations.get``, ``losses.get``, ``optimizers.get`` and the like.

One place decides how a user-typed name is normalised, how a config dict is unpacked and how a bad
name or bad arguments are reported (the error lists the valid names), so every registry answers alike.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class UnknownArgument(ValueError):
    """An engine object was given an argument it does not take; ``argument`` names it."""

    def __init__(self, argument: str, what: str, valid: Sequence[str]) -> None:
        guess = difflib.get_close_matches(argument, list(valid), n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        #: the message without the argument's name, for callers that put it in a path (training.optimizer.x)
        self.detail = f"unknown argument for {what}{hint}; valid arguments: {', '.join(valid) or 'none'}"
        self.argument = argument
        super().__init__(f"unknown argument {argument!r} for {what}{hint}; valid arguments: "
                         f"{', '.join(valid) or 'none'}")


def accepted_arguments(factory: Callable[..., Any]) -> list[str] | None:
    """Keyword arguments ``factory`` takes, in signature order (None: it takes ``**kwargs`` or is opaque)."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return [p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                   inspect.Parameter.KEYWORD_ONLY)]


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
        """``factory(**kwargs)``, with wrong arguments reported as a ValueError naming the object.

        An argument the factory does not take is named with the valid ones (and the closest one, for
        a typo) instead of Python's "unexpected keyword argument".
        """
        valid = accepted_arguments(factory)
        unknown = [k for k in kwargs if valid is not None and k not in valid]
        if unknown:
            label = identifier.get("name", identifier.get("class_name")) if isinstance(identifier, Mapping) \
                else identifier
            raise UnknownArgument(str(unknown[0]), f"{self.kind} {label!r}", valid)
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
