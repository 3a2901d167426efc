"""core.files (reading with limits, depth-checked JSON, atomic single and multi-file writes),
core.run_output (train's consistent weights + project pair) and predict's verbatim copy-through."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ExportError, FFStudioError, ProjectError
from core.files import (
    check_destination,
    json_depth,
    loads_json,
    read_regular,
    write_file,
    write_files_atomically,
)
from tests.core import hostile as h


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth('{"a": [1, {"b": "[[[[{{{"}], "c": "\\"]]]"}') == 3
    assert json_depth("[]") == 1 and json_depth("3") == 0
    assert json_depth("[" * 5000) == 5000


@pytest.mark.parametrize("opener", ['{"a":', "[", '{"a": ['])
def test_deep_json_is_refused_before_parsing(opener: str) -> None:
    with pytest.raises(ProjectError, match=r"p\.json: JSON is nested \d+ levels deep; at most 100 are"):
        loads_json(opener * 100_000, "p.json", ProjectError)
    assert loads_json("[" * 100 + "]" * 100, "p.json", ProjectError) is not None
    with pytest.raises(ProjectError, match="NaN is not allowed"):
        loads_json('{"a": NaN}', "p.json", ProjectError)


def test_only_regular_files_within_the_limit_are_read(tmp_path: Path) -> None:
    fifo = h.fifo(tmp_path)
    with pytest.raises(DataError, match=r"pipe: is a FIFO \(named pipe\), expected a CSV file"):
        read_regular(fifo, "a CSV file", DataError, 100)
    with pytest.raises(DataError, match="/dev/zero: is a character device"):
        read_regular("/dev/zero", "a CSV file", DataError, 100)
    with pytest.raises(DataError, match="is a folder, expected a CSV file"):
        read_regular(tmp_path, "a CSV file", DataError, 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 3000)
    with pytest.raises(DataError, match=r"big: is 0.0 MB; a CSV file may be at most 0.0 MB"):
        read_regular(big, "a CSV file", DataError, 2000)
    assert read_regular(big, "a CSV file", DataError, 3000) == b"x" * 3000
    with pytest.raises(DataError, match="nope: file not found"):
        read_regular(tmp_path / "nope", "a CSV file", DataError, 10)


def test_multi_file_write_is_all_or_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.npz"
    a.write_text("old a")
    b.write_text("old b")

    def broken(fh) -> None:
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="b.npz: No space left on device"):
        write_files_atomically({str(a): lambda fh: fh.write(b"new a"), str(b): broken}, "export", ExportError)
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.npz"]  # no temporaries left
    writers = {str(a): lambda fh: fh.write(b"new a"), str(b): lambda fh: fh.write(b"new b")}
    assert write_files_atomically(writers, "export", ExportError) == [str(a), str(b)]
    assert a.read_text() == "new a" and b.read_text() == "new b"


def test_destinations_never_overwrite_protected_inputs(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project.json"
    project.write_text("{}")
    (tmp_path / "link.json").symlink_to(project)
    monkeypatch.chdir(tmp_path)
    for target in ("project.json", "./project.json", "link.json", str(project)):
        with pytest.raises(FFStudioError, match="an input of this command"):
            write_file(target, lambda fh: fh.write(b"x"), "ONNX file", FFStudioError, [str(project)])
    assert project.read_text() == "{}"
    (tmp_path / "sub").mkdir()
    with pytest.raises(FFStudioError, match="it is a directory"):
        check_destination(tmp_path / "sub", "project file", FFStudioError)


# ---------------------------------------------------------------------------------- train --out pair
def _trained_model(folder: Path):
    from core.project import Project, build_dataset, build_model

    project = Project.from_dict(h.project_doc(), folder)
    dataset = build_dataset(project)
    return project, build_model(project, dataset), dataset.preprocessing


def _weights_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.npz"))


def test_run_output_is_always_a_matching_pair(tmp_path: Path, monkeypatch) -> None:
    from core import project as project_module
    from core.predict import load_trained
    from core.run_output import save_run

    out = tmp_path / "out"
    project, model, pre = _trained_model(tmp_path)
    weights, project_out = save_run(project, model, pre, out, {"loss": 1.0})
    assert _weights_files(out) == [Path(weights).name]
    assert json.loads(Path(project_out).read_text())["weights"] == Path(weights).name
    first = Path(weights).name

    # a full disk while writing the project: the old pair stays, the new weights go away again
    model.layers[1].set_weights([w + 1 for w in model.layers[1].get_weights()])

    def full(*_a, **_k):
        raise ProjectError("cannot write file (No space left on device)")

    monkeypatch.setattr(project_module, "save_project", full)
    with pytest.raises(ProjectError, match="No space left"):
        save_run(project, model, pre, out)
    monkeypatch.undo()
    assert _weights_files(out) == [first]
    assert load_trained(out / "project.json").weights_path == str(out / first)

    # a killed run leaves an orphan weights file and a temporary: the next run removes both
    (out / "weights-0123456789ab.npz").write_bytes(b"orphan")
    (out / ".project.json.x1y2.tmp").write_text("half")
    weights, _ = save_run(project, model, pre, out)
    assert _weights_files(out) == [Path(weights).name] != [first]
    assert not list(out.glob(".*.tmp"))


def test_concurrent_runs_into_one_folder_leave_a_consistent_pair(tmp_path: Path) -> None:
    from core.predict import load_trained
    from core.run_output import save_run

    out = tmp_path / "out"
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            project, model, pre = _trained_model(tmp_path)
            model.build(model.input_dim, seed=seed)
            for _ in range(3):
                save_run(project, model, pre, out)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    trained = load_trained(out / "project.json")
    assert os.path.isfile(trained.weights_path) and _weights_files(out) == [Path(trained.weights_path).name]


# ---------------------------------------------------------------------------------- predict copy-through
def test_predict_copies_columns_verbatim_and_can_be_excel_safe(tmp_path: Path) -> None:
    from core.predict import load_trained, predict_csv

    folder = h.trained_project(tmp_path / "t").parent
    trained = load_trained(folder / "project.json")
    trained.preprocessing["class_names"] = ["=cmd|' /C calc'!A0", "@ok"]
    src = tmp_path / "in.csv"
    src.write_text("id,x1,x2,big,note\n00501,0.1,0.2,9007199254740993,NA\n00502,0.3,0.4,,#N/A\n"
                   "00503,-0.5,0.6,193,n/a\n")
    predict_csv(trained, src, tmp_path / "plain.csv")
    out = pd.read_csv(tmp_path / "plain.csv", dtype=str, keep_default_na=False)
    assert out["id"].tolist() == ["00501", "00502", "00503"]
    assert out["big"].tolist() == ["9007199254740993", "", "193"]
    assert out["note"].tolist() == ["NA", "#N/A", "n/a"]
    assert set(out["predicted"]) <= {"=cmd|' /C calc'!A0", "@ok"}
    predict_csv(trained, src, tmp_path / "safe.csv", excel_safe=True)
    safe = pd.read_csv(tmp_path / "safe.csv", dtype=str, keep_default_na=False)
    assert set(safe["predicted"]) <= {"'=cmd|' /C calc'!A0", "'@ok"}
    assert [v[1:] for v in safe["predicted"]] == out["predicted"].tolist()


def test_predict_copies_records_verbatim_with_quotes_blank_lines_and_latin1(tmp_path: Path) -> None:
    """Each input record's text is the start of its output line: quoted line breaks, spaces, blank lines
    between records left out, latin-1 written as UTF-8; the feature columns are parsed as numbers."""
    from core.predict import load_trained, predict_csv

    trained = load_trained(h.trained_project(tmp_path / "t"))
    src = tmp_path / "in.csv"
    records = ['"caf\u00e9, ""quoted""\nline",0.1,0.2', " plain ,  0.3 ,-0.5", "x,1e2,NA"]
    src.write_bytes(("note,x1,x2\r\n" + records[0] + "\r\n\n   \n" + "\n".join(records[1:]) + "\n")
                    .encode("latin-1"))
    trained.preprocessing["missing"] = "impute"
    for col in trained.preprocessing["columns"]:
        col["fill"] = 0.0
    result = predict_csv(trained, src, tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert text.startswith("note,x1,x2,prob_")
    body = text.split("\n", 1)[1]
    starts = [body.index(r + ",") for r in records]
    assert starts == sorted(starts) and starts[0] == 0 and result.rows == 3 and result.imputed == 1
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert out["note"].tolist() == ['caf\u00e9, "quoted"\nline', " plain ", "x"]
    truth = predict_csv(trained, _written(tmp_path / "clean.csv", "x1,x2\n0.1,0.2\n0.3,-0.5\n100,0\n"),
                        tmp_path / "clean_out.csv")
    assert truth.rows == 3
    clean = pd.read_csv(tmp_path / "clean_out.csv")
    np.testing.assert_allclose(out.filter(like="prob_").astype(float), clean.filter(like="prob_"), atol=1e-7)
    src.write_text("x1,x2\n0.1,0.2\nTrue,0.3\n")
    with pytest.raises(DataError, match=r"'x1': expected numbers, got text in line\(s\) 3 \(e\.g\. 'True'\)"):
        predict_csv(trained, src, tmp_path / "o.csv")


def _written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_predict_refuses_what_training_refuses(tmp_path: Path) -> None:
    from core.predict import load_trained, predict_csv

    folder = h.trained_project(tmp_path / "t").parent
    trained = load_trained(folder / "project.json")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("x1,x2\n0.1,0.2\n0.3\n")
    with pytest.raises(DataError, match="line 3 has 1 fields, expected 2"):
        predict_csv(trained, ragged, tmp_path / "o.csv")
    huge = tmp_path / "huge.csv"
    huge.write_text("x1,x2\n0.1,0.2\n0.3,1e39\n")
    with pytest.raises(DataError, match=r"column 'x2': value 1e\+39 in line\(s\) 3 is infinite or beyond"):
        predict_csv(trained, huge, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()


# ---------------------------------------------------------------------------------- CSV record scan
CSV_DIR = Path(__file__).resolve().parents[1] / "data" / "csv"


@pytest.mark.parametrize("name", sorted(p.name for p in CSV_DIR.glob("*.csv")))
def test_fast_record_scan_agrees_with_the_csv_module(name: str, tmp_path: Path) -> None:
    """The NumPy scan (files without quotes) finds the same lines, header and ragged rows as csv."""
    from core.datasets import csv_read, csv_records

    path = str(CSV_DIR / name)
    raw = (CSV_DIR / name).read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "latin-1"
    delimiter = csv_read._sniff(raw[:65536].decode(encoding, errors="ignore"))

    def outcome(scan):
        try:
            lines, columns, first = scan(path, encoding, delimiter)
        except DataError as exc:
            return str(exc)
        return [int(v) for v in lines], [c.strip() for c in columns], [[f.strip() for f in r] for r in first]

    fast = outcome(csv_records.records_fast) if b'"' not in raw else None
    if fast is not None:
        assert fast == outcome(csv_records.records)
    try:
        scan = csv_records.scan_file(path, csv_read.MAX_ROWS, None, delimiter)
    except DataError:  # binary data: refused before any record is looked at
        return
    if csv_records.counted_records(path, scan, delimiter) is not None:  # regular files: lines from counts
        assert outcome(lambda *_: csv_records.counted_records(path, scan, delimiter)) == \
            outcome(csv_records.records)


def test_counted_layout_still_refuses_rows_that_make_up_for_each_other(tmp_path: Path) -> None:
    """A long row and a short row keep the delimiter count right; the parser's refusal is re-checked."""
    from core.datasets.csv_read import layout, read_table
    from core.datasets.csv_stream import iter_records

    regular = "a,b,c\n" + "1,2,3\n" * 30
    path = tmp_path / "t.csv"
    path.write_text(regular)
    lay = layout(str(path), None, 1000)
    assert lay.counted and lay.lines.tolist() == list(range(2, 32))
    path.write_text(regular + "1,2,3,4\n5,6\n7,8,9\n")
    assert layout(str(path), None, 1000).counted
    for read in (read_table, lambda p: list(iter_records(str(p), layout(str(p)), ["a"], []))):
        with pytest.raises(DataError, match=r"t\.csv: line 32 has 4 fields, expected 3 like line 1"):
            read(path)
    path.write_text("a,b,c\n1,2,3,4\n5,6\n" + "1,2,3\n" * 30)  # the first data row long: checked up front
    with pytest.raises(DataError, match=r"line 2 has 4 fields, expected 3 like line 1"):
        read_table(path)


def test_fast_record_scan_blank_lines_and_blocks(tmp_path: Path, monkeypatch) -> None:
    from core.datasets import csv_records

    monkeypatch.setattr(csv_records, "_BLOCK", 7)  # lines cross block borders
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n   \r\n\r\n3,4\n5,6,7\n")
    with pytest.raises(DataError, match=r"line 6 has 3 fields, expected 2 like line 1"):
        csv_records.records_fast(str(path), "utf-8", ",")
    path.write_bytes(b"a,b\n1,2\n \n3,4")
    lines, columns, first = csv_records.records_fast(str(path), "utf-8", ",")
    assert lines.tolist() == [1, 2, 4] and columns == ["a", "b"] and first[-1] == ["3", "4"]
