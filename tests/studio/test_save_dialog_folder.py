"""Where File > Save As and Open start: the project's folder, else the last folder used (remembered in
the settings), else Documents, else home; never the process's working folder (after ``make run`` that
was the source checkout)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from tests.studio.conftest import wait_loaded

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


@pytest.fixture
def dialogs(monkeypatch, tmp_path):
    """Each QFileDialog call's start path, in order; the working folder is a scratch folder, Documents
    and home are folders of ``tmp_path``."""
    asked: list[tuple[str, str]] = []
    answers: list[str] = []

    def fake(kind: str):
        def call(parent, caption, start, *rest, **kw):
            asked.append((kind, start))
            return (answers.pop(0) if answers else "", "")

        return staticmethod(call)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake("save"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake("open"))
    cwd = tmp_path / "checkout"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    documents = home / "Documents"
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda loc: str(documents)))
    return asked, answers, home


def test_first_save_as_starts_in_documents(builder_window, dialogs) -> None:
    asked, _, home = dialogs
    assert builder_window.document.path is None
    assert builder_window.ask_save_path() is None  # cancelled
    assert asked == [("save", str(home / "Documents" / "network.json"))]
    builder_window.ask_open_path()
    assert asked[-1] == ("open", str(home / "Documents"))


def test_without_documents_folder_it_starts_at_home(builder_window, dialogs) -> None:
    asked, _, home = dialogs
    shutil.rmtree(home / "Documents")
    builder_window.ask_save_path()
    assert asked == [("save", str(home / "network.json"))]


def test_an_open_project_saves_beside_itself(builder_window, dialogs, tmp_path, monkeypatch, qtbot) -> None:
    """A project opened by a relative path (``ffstudio xor.json``): the dialog gets its absolute folder,
    even after the working folder changed."""
    asked, _, _ = dialogs
    folder = tmp_path / "projects"
    folder.mkdir()
    shutil.copy(EXAMPLES / "xor.json", folder / "xor.json")
    monkeypatch.chdir(folder)
    assert builder_window.load_project_file("xor.json")
    wait_loaded(qtbot, builder_window)
    monkeypatch.chdir(tmp_path / "checkout")
    builder_window.ask_save_path()
    assert asked == [("save", str(folder / "xor.json"))]


def test_the_last_folder_used_is_remembered(builder_window, dialogs, tmp_path, qtbot) -> None:
    asked, answers, _ = dialogs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    answers.append(str(elsewhere / "mine"))
    assert builder_window.save_as()
    assert (elsewhere / "mine.json").exists()
    assert builder_window.settings.value("last_dir") == str(elsewhere)
    assert builder_window.new_project("xor")
    wait_loaded(qtbot, builder_window)
    builder_window.ask_save_path()
    assert asked[-1] == ("save", str(elsewhere / "network.json"))
    shutil.rmtree(elsewhere)  # a remembered folder that is gone: back to Documents
    builder_window.ask_open_path()
    assert asked[-1] == ("open", str(tmp_path / "home" / "Documents"))


def test_the_other_dialogs_start_in_documents_not_the_working_folder(studio_window, dialogs, monkeypatch):
    """Export runs, Score a test file and the MNIST folder: a known folder, not wherever the app was
    started from; Score a test file then starts where it found the last one."""
    asked, answers, home = dialogs
    documents = home / "Documents"

    def folder_dialog(parent, caption, start="", *rest, **kw):
        asked.append(("dir", start))
        return ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder_dialog))
    w = studio_window
    w.runs._ask_export()
    assert asked[-1] == ("save", str(documents / "runs.csv"))
    w.training.data_panel.mnist._browse()
    assert asked[-1] == ("dir", str(documents))
    ev = w.training.evaluation
    ev._choose_test_file()
    assert asked[-1] == ("open", str(documents))
    data = home / "data"
    data.mkdir()
    answers.append(str(data / "missing.csv"))  # the pick itself fails to load: its folder is still kept
    ev._choose_test_file()
    ev._choose_test_file()
    assert asked[-1] == ("open", str(data))


def test_export_import_and_predict_start_in_documents_until_the_project_is_saved(studio_window, dialogs):
    """An unsaved project's folder is the working folder (its relative data paths resolve there); the
    export side's dialogs start in Documents instead, and beside the project once it has a file."""
    asked, answers, home = dialogs
    w = studio_window
    actions = w.export_actions
    assert w.workspace.path is None
    assert actions._directory() == str(home / "Documents")
    folder = home / "projects"
    folder.mkdir()
    assert w.save_to(str(folder / "net.json"))
    assert actions._directory() == str(folder)


def test_record_saves_and_its_folder_picker_starts_in_documents_until_the_project_is_saved(
        studio_window, dialogs, monkeypatch):
    """Found under Xvfb: Record's "Save recordings to…" opened in the source checkout (the working
    folder: an unsaved project's folder), where its GIFs went too. Now Documents, then beside the saved
    project, and the chosen folder once one is picked (remembered in the settings)."""
    asked, answers, home = dialogs
    documents = home / "Documents"

    def folder_dialog(parent, caption, start="", *rest, **kw):
        asked.append(("dir", start))
        return answers.pop(0) if answers else ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder_dialog))
    w = studio_window
    rec = w.recorder
    assert w.workspace.path is None and rec.folder is None
    rec._choose_folder()
    assert asked[-1] == ("dir", str(documents))
    assert Path(rec.next_path()).parent == documents
    folder = home / "projects"
    folder.mkdir()
    assert w.save_to(str(folder / "net.json"))
    rec._choose_folder()
    assert asked[-1] == ("dir", str(folder))
    assert Path(rec.next_path()).parent == folder and Path(rec.next_path()).name.startswith("net-")
    gifs = home / "gifs"
    gifs.mkdir()
    answers.append(str(gifs))
    rec._choose_folder()
    assert rec.folder == str(gifs) and w.settings.value("record_folder") == str(gifs)
    assert Path(rec.next_path()).parent == gifs
    rec._choose_folder()
    assert asked[-1] == ("dir", str(gifs))
    assert not any(Path.cwd().iterdir())  # nothing written where the app was started
