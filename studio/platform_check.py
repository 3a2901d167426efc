"""Before the first window: can Qt's xcb platform plugin load on this Linux machine?

The PySide6 wheel ships Qt but not the X11 client libraries its xcb plugin links against; a bare
Debian lacks a few (e.g. ``libxcb-icccm4``, ``libxcb-keysyms1``) and Qt then aborts with a message
that blames the wrong package. ``ldd`` on the plugin names exactly the missing sonames; this module
maps them to the distribution's package names and words one install command. The functions that
read ``ldd`` output and ``/etc/os-release`` are pure so tests can feed them fakes.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from core.errors import FFStudioError

# soname -> (Debian/Ubuntu package, Fedora package) for everything libqxcb.so links to outside Qt
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
}
_FAMILIES = {"debian": ("debian", "ubuntu"), "fedora": ("fedora", "rhel", "centos")}
_COMMANDS = {"debian": "sudo apt-get install", "fedora": "sudo dnf install"}


def missing_libraries(ldd_output: str) -> list[str]:
    """Sonames that ``ldd`` reports as ``=> not found``, in first-seen order, each once."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        name, sep, rest = line.strip().partition("=>")
        if sep and rest.strip() == "not found" and name.strip() not in found:
            found.append(name.strip())
    return found


def parse_os_release(text: str) -> dict[str, str]:
    """``KEY=value`` lines of /etc/os-release (quotes removed, comments skipped)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            fields[key] = value.strip().strip("\"'")
    return fields


def distro_family(os_release: Mapping[str, str]) -> str | None:
    """``"debian"`` (Debian, Ubuntu, Mint, …), ``"fedora"`` (Fedora, RHEL, CentOS, …) or None."""
    ids = [os_release.get("ID", "").lower(), *os_release.get("ID_LIKE", "").lower().split()]
    for family, members in _FAMILIES.items():
        if any(i in members for i in ids):
            return family
    return None


def install_command(sonames: list[str], family: str) -> str:
    """The package-manager command that installs ``sonames`` on ``family`` (unknown sonames listed as-is)."""
    column = 0 if family == "debian" else 1
    packages: list[str] = []
    for soname in sonames:
        pkg = PACKAGES.get(soname, ("", ""))[column] or soname
        if pkg not in packages:
            packages.append(pkg)
    return f"{_COMMANDS[family]} {' '.join(packages)}"


def missing_libraries_message(sonames: list[str], os_release: Mapping[str, str]) -> str:
    """One line naming the missing libraries and how to install them on this distribution."""
    head = ("Qt cannot open a window: its xcb platform plugin needs system libraries that are missing "
            f"({', '.join(sonames)}). ")
    family = distro_family(os_release)
    if family is not None:
        name = os_release.get("PRETTY_NAME") or os_release.get("NAME") or family
        return head + f"Install them ({name}) with: {install_command(sonames, family)}"
    return head + ("Install the packages that provide them, e.g. on Debian/Ubuntu: "
                   f"{install_command(sonames, 'debian')}; on Fedora: {install_command(sonames, 'fedora')}")


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Would Qt pick the xcb plugin? Linux only; QT_QPA_PLATFORM (first entry) decides when it is set."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    # without QT_QPA_PLATFORM Qt prefers Wayland in a Wayland session and falls back to xcb itself
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def xcb_plugin_path() -> Path | None:
    """PySide6's ``libqxcb.so`` (found without importing Qt), or None when absent."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (root / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                      root / "plugins" / "platforms" / "libqxcb.so"):
        if candidate.is_file():
            return candidate
    return None


def _run_ldd(path: Path) -> str:
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        done = subprocess.run([ldd, os.fspath(path)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def _read_os_release() -> dict[str, str]:
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            return parse_os_release(Path(candidate).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return {}


#: Qt's own words for this case ("could not connect to display", then an abort) name no way out.
NO_DISPLAY_MESSAGE = (
    "no display: the app needs a desktop session (neither DISPLAY nor WAYLAND_DISPLAY is set); run it on "
    "a desktop, over 'ssh -X', or under a virtual screen ('xvfb-run ffstudio'); the commands train, "
    "export, predict and evaluate need no display"
)


def check_platform_plugin(
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    plugin: Callable[[], Path | None] = xcb_plugin_path,
    ldd: Callable[[Path], str] = _run_ldd,
    os_release: Callable[[], Mapping[str, str]] = _read_os_release,
) -> None:
    """Raise FFStudioError with the install command when the xcb plugin Qt would use cannot load, or
    saying so when there is no display to connect to.

    Does nothing off Linux, when another platform plugin is requested (e.g. ``offscreen``), or when
    the plugin or ``ldd`` is not there to ask (Qt then reports for itself).
    """
    env = os.environ if environ is None else environ
    if not uses_xcb(env, platform):
        return
    path = plugin()
    missing = missing_libraries(ldd(path)) if path is not None else []
    if missing:
        raise FFStudioError(missing_libraries_message(missing, os_release()))
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        raise FFStudioError(NO_DISPLAY_MESSAGE)
