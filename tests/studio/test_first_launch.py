"""The first minute on a fresh machine: the platform-plugin check and `ffstudio PROJECT.json`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import FFStudioError
from studio import platform_check as pc
from studio.cli import main, project_to_open

ROOT = Path(__file__).resolve().parents[2]
XOR = ROOT / "assets" / "examples" / "xor.json"

# abridged from `ldd libqxcb.so` on a bare Debian 12 (two libraries missing, one listed twice)
LDD_BARE_DEBIAN = """\
\tlinux-vdso.so.1 (0x00007fb2442b2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007fb2441e4000)
\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007fb244154000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007fb2435ee000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007fb2435e6000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007fb2442b4000)
"""
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n'
UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 24.04 LTS"\n'
FEDORA = "# comment\nNAME=\"Fedora Linux\"\nID=fedora\nPRETTY_NAME='Fedora Linux 41 (Workstation Edition)'\n"
ROCKY = 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'
ARCH = "NAME=\"Arch Linux\"\nID=arch\n"


def test_missing_libraries_read_from_ldd_output() -> None:
    assert pc.missing_libraries(LDD_BARE_DEBIAN) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert pc.missing_libraries(LDD_BARE_DEBIAN.replace("not found", "/lib/x.so (0x1)")) == []
    assert pc.missing_libraries("") == []


@pytest.mark.parametrize(("text", "family"), [(DEBIAN, "debian"), (UBUNTU, "debian"), (FEDORA, "fedora"),
                                              (ROCKY, "fedora"), (ARCH, None), ("", None)])
def test_distribution_family_from_os_release(text: str, family: str | None) -> None:
    assert pc.distro_family(pc.parse_os_release(text)) == family


def test_install_commands_name_the_distributions_packages() -> None:
    sonames = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0",
               "libxcb-image.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0", "libxcb-xinerama.so.0",
               "libxcb-randr.so.0", "libEGL.so.1", "libGL.so.1", "libfontconfig.so.1", "libdbus-1.so.3"]
    assert pc.install_command(sonames, "debian") == (
        "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-image0 "
        "libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libegl1 libgl1 libfontconfig1 "
        "libdbus-1-3")
    # Fedora packs the xcb extensions in one package: named once
    assert pc.install_command(sonames, "fedora") == (
        "sudo dnf install xcb-util-wm xcb-util-keysyms xcb-util-cursor libxkbcommon-x11 xcb-util-image "
        "xcb-util-renderutil libxcb libglvnd-egl libglvnd-glx fontconfig dbus-libs")
    assert pc.install_command(["libfoo.so.3"], "debian") == "sudo apt-get install libfoo.so.3"


def test_message_is_one_line_with_the_command_for_this_distribution() -> None:
    missing = pc.missing_libraries(LDD_BARE_DEBIAN)
    msg = pc.missing_libraries_message(missing, pc.parse_os_release(DEBIAN))
    assert "\n" not in msg and "libxcb-icccm.so.4, libxcb-keysyms.so.1" in msg
    assert msg.endswith("Install them (Debian GNU/Linux 12 (bookworm)) with: "
                        "sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    fedora = pc.missing_libraries_message(missing, pc.parse_os_release(FEDORA))
    assert fedora.endswith("with: sudo dnf install xcb-util-wm xcb-util-keysyms")
    other = pc.missing_libraries_message(missing, pc.parse_os_release(ARCH))
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in other
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in other


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb:dpi=96"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_check_runs_only_when_qt_would_use_xcb(env: dict[str, str], platform: str, expected: bool) -> None:
    assert pc.uses_xcb(env, platform) is expected


def test_check_raises_with_the_install_command_and_stays_quiet_otherwise() -> None:
    calls: list[Path] = []

    def ldd(path: Path) -> str:
        calls.append(path)
        return LDD_BARE_DEBIAN

    fake = {"plugin": lambda: Path("/x/libqxcb.so"), "ldd": ldd,
            "os_release": lambda: pc.parse_os_release(UBUNTU)}
    with pytest.raises(FFStudioError, match=r"Install them \(Ubuntu 24.04 LTS\) with: sudo apt-get install "
                                            r"libxcb-icccm4 libxcb-keysyms1$"):
        pc.check_platform_plugin({}, "linux", **fake)
    assert calls == [Path("/x/libqxcb.so")]
    pc.check_platform_plugin({"QT_QPA_PLATFORM": "offscreen"}, "linux", **fake)
    pc.check_platform_plugin({}, "darwin", **fake)
    assert len(calls) == 1  # not even asked
    shown = {"DISPLAY": ":0"}
    pc.check_platform_plugin(shown, "linux", **{**fake, "ldd": lambda p: ""})  # no ldd: Qt reports itself
    pc.check_platform_plugin(shown, "linux", **{**fake, "plugin": lambda: None})


def test_no_display_is_one_line_naming_the_way_out_not_a_qt_abort() -> None:
    fake = {"plugin": lambda: Path("/x/libqxcb.so"), "ldd": lambda p: "",
            "os_release": lambda: pc.parse_os_release(UBUNTU)}
    with pytest.raises(FFStudioError, match=r"^no display: .*DISPLAY nor WAYLAND_DISPLAY.*xvfb-run ffstudio"):
        pc.check_platform_plugin({}, "linux", **fake)
    for env in ({"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "offscreen"}):
        pc.check_platform_plugin(env, "linux", **fake)


def test_the_app_without_a_display_exits_2_with_the_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "studio"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    if not sys.platform.startswith("linux"):
        return
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {pc.NO_DISPLAY_MESSAGE}"]


def test_the_real_plugin_is_found_and_checked() -> None:
    plugin = pc.xcb_plugin_path()
    if not sys.platform.startswith("linux"):
        return
    assert plugin is not None and plugin.name == "libqxcb.so"
    if shutil.which("ldd"):
        out = subprocess.run(["ldd", os.fspath(plugin)], capture_output=True, text=True, check=False).stdout
        missing = pc.missing_libraries(out)
        env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
        if missing:
            with pytest.raises(FFStudioError, match="|".join(missing)):
                pc.check_platform_plugin(env)
        else:
            pc.check_platform_plugin(env)


# ------------------------------------------------------------------ ffstudio PROJECT.json
def test_project_path_relative_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(XOR, tmp_path / "xor.json")
    monkeypatch.chdir(tmp_path)
    assert project_to_open("xor.json") == tmp_path.resolve() / "xor.json"
    assert project_to_open(str(tmp_path / "xor.json")) == tmp_path.resolve() / "xor.json"
    assert project_to_open(None) is None


def test_main_opens_the_app_with_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import studio.app

    opened: list[str | None] = []
    monkeypatch.setattr(studio.app, "run_app", lambda path=None: opened.append(path) or 0)
    shutil.copy(XOR, tmp_path / "xor.json")
    monkeypatch.chdir(tmp_path)
    assert main(["xor.json"]) == 0
    assert main([str(tmp_path / "xor.json")]) == 0
    assert main([]) == 0
    assert opened == [str(tmp_path.resolve() / "xor.json")] * 2 + [None]


@pytest.mark.parametrize(("make", "arg", "expected"), [
    (None, "wine_project.json", "error: wine_project.json: project file not found\n"),
    (None, "trian", "error: 'trian' is neither a command (train, export, predict, "),
    ("dir", "folder", "error: folder: not a file (expected a project .json file)\n"),
    ("bad", "bad.json", "error: bad.json: "),
])
def test_bad_project_argument_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], make: str | None,
                                                  arg: str, expected: str) -> None:
    import studio.app

    monkeypatch.setattr(studio.app, "run_app", lambda path=None: pytest.fail("the app must not open"))
    monkeypatch.chdir(tmp_path)
    if make == "dir":
        (tmp_path / "folder").mkdir()
    elif make == "bad":
        (tmp_path / "bad.json").write_text(json.dumps({"format": "ffstudio-project", "version": 1,
                                                       "network": {"layers": []}}))
    assert main([arg]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err


def test_python_m_studio_with_a_missing_project(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.fspath(ROOT)}
    done = subprocess.run([sys.executable, "-m", "studio", "missing.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: missing.json: project file not found\n"


def test_window_opens_the_project_given_on_the_command_line(qtbot, studio_settings, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.app import create_window
    from studio.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "_build_sides", lambda window: None)
    shutil.copy(XOR, tmp_path / "xor.json")
    monkeypatch.chdir(tmp_path)
    window = create_window(project_path=str(project_to_open("xor.json")), settings=studio_settings)
    qtbot.addWidget(window)
    # the title names the opened file (the default project would be "Untitled"), nothing edited yet
    assert window.windowTitle().startswith("xor.json[*]") and not window.isWindowModified()
