"""Load the weather prediction dataset (Huber et al., Zenodo 10.5281/zenodo.5071376, CC-BY-4.0).

The light CSV is read from ``data/`` when it is there, otherwise downloaded once with pooch.
Either way its sha256 is checked before a single row is used.
"""

from __future__ import annotations

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
    try:
        folder.mkdir(parents=True, exist_ok=True)
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
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as error:  # not the network
        raise WeatherDataError(
            f"Cannot write the data file into {folder}/ ({error.strerror or type(error).__name__}). Make that "
            f"folder writable, or set {DATA_VARIABLE} to a folder you can write to, then run again."
        ) from None
    except Exception as error:  # no network, proxy, HTTP error
        raise WeatherDataError(
            f"Could not download the weather data ({type(error).__name__}: {str(error)[:300]}).\n"
            f"Without internet, download {DATA_URL}\non a connected machine and put the file, named "
            f"{FILENAME}, into {folder}/ (or set {DATA_VARIABLE} to the folder that holds it)."
        ) from None
    return Path(downloaded)


def read_weather_csv(path: str | Path) -> pd.DataFrame:
    """Parse a weather CSV into daily rows sorted by a datetime ``DATE`` column; raise WeatherDataError if malformed.

    Example: ``read_weather_csv("data/weather_prediction_dataset_light.csv").shape  # (3654, 91)``
    """
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise WeatherDataError(
            f"{path} is not a readable CSV ({error}). It may be truncated or not the weather dataset: "
            "delete it and run again to download a fresh copy."
        ) from error
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise WeatherDataError(
            f"{path} lacks the columns {missing}. Use the light weather prediction dataset ({DATA_URL})."
        )
    try:
        frame["DATE"] = pd.to_datetime(frame["DATE"].astype(str), format="%Y%m%d")
    except (ValueError, TypeError) as error:
        raise WeatherDataError(f"{path}: the DATE column is not yyyymmdd dates ({error}).") from error
    if frame["DATE"].duplicated().any():
        raise WeatherDataError(f"{path}: some dates occur twice; the file is not one row per day.")
    if frame.empty:
        raise WeatherDataError(f"{path} has a header but no rows; delete it and run again to download a fresh copy.")
    if frame[REQUIRED_COLUMNS].isna().any().any():
        raise WeatherDataError(f"{path}: empty values in {REQUIRED_COLUMNS}; the file looks truncated.")
    not_numeric = [c for c in REQUIRED_COLUMNS[1:] if not pd.api.types.is_numeric_dtype(frame[c])]
    if not_numeric:
        raise WeatherDataError(f"{path}: the columns {not_numeric} hold text where numbers belong; the file is malformed.")
    infinite = [c for c in REQUIRED_COLUMNS[1:] if np.isinf(frame[c].to_numpy(dtype=float)).any()]
    if infinite:
        raise WeatherDataError(f"{path}: infinite values in {infinite}; the lesson needs finite measurements.")
    frame = frame.sort_values("DATE", ignore_index=True)
    steps = frame["DATE"].diff().iloc[1:]
    if (steps != pd.Timedelta(days=1)).any():
        at = int(np.argmax((steps != pd.Timedelta(days=1)).to_numpy())) + 1
        raise WeatherDataError(
            f"{path}: the dates jump from {frame['DATE'][at - 1].date()} to {frame['DATE'][at].date()}; the lesson "
            "needs one row for every day. Delete the file and run again to download a fresh copy."
        )
    return frame


def load_weather(path: str | Path | None = None, sha256: str | None = SHA256) -> pd.DataFrame:
    """Load the daily weather data: 3654 rows, ``DATE`` a datetime64 column (not the index), sorted.

    With no ``path`` the light CSV comes from ``data/`` or is downloaded; any file is checked
    against ``sha256`` first (the published hash by default); ``sha256=None`` reads a file of your own unchecked.

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
    return read_weather_csv(path)
