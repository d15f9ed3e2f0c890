"""helpers/data.py: loading, verifying and downloading the weather CSV, all offline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import helpers.data
from helpers import PROJECT_ROOT
from helpers.data import (
    BASEL_COLUMNS,
    FILENAME,
    REQUIRED_COLUMNS,
    SHA256,
    WeatherDataError,
    data_dir,
    fetch_weather_file,
    file_sha256,
    load_weather,
    verify_file,
)

import pandas as pd
import pytest

REAL_FILE = PROJECT_ROOT / "data" / FILENAME


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files_in(folder: Path) -> list[str]:
    """Everything in the folder, hidden and temporary files included."""
    return sorted(entry.name for entry in Path(folder).iterdir()) if Path(folder).exists() else []


# --- reading a local file ---------------------------------------------------------------------


def test_load_weather_parses_and_sorts_by_date(weather_csv):
    path = weather_csv(dates=(20000103, 20000101, 20000104, 20000102))
    weather = load_weather(path, sha256=None)
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
    assert len(load_weather(path, sha256=sha256_of(path))) == 4


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
        load_weather(path, sha256=None)
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
        load_weather(path, sha256=None)
    assert str(path) in str(error.value)


def test_not_text_raises_weather_data_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x9d" * 50)
    with pytest.raises(WeatherDataError):
        load_weather(path, sha256=None)


def test_duplicated_dates_raise(weather_csv):
    path = weather_csv(dates=(20000101, 20000102, 20000102, 20000103))
    with pytest.raises(WeatherDataError, match="twice"):
        load_weather(path, sha256=None)


def test_missing_days_are_refused(weather_csv):
    path = weather_csv(dates=(20000101, 20000102, 20000104, 20000105))
    with pytest.raises(WeatherDataError, match=r"the dates jump from 2000-01-02 to 2000-01-04; the lesson needs one row for every day"):
        load_weather(path, sha256=None)


def test_text_in_a_numeric_column_raises(weather_csv):
    text = "\n".join([_header(), _row(20000101), _row(20000102, value="cloudy")]) + "\n"
    with pytest.raises(WeatherDataError):
        load_weather(weather_csv(text=text), sha256=None)


# --- where the data lives ---------------------------------------------------------------------


def test_data_dir_follows_lesson_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSON_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("LESSON_DATA_DIR")
    assert data_dir() == PROJECT_ROOT / "data"


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
    monkeypatch.setenv("LESSON_DATA_DIR", str(folder))
    return fake, folder, requests


def test_load_weather_downloads_and_verifies(served_weather):
    fake, folder, requests = served_weather
    weather = load_weather()
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
    monkeypatch.setenv("LESSON_DATA_DIR", str(folder))
    with pytest.raises(WeatherDataError) as error:
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


def test_a_relative_data_folder_is_taken_from_the_project(monkeypatch):
    monkeypatch.setenv("LESSON_DATA_DIR", "my-data")
    assert data_dir() == PROJECT_ROOT / "my-data"  # not notebooks/my-data for a kernel running in notebooks/


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
    with pytest.raises(WeatherDataError, match=r"Cannot write the data file into .* \(Permission denied\)\. Make that folder writable"):
        fetch_weather_file(tmp_path / "read-only")


def test_infinite_values_are_refused(weather_csv):
    path = weather_csv()
    text = path.read_text(encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    first[header.index("BASEL_sunshine")] = "inf"
    path.write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(WeatherDataError, match=r"infinite values in \['BASEL_sunshine'\]"):
        load_weather(path, sha256=None)


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
