"""helpers/data.py: loading, verifying and downloading the weather CSV, all offline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import helpers.data
from helpers.config import Config, current, project_root, using
from helpers.data import (
    BASEL_COLUMNS,
    FILENAME,
    REQUIRED_COLUMNS,
    SHA256,
    WeatherDataError,
    WeatherDataWarning,
    data_dir,
    fetch_weather_file,
    file_sha256,
    load_weather,
    verify_file,
)
from helpers.settings import DATA_VARIABLE

import pandas as pd
import pytest

PROJECT_ROOT = project_root()
REAL_FILE = PROJECT_ROOT / "data" / FILENAME


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files_in(folder: Path) -> list[str]:
    """Everything in the folder, hidden and temporary files included."""
    return sorted(entry.name for entry in Path(folder).iterdir()) if Path(folder).exists() else []


# --- reading a local file ---------------------------------------------------------------------


def test_load_weather_parses_and_sorts_by_date(weather_csv):
    path = weather_csv(dates=(20000103, 20000101, 20000104, 20000102))
    weather = load_weather(path, sha256=None, whole_split=False)
    assert list(weather.columns) == REQUIRED_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(weather["DATE"])
    assert "DATE" in weather.columns and not isinstance(weather.index, pd.DatetimeIndex)
    assert list(weather["DATE"]) == list(pd.date_range("2000-01-01", periods=4, freq="D"))
    assert list(weather.index) == [0, 1, 2, 3]
    # rows moved with their dates: the file's row r holds r + column_number / 10
    assert list(weather["BASEL_cloud_cover"]) == pytest.approx([1.2, 3.2, 0.2, 2.2])
    assert list(weather["MONTH"]) == [1, 1, 1, 1]


def test_load_weather_with_matching_sha256(weather_csv):
    path = weather_csv()
    assert file_sha256(path) == sha256_of(path)
    assert verify_file(path, sha256_of(path)) == path
    assert len(load_weather(path, sha256=sha256_of(path), whole_split=False)) == 4


def test_load_weather_missing_file_raises(tmp_path):
    with pytest.raises(WeatherDataError, match="No data file"):
        load_weather(tmp_path / "absent.csv", sha256=None)
    with pytest.raises(WeatherDataError, match="No data file"):
        load_weather(tmp_path / "absent.csv")


@pytest.mark.parametrize("expected", [SHA256, "0" * 64], ids=["published", "other"])
def test_checksum_mismatch_names_both_hashes_and_keeps_the_file(weather_csv, expected):
    path = weather_csv()
    before = path.read_bytes()
    actual = sha256_of(path)
    with pytest.raises(WeatherDataError) as error:
        load_weather(path, sha256=expected)
    message = str(error.value)
    assert expected in message
    assert actual in message
    assert path.is_file() and path.read_bytes() == before


def test_missing_columns_are_named(weather_csv):
    path = weather_csv(drop=("MONTH", "BASEL_sunshine"))
    with pytest.raises(WeatherDataError, match="lacks the columns") as error:
        load_weather(path, sha256=None, whole_split=False)
    assert "MONTH" in str(error.value)
    assert "BASEL_sunshine" in str(error.value)
    assert "BASEL_humidity" not in str(error.value)


def _header() -> str:
    return ",".join(REQUIRED_COLUMNS)


def _row(date, value="1.0") -> str:
    return ",".join([str(date), "1", *[value] * len(BASEL_COLUMNS)])


MALFORMED = {
    "empty file": "",
    "ragged row (extra field)": "\n".join([_header(), _row(20000101), _row(20000102) + ",9.9", _row(20000103)]) + "\n",
    "truncated last row": "\n".join([_header(), _row(20000101), _row(20000102), "20000103,1,0.5,7"]),
    "text in DATE": "\n".join([_header(), _row(20000101), _row("yesterday")]) + "\n",
    "impossible date": "\n".join([_header(), _row(20000101), _row(20001301)]) + "\n",
    "iso dates": "\n".join([_header(), _row("2000-01-01"), _row("2000-01-02")]) + "\n",
    "blank DATE": "\n".join([_header(), _row(20000101), _row("")]) + "\n",
    "empty value": "\n".join([_header(), _row(20000101), _row(20000102).replace(",1.0", ",", 1)]) + "\n",
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_csv_raises_weather_data_error(weather_csv, text):
    path = weather_csv(text=text)
    with pytest.raises(WeatherDataError) as error:
        load_weather(path, sha256=None, whole_split=False)
    assert str(path) in str(error.value)


def test_not_text_raises_weather_data_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x9d" * 50)
    with pytest.raises(WeatherDataError):
        load_weather(path, sha256=None, whole_split=False)


def test_missing_days_are_refused(weather_csv):
    path = weather_csv(dates=(20000101, 20000102, 20000104, 20000105))
    with pytest.raises(WeatherDataError, match=r"the dates jump from 2000-01-02 to 2000-01-04; the lesson needs one row for every day"):
        load_weather(path, sha256=None, whole_split=False)


def test_data_dir_follows_the_configuration(tmp_path):
    with using(current().but(data_dir=tmp_path / "mine")):
        assert data_dir() == tmp_path / "mine"
    assert data_dir(Config.from_environ({}, root=PROJECT_ROOT)) == PROJECT_ROOT / "data"
    assert data_dir(Config.from_environ({DATA_VARIABLE: str(tmp_path)})) == tmp_path


def test_the_data_folder_does_not_depend_on_where_helpers_is_installed(tmp_path):
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    # the project's folder is found from where the lesson runs (a `pip install .` puts helpers elsewhere)
    assert data_dir(Config.from_environ({}, root=project)) == project / "data"
    assert data_dir(Config.from_environ({DATA_VARIABLE: "my-data"}, root=project)) == project / "my-data"


# --- downloading (from a local HTTP server) ---------------------------------------------------


@pytest.fixture
def served_weather(http_server, weather_csv, monkeypatch, tmp_path):
    """A fake weather CSV served on 127.0.0.1, with DATA_URL and SHA256 pointing at it.

    Returns (fake file, download folder, list of request paths the server saw).
    """
    served, base_url, requests = http_server
    fake = weather_csv(name="fake.csv", dates=(20000102, 20000101, 20000103))
    (served / FILENAME).write_bytes(fake.read_bytes())
    monkeypatch.setattr(helpers.data, "DATA_URL", f"{base_url}/{FILENAME}")
    monkeypatch.setattr(helpers.data, "SHA256", sha256_of(fake))
    folder = tmp_path / "downloads"
    with using(current().but(data_dir=folder)):
        yield fake, folder, requests


def test_load_weather_downloads_and_verifies(served_weather):
    fake, folder, requests = served_weather
    weather = load_weather(whole_split=False)  # three days: the lesson's split is not covered
    assert requests == [f"/{FILENAME}"]
    assert files_in(folder) == [FILENAME]
    assert (folder / FILENAME).read_bytes() == fake.read_bytes()
    assert weather.shape == (3, len(REQUIRED_COLUMNS))
    assert list(weather["DATE"]) == list(pd.date_range("2000-01-01", periods=3, freq="D"))


def test_fetch_weather_file_downloads_into_the_given_folder(served_weather, tmp_path):
    fake, _, requests = served_weather
    folder = tmp_path / "elsewhere" / "nested"
    path = fetch_weather_file(folder)
    assert path == folder / FILENAME
    assert path.read_bytes() == fake.read_bytes()
    assert files_in(folder) == [FILENAME]
    assert len(requests) == 1


def test_second_call_uses_the_verified_local_copy(served_weather):
    _, folder, requests = served_weather
    first = fetch_weather_file()
    second = fetch_weather_file()
    assert first == second == folder / FILENAME
    assert len(requests) == 1  # no second download


def test_download_with_wrong_checksum_leaves_no_file(served_weather, monkeypatch):
    _, folder, requests = served_weather
    monkeypatch.setattr(helpers.data, "SHA256", "0" * 64)
    with pytest.raises(WeatherDataError, match="did not match the published checksum") as error:
        load_weather()
    assert len(requests) == 1  # it was downloaded, then discarded
    assert helpers.data.DATA_URL in str(error.value)
    assert str(folder) in str(error.value)
    assert files_in(folder) == []  # neither the file nor a partial/temporary one


def test_unreachable_server_names_url_and_folder(closed_url, monkeypatch, tmp_path):
    url = closed_url(FILENAME)
    monkeypatch.setattr(helpers.data, "DATA_URL", url)
    folder = tmp_path / "offline"
    with using(current().but(data_dir=folder)), pytest.raises(WeatherDataError) as error:
        load_weather()
    message = str(error.value)
    assert url in message
    assert f"{folder}/" in message
    assert FILENAME in message
    assert files_in(folder) == []


def test_existing_file_with_wrong_hash_is_kept_and_not_downloaded_over(served_weather, weather_csv):
    _, folder, requests = served_weather
    folder.mkdir(parents=True)
    local = folder / FILENAME
    local.write_text(
        weather_csv(name="other.csv", dates=(20010101, 20010102)).read_text(encoding="utf-8"), encoding="utf-8"
    )
    before = local.read_bytes()
    with pytest.raises(WeatherDataError, match="Checksum mismatch") as error:
        load_weather()
    assert sha256_of(local) in str(error.value)
    assert local.read_bytes() == before
    assert files_in(folder) == [FILENAME]
    assert requests == []


# --- the real file, when the project has it ---------------------------------------------------


@pytest.mark.skipif(not REAL_FILE.is_file(), reason=f"{REAL_FILE} is absent (run `python3 -m tools setup` to download it)")
def test_real_file_shape_and_dates():
    weather = load_weather(REAL_FILE)  # checked against the published sha256
    assert weather.shape == (3654, 91)
    assert weather["DATE"].iloc[0] == pd.Timestamp("2000-01-01")
    assert weather["DATE"].iloc[-1] == pd.Timestamp("2010-01-01")
    assert weather["DATE"].is_monotonic_increasing
    assert set(REQUIRED_COLUMNS) <= set(weather.columns)


# --- bad places and bad values, named (issue "Nothing ... is ever lost, and every bad input is named") ----


def test_a_relative_data_folder_is_taken_from_the_project():
    config = Config.from_environ({DATA_VARIABLE: "my-data"})
    assert data_dir(config) == PROJECT_ROOT / "my-data"  # not notebooks/my-data for a kernel running in notebooks/


def test_no_network_is_one_message_without_a_chained_traceback(closed_url, monkeypatch, tmp_path):
    monkeypatch.setattr(helpers.data, "DATA_URL", closed_url(FILENAME))
    with pytest.raises(WeatherDataError) as error:
        fetch_weather_file(tmp_path / "offline")
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert "Without internet, download" in str(error.value)


def test_a_folder_where_the_file_belongs_is_named(tmp_path):
    (tmp_path / FILENAME).mkdir()
    with pytest.raises(WeatherDataError, match=r"is a folder where the data file belongs\. Move that folder away"):
        fetch_weather_file(tmp_path)
    with pytest.raises(WeatherDataError, match=r"is a folder, not the data file"):
        load_weather(tmp_path / FILENAME)


def test_a_folder_that_cannot_be_written_is_not_reported_as_a_network_problem(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(helpers.data.pooch, "retrieve", refuse)
    with pytest.raises(WeatherDataError) as error:
        fetch_weather_file(tmp_path / "read-only")
    message = str(error.value)
    assert "Permission denied" in message and "cannot be written" in message and "internet" not in message


def test_jupyter_shows_the_message_without_a_traceback(tmp_path):
    from tools.notebooks import notebook_client

    import nbformat
    from nbclient.exceptions import CellExecutionError

    missing = tmp_path / "no-such-file.csv"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"from helpers.data import load_weather\nload_weather({str(missing)!r})")])
    with pytest.raises(CellExecutionError):
        notebook_client(notebook, tmp_path, timeout=60).execute()
    error = notebook.cells[0].outputs[-1]
    assert error.output_type == "error"
    assert error.traceback == [f"WeatherDataError: No data file at {missing}. Check the path, or call load_weather() with no path."]


# --- each data message says what is wrong and what to do (issue 35) ------------------------------------

FRESH = "delete it and run again"  # the remedy for a file that is not the published dataset


def _with_cell(path: Path, row: int, column: str, value: str) -> Path:
    """The CSV at ``path`` with one cell (data row ``row``, 0 the first) replaced by ``value``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, cells = lines[0].split(","), lines[row + 1].split(",")
    cells[header.index(column)] = value
    lines[row + 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(WeatherDataError) as error:
        load_weather(path, sha256=None, whole_split=False)
    return str(error.value)


@pytest.mark.parametrize("value", ["nan", "", "inf", "-inf"])
def test_a_gap_or_infinite_value_in_a_basel_column_names_the_day_and_the_remedy(weather_csv, value):
    message = _refusal(_with_cell(weather_csv(), 2, "BASEL_humidity", value))
    assert "BASEL_humidity" in message and "2000-01-03" in message and "line 4" in message
    assert "BASEL_cloud_cover" not in message
    assert FRESH in message


def test_duplicated_days_name_the_day_its_lines_and_the_remedy(weather_csv):
    message = _refusal(weather_csv(dates=(20000101, 20000102, 20000103, 20000102)))
    assert "2000-01-02" in message and "lines 3, 5" in message
    assert FRESH in message


def test_text_in_a_number_column_names_the_column_the_line_the_text_and_the_remedy(weather_csv):
    message = _refusal(_with_cell(weather_csv(), 1, "BASEL_pressure", "cloudy"))
    assert "BASEL_pressure" in message and "line 3" in message and "'cloudy'" in message
    assert FRESH in message


@pytest.mark.parametrize("date", ["2000-01-02", "20001301", "02.01.2000", ""])
def test_an_unusual_date_names_the_line_and_the_format_without_advice_for_programmers(weather_csv, date):
    message = _refusal(weather_csv(dates=(20000101, date, 20000103)))
    assert "line 3" in message and "yyyymmdd" in message and FRESH in message
    assert "format" not in message and "dayfirst" not in message  # pandas' advice to programmers


def test_a_gap_outside_basel_is_accepted_and_named_in_a_warning(weather_csv):
    path = _with_cell(weather_csv(extra_columns=("DE_BILT_sunshine", "OSLO_humidity")), 1, "DE_BILT_sunshine", "")
    with pytest.warns(WeatherDataWarning) as warned:
        weather = load_weather(path, sha256=None, whole_split=False)
    message = " ".join(str(warning.message) for warning in warned)
    assert "DE_BILT_sunshine" in message and "OSLO_humidity" not in message
    assert weather.attrs["incomplete_columns"] == ["DE_BILT_sunshine"]
    assert weather[BASEL_COLUMNS].notna().all().all() and len(weather) == 4


def test_a_complete_file_gives_no_warning(weather_csv, recwarn):
    weather = load_weather(weather_csv(extra_columns=("DE_BILT_sunshine",)), sha256=None, whole_split=False)
    assert not [warning for warning in recwarn if issubclass(warning.category, WeatherDataWarning)]
    assert weather.attrs["incomplete_columns"] == []


def _days(first: str, last: str) -> tuple[int, ...]:
    return tuple(int(day.strftime("%Y%m%d")) for day in pd.date_range(first, last, freq="D"))


def test_a_file_cut_at_a_row_boundary_is_called_incomplete_not_blamed_on_the_split(weather_csv):
    path = weather_csv(FILENAME, dates=_days("2000-01-01", "2008-03-16"))  # the lesson's own file, cut short
    with pytest.raises(WeatherDataError) as error:
        load_weather(path, sha256=None)
    message = str(error.value)
    assert "incomplete" in message and "2008-03-16" in message and "Delete it" in message
    assert "val_start" not in message


def test_a_short_file_of_ones_own_is_not_to_be_deleted_but_read_with_whole_split_off(weather_csv):
    path = weather_csv("my_weather.csv", dates=_days("2000-01-01", "2008-03-16"))
    with pytest.raises(WeatherDataError) as error:
        load_weather(path, sha256=None)
    assert "whole_split=False" in str(error.value) and "Delete it" not in str(error.value)
    assert len(load_weather(path, sha256=None, whole_split=False)) == len(_days("2000-01-01", "2008-03-16"))


def test_a_file_that_covers_the_split_is_read_whole(weather_csv):
    weather = load_weather(weather_csv(dates=_days("2007-06-01", "2010-01-01")), sha256=None)
    assert len(weather) == len(_days("2007-06-01", "2010-01-01"))


def test_a_backtest_fold_needs_only_its_own_years(weather_csv):
    path = weather_csv(dates=_days("2004-01-01", "2007-01-01"))
    with pytest.raises(WeatherDataError, match="incomplete"):
        load_weather(path, sha256=None)
    with using(current().but(validation_year=2005)):
        assert len(load_weather(path, sha256=None)) == len(_days("2004-01-01", "2007-01-01"))


def test_a_read_only_data_folder_says_it_cannot_be_written_and_what_to_set(monkeypatch, tmp_path):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)  # enough where the tests do not run as root
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)  # where they do
    try:
        with using(current().but(data_dir=folder)), pytest.raises(WeatherDataError) as error:
            load_weather()
    finally:
        folder.chmod(0o755)
    message = str(error.value)
    assert str(folder) in message and "cannot be written" in message and DATA_VARIABLE in message
    assert "internet" not in message.lower() and "download http" not in message
    assert files_in(folder) == []
