"""Load the weather prediction dataset (Huber et al., Zenodo 10.5281/zenodo.5071376, CC-BY-4.0).

The light CSV is read from ``data/`` when it is there, otherwise downloaded once with pooch.
Either way its sha256 is checked before a single row is used.
"""

from __future__ import annotations

import errno
import tempfile
import warnings
from pathlib import Path

from helpers.config import Config, current
from helpers.settings import DATA_VARIABLE

import numpy as np
import pandas as pd
import pooch

FILENAME = "weather_prediction_dataset_light.csv"
DATA_URL = f"https://zenodo.org/record/5071376/files/{FILENAME}?download=1"
SHA256 = "945883204cae14251aec44e78845eb880ed3c04ac56a26fb5283c20f149be960"
BASEL_COLUMNS = [
    "BASEL_cloud_cover",
    "BASEL_humidity",
    "BASEL_pressure",
    "BASEL_global_radiation",
    "BASEL_precipitation",
    "BASEL_sunshine",
    "BASEL_temp_mean",
    "BASEL_temp_min",
    "BASEL_temp_max",
]
REQUIRED_COLUMNS = ["DATE", "MONTH", *BASEL_COLUMNS]


class WeatherDataError(RuntimeError):
    """The weather data could not be found, downloaded, verified or parsed; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: the message, which already names the problem and the fix."""
        return [f"WeatherDataError: {self}"]


def data_dir(config: Config | None = None) -> Path:
    """Folder that holds the data: the configuration's (``$LESSON_DATA_DIR``, else ``data/`` in the project).

    Example: ``data_dir() / FILENAME``
    """
    return (config or current()).data_dir


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes.

    Example: ``file_sha256("data/weather_prediction_dataset_light.csv")``
    """
    return pooch.file_hash(str(path), alg="sha256")


def _existing_file(path: str | Path) -> Path:
    """``path`` as a Path, after checking that a file is there."""
    path = Path(path)
    if path.is_dir():
        raise WeatherDataError(f"{path} is a folder, not the data file. Move it away (or pass the CSV file inside it).")
    if not path.is_file():
        raise WeatherDataError(f"No data file at {path}. Check the path, or call load_weather() with no path.")
    return path


def verify_file(path: str | Path, sha256: str | None = None) -> Path:
    """Check a file's sha256 and return its path; raise WeatherDataError on a mismatch (the file is kept).

    Example: ``verify_file("data/weather_prediction_dataset_light.csv")``
    """
    path = _existing_file(path)
    sha256 = sha256 or SHA256
    actual = file_sha256(path)
    if actual != sha256:
        raise WeatherDataError(
            f"Checksum mismatch for {path}:\n  expected sha256 {sha256}\n  actual   sha256 {actual}\n"
            "The file is not the published dataset (altered, truncated or re-saved, perhaps with other "
            "line endings). It was not used and has not been deleted: move it away and run again to "
            f"download a fresh copy, or download it yourself from {DATA_URL} into {path.parent}/."
        )
    return path


def fetch_weather_file(folder: str | Path | None = None) -> Path:
    """Return the verified light CSV in ``folder`` (default ``data_dir()``), downloading it if absent.

    Example: ``fetch_weather_file()  # -> Path('.../data/weather_prediction_dataset_light.csv')``
    """
    folder = Path(folder) if folder is not None else data_dir()
    target = folder / FILENAME
    if target.is_dir():
        raise WeatherDataError(
            f"{target} is a folder where the data file belongs. Move that folder away, then run again: the file "
            f"is downloaded (or copy {FILENAME} into {folder}/ by hand)."
        )
    if target.exists():
        return verify_file(target)
    _check_writable(folder)
    try:
        # pooch writes to a temporary file and renames it only after the hash matched, so an
        # interrupted or corrupted download leaves nothing behind.
        downloaded = pooch.retrieve(
            DATA_URL, known_hash=f"sha256:{SHA256}", fname=FILENAME, path=folder, progressbar=False
        )
    # Expected problems end in one message (``from None``): a learner should not scroll through chained
    # tracebacks to find what to do.
    except ValueError as error:  # pooch's hash mismatch
        raise WeatherDataError(
            f"The download from {DATA_URL} did not match the published checksum and was discarded.\n"
            f"{error}\nTry again later, or download the file by hand into {folder}/."
        ) from None
    except Exception as error:  # the folder (full disk, permission taken meanwhile), or no network, proxy, HTTP
        if isinstance(error, OSError) and (isinstance(error, FOLDER_ERRORS) or error.errno in WRITE_ERRORS):
            raise _cannot_write(folder, error) from None
        raise _no_download(error, folder) from None
    return Path(downloaded)


WRITE_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}  # requests' errors have none
FOLDER_ERRORS = (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)


def _cannot_write(folder: Path, error: OSError) -> WeatherDataError:
    """The message for a data folder that cannot be written: what is wrong, and what to set."""
    reason = error.strerror or type(error).__name__
    return WeatherDataError(
        f"Cannot write the data file into {folder}/ ({reason}): the folder cannot be written, so the data cannot "
        f"be downloaded there. Make that folder writable (or free space on its disk), or set {DATA_VARIABLE} to a "
        f"folder you can write to (for example {DATA_VARIABLE}=~/lesson-data), then run again."
    )


def _no_download(error: Exception, folder: Path) -> WeatherDataError:
    """The message for a download that failed on the way (no network, proxy, HTTP error)."""
    return WeatherDataError(
        f"Could not download the weather data ({type(error).__name__}: {str(error)[:300]}).\n"
        f"Without internet, download {DATA_URL}\non a connected machine and put the file, named "
        f"{FILENAME}, into {folder}/ (or set {DATA_VARIABLE} to the folder that holds it)."
    )


def _check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and make sure a file can be written there, before anything is downloaded."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise _cannot_write(folder, error) from None


FRESH_COPY = "delete it and run again to download a fresh copy"
OWN_FILE = "for a file of your own"


class WeatherDataWarning(UserWarning):
    """The data is usable for the lesson's Basel columns, but something elsewhere in the file needs care."""


