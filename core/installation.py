"""How this copy of Feedforward Studio was installed, so install hints give a command that works.

``pip install "ffstudio[export]"`` fails for a checkout installed with ``pip install -e .`` (it would
fetch ffstudio from the package index instead of adding the extra to the checkout). pip records an
editable install in the distribution's ``direct_url.json`` (PEP 610: ``dir_info.editable`` and the
checkout's ``file://`` URL); that decides which command to show.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

DIST = "ffstudio"


def install_extra_command(extra: str, direct_url: Mapping[str, Any] | None,
                          executable: str = sys.executable) -> str:
    """The shell command that adds the optional ``extra`` to this installation.

    ``direct_url``: the parsed ``direct_url.json`` (None for an ordinary install from an index or
    wheel). For an editable checkout the command runs the environment's own pip from the checkout,
    relative to it when the environment lives inside (``.venv/bin/pip``).
    """
    editable = bool((direct_url or {}).get("dir_info", {}).get("editable"))
    url = urlparse(str((direct_url or {}).get("url", "")))
    if not editable or url.scheme != "file":
        return f'pip install "{DIST}[{extra}]"'
    checkout = Path(unquote(url.path))
    pip = Path(executable).parent / ("pip.exe" if os.name == "nt" else "pip")
    try:
        shown = pip.relative_to(checkout).as_posix()
    except ValueError:
        shown = os.fspath(pip)
    return f'cd {shlex.quote(os.fspath(checkout))} && {shlex.quote(shown)} install -e ".[{extra}]"'


def _direct_url() -> dict[str, Any] | None:
    from importlib import metadata

    try:
        text = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


@cache
def extra_hint(extra: str = "export") -> str:
    """``install_extra_command`` for the running installation (read once)."""
    return install_extra_command(extra, _direct_url())