def _line(frame: pd.DataFrame, at) -> int:
    """The file's line number of the row ``at`` (the header is line 1)."""
    return int(at) + 2


def _as_text(value) -> str:
    """A DATE cell as the text the file holds: 20000101 read as a number (or 20000101.0 beside a blank) stays 20000101."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return "" if pd.isna(value) else str(value)


def _parse_dates(frame: pd.DataFrame, path) -> pd.Series:
    """The DATE column as datetimes; a WeatherDataError naming the first line whose date is not yyyymmdd."""
    text = frame["DATE"].map(_as_text)
    dates = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    bad = dates.isna() | ~text.str.fullmatch(r"[0-9]{8}")
    if bad.any():
        at = bad.idxmax()
        raise WeatherDataError(
            f"{path}, line {_line(frame, at)}: the DATE {text[at]!r} is not a day written as yyyymmdd (such as "
            f"20000101). The file is not the published dataset (a spreadsheet that re-saves it rewrites the "
            f"dates): {FRESH_COPY}; {OWN_FILE}, write every date as yyyymmdd."
        )
    return dates


def _text_cell(frame: pd.DataFrame, columns: list[str]) -> tuple[str, int, str] | None:
    """The first (column, row, text) where a column that should hold numbers holds text, else None."""
    for column in columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        text = frame[column].notna() & numbers.isna()
        if text.any():
            at = text.idxmax()
            return column, at, str(frame[column][at])
    return None


def _not_finite(frame: pd.DataFrame, columns: list[str]) -> dict[str, pd.Series]:
    """Per column with gaps (NaN) or infinite values, a boolean Series marking those rows."""
    marks = {}
    for column in columns:
        bad = ~np.isfinite(frame[column].to_numpy(dtype=float))
        if bad.any():
            marks[column] = pd.Series(bad, index=frame.index)
    return marks


def read_weather_csv(path: str | Path) -> pd.DataFrame:
    """Parse a weather CSV into daily rows sorted by a datetime ``DATE`` column; raise WeatherDataError if malformed.

    The Basel columns (the lesson's) must hold a finite number on every day. Gaps or infinite values in other
    stations' columns are accepted with a WeatherDataWarning that names them (only episode 9 reads them), and
    the affected columns are listed in ``frame.attrs["incomplete_columns"]``.

    Example: ``read_weather_csv("data/weather_prediction_dataset_light.csv").shape  # (3654, 91)``
    """
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise WeatherDataError(
            f"{path} is not a readable CSV ({reason}). It may be truncated or not the weather dataset: "
            f"{FRESH_COPY}."
        ) from None
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise WeatherDataError(
            f"{path} lacks the columns {missing}. Use the light weather prediction dataset ({DATA_URL}): "
            f"{FRESH_COPY}."
        )
    if frame.empty:
        raise WeatherDataError(f"{path} has a header but no rows; {FRESH_COPY}.")
    frame["DATE"] = _parse_dates(frame, path)
    repeated = frame["DATE"].duplicated(keep=False)
    if repeated.any():
        day = frame["DATE"][repeated.idxmax()]
        lines = [_line(frame, at) for at in frame.index[frame["DATE"] == day]]
        raise WeatherDataError(
            f"{path}: the day {day.date()} occurs {len(lines)} times (lines {', '.join(map(str, lines))}); the "
            f"lesson needs exactly one row per day. The file is not the published dataset: {FRESH_COPY}; "
            f"{OWN_FILE}, keep one row for each day."
        )
    numbers = [column for column in frame.columns if column != "DATE"]
    text = _text_cell(frame, numbers)
    if text:
        column, at, value = text
        raise WeatherDataError(
            f"{path}, line {_line(frame, at)}: the column {column} holds the text {value!r} where a number "
            f"belongs. The file is not the published dataset: {FRESH_COPY}; {OWN_FILE}, write a number there."
        )
    gaps = _not_finite(frame, REQUIRED_COLUMNS[1:])
    if gaps:
        rows = pd.concat(gaps.values(), axis=1).any(axis=1)
        at = rows.idxmax()
        raise WeatherDataError(
            f"{path}: {', '.join(gaps)} {'has' if len(gaps) == 1 else 'have'} an empty, NaN or infinite value on "
            f"{int(rows.sum())} day(s), the first {frame['DATE'][at].date()} (line {_line(frame, at)}); the lesson "
            f"needs a finite measurement for every day in the Basel columns. The file is not the published "
            f"dataset (perhaps cut short): {FRESH_COPY}; {OWN_FILE}, fill those days in."
        )
    elsewhere = _not_finite(frame, [column for column in numbers if column not in REQUIRED_COLUMNS])
    frame.attrs["incomplete_columns"] = list(elsewhere)
    if elsewhere:
        shown = ", ".join(list(elsewhere)[:5]) + (f" and {len(elsewhere) - 5} more" if len(elsewhere) > 5 else "")
        warnings.warn(
            f"{path}: {shown} {'has' if len(elsewhere) == 1 else 'have'} empty, NaN or infinite values. The Basel "
            "columns, which episodes 1-8 use, are complete; episode 9's models of all stations would learn "
            "nothing from these gaps (NaN losses): fill them in, drop those columns, or use the published file.",
            WeatherDataWarning, stacklevel=3,
        )
    frame = frame.sort_values("DATE", ignore_index=True)
    steps = frame["DATE"].diff().iloc[1:]
    if (steps != pd.Timedelta(days=1)).any():
        at = int(np.argmax((steps != pd.Timedelta(days=1)).to_numpy())) + 1
        raise WeatherDataError(
            f"{path}: the dates jump from {frame['DATE'][at - 1].date()} to {frame['DATE'][at].date()}; the lesson "
            f"needs one row for every day. The file is not the published dataset: {FRESH_COPY}."
        )
    return frame


def check_covers_split(frame: pd.DataFrame, path, config: Config | None = None) -> pd.DataFrame:
    """``frame`` if its days cover the lesson's split (training days, the validation and the test year), else a
    WeatherDataError that calls the file incomplete.

    The split is the configuration's: the lesson's, or a backtest fold's.

    Example: ``check_covers_split(read_weather_csv(path), path)``
    """
    from helpers.lesson import SPLIT, split_for

    year = (config or current()).validation_year
    split = SPLIT if year is None else split_for(year)
    first, last = frame["DATE"].iloc[0], frame["DATE"].iloc[-1]
    if first < pd.Timestamp(split.val_start) and last >= pd.Timestamp(split.test_last):
        return frame
    if last < pd.Timestamp(split.test_last):
        found = f"ends on {last.date()}, but the lesson's split needs every day up to {split.test_last}"
    else:
        found = f"starts on {first.date()}, but the lesson trains on the days before {split.val_start}"
    if Path(path).name == FILENAME:  # the lesson's data file: cut short by a download or a copy
        remedy = f"Delete it and run again: it is downloaded again (or copy the whole file from {DATA_URL})."
    else:  # a file of one's own
        remedy = ("If it is a shorter file of your own, read it with load_weather(path, sha256=None, "
                  "whole_split=False); the episodes need the whole period.")
    raise WeatherDataError(
        f"{path} {found}: the file is incomplete (an interrupted download or copy cuts it short). {remedy}"
    )


def load_weather(path: str | Path | None = None, sha256: str | None = SHA256, *,
                 whole_split: bool = True) -> pd.DataFrame:
    """Load the daily weather data: 3654 rows, ``DATE`` a datetime64 column (not the index), sorted.

    With no ``path`` the light CSV comes from ``data/`` or is downloaded; any file is checked
    against ``sha256`` first (the published hash by default); ``sha256=None`` reads a file of your own unchecked.
    ``whole_split``: refuse a file whose days do not cover the lesson's split (an incomplete file) now, rather
    than fail later; ``False`` reads a shorter file of your own.

    Example:
        >>> weather = load_weather()
        >>> weather.shape
        (3654, 91)
    """
    if path is None:
        path = fetch_weather_file()
    elif sha256 is not None:
        verify_file(path, sha256)
    else:
        _existing_file(path)
    frame = read_weather_csv(path)
    return check_covers_split(frame, path) if whole_split else frame
