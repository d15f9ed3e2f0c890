"""helpers/windows.py: station columns, lagged columns, sliding windows and the split by date."""

from __future__ import annotations

from helpers.windows import Part, make_lagged, make_sequences, split_by_date, station_columns, stations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import draw_daily_frame

# --- stations ---------------------------------------------------------------------------------


@pytest.fixture
def two_stations(make_frame):
    """Basel and De Bilt columns interleaved, to check that file order is kept."""
    frame = make_frame(rows=5, columns=[])
    for number, column in enumerate(
        ["MONTH", "BASEL_cloud_cover", "DE_BILT_sunshine", "BASEL_sunshine", "DE_BILT_temp_max", "BASEL_temp_mean"]
    ):
        frame[column] = float(number)
    return frame


def test_stations_in_file_order(two_stations):
    assert stations(two_stations) == ["BASEL", "DE_BILT"]


def test_station_columns_in_file_order(two_stations):
    assert station_columns(two_stations) == ["BASEL_cloud_cover", "BASEL_sunshine", "BASEL_temp_mean"]
    assert station_columns(two_stations, "DE_BILT") == ["DE_BILT_sunshine", "DE_BILT_temp_max"]


@pytest.mark.parametrize("station", ["ZURICH", "DE", "BILT", "basel"])
def test_unknown_station_lists_the_stations(two_stations, station):
    with pytest.raises(ValueError, match=f"Unknown station '{station}'.*BASEL, DE_BILT"):
        station_columns(two_stations, station)


# --- make_lagged ------------------------------------------------------------------------------


def test_make_lagged_names_values_index_and_dates(make_frame):
    frame = make_frame(rows=6, columns=["a", "b"])
    frame.index = range(100, 106)
    lagged = make_lagged(frame, ["a", "b"], lags=2)
    assert list(lagged.columns) == ["DATE", "a_lag1", "a_lag2", "b_lag1", "b_lag2"]
    assert list(lagged.index) == [102, 103, 104, 105]  # the first 2 rows lack history and are dropped
    assert list(lagged["DATE"]) == list(frame["DATE"].iloc[2:])
    for position, row in enumerate(lagged.index, start=2):
        for column in ["a", "b"]:
            assert lagged.loc[row, f"{column}_lag1"] == frame[column].iloc[position - 1]
            assert lagged.loc[row, f"{column}_lag2"] == frame[column].iloc[position - 2]
    # the matching target is found by index, as the docstring promises
    assert list(frame.loc[lagged.index, "a"]) == list(frame["a"].iloc[2:])


def test_make_lagged_with_a_datetime_index(make_frame):
    frame = make_frame(rows=5, columns=["a"]).set_index("DATE")
    lagged = make_lagged(frame, ["a"], lags=3)
    assert list(lagged.columns) == ["DATE", "a_lag1", "a_lag2", "a_lag3"]
    assert list(lagged["DATE"]) == list(frame.index[3:])
    assert lagged["a_lag3"].tolist() == frame["a"].iloc[:2].tolist()


# --- make_sequences ---------------------------------------------------------------------------


def test_make_sequences_shapes_types_and_alignment(make_frame):
    frame = make_frame(rows=10, columns=["a", "b", "target"])
    X, y, dates = make_sequences(frame, ["a", "b"], target="target", window=3)
    assert X.shape == (7, 3, 2)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert y.shape == (7,)
    assert isinstance(dates, pd.DatetimeIndex)
    assert list(dates) == list(frame["DATE"].iloc[3:])
    np.testing.assert_array_equal(y, frame["target"].to_numpy(np.float32)[3:])
    # sample i: days i .. i+2 as inputs, day i+3 as target
    np.testing.assert_array_equal(X[0], frame[["a", "b"]].to_numpy(np.float32)[0:3])
    np.testing.assert_array_equal(X[-1], frame[["a", "b"]].to_numpy(np.float32)[6:9])


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_make_sequences_matches_a_naive_loop_and_make_lagged(data):
    frame, columns, window = draw_daily_frame(data)
    rows, features = len(frame), len(columns)

    X, y, dates = make_sequences(frame, columns, target="target", window=window)

    inputs = frame[columns].to_numpy()
    expected_X, expected_y, expected_dates = [], [], []
    for t in range(window, rows):
        expected_X.append([[inputs[day][j] for j in range(features)] for day in range(t - window, t)])
        expected_y.append(frame["target"][t])
        expected_dates.append(frame["DATE"][t])
    np.testing.assert_array_equal(X, np.array(expected_X, dtype=np.float32).reshape(rows - window, window, features))
    np.testing.assert_array_equal(y, np.array(expected_y, dtype=np.float32))
    assert list(dates) == expected_dates

    lagged = make_lagged(frame, columns, lags=window)
    assert list(lagged["DATE"]) == list(dates)
    for k in range(1, window + 1):
        lag_k = lagged[[f"{column}_lag{k}" for column in columns]].to_numpy(np.float32)
        np.testing.assert_array_equal(X[:, -k, :], lag_k)
    # the benchmark's baseline builds the same windows with a Python loop: tests/test_baseline.py


# --- errors from make_lagged / make_sequences -------------------------------------------------


@pytest.fixture
def small(make_frame):
    return make_frame(rows=8, columns=["a", "b"])


@pytest.mark.parametrize("build", [make_lagged, make_sequences], ids=["lagged", "sequences"])
class TestInputErrors:
    @staticmethod
    def call(build, frame, columns, length):
        if build is make_sequences:
            return make_sequences(frame, columns, target="b", window=length)
        return make_lagged(frame, columns, lags=length)

    @pytest.mark.parametrize("length", [0, -3])
    def test_length_below_one(self, build, small, length):
        with pytest.raises(ValueError, match=r"whole number of days >= 1"):
            self.call(build, small, ["a"], length)

    @pytest.mark.parametrize("length", [8, 9, 100])
    def test_length_not_below_rows(self, build, small, length):
        with pytest.raises(ValueError, match=rf"={length} leaves no samples from 8 rows"):
            self.call(build, small, ["a"], length)

    @pytest.mark.parametrize("length", [2.0, 2.5, "3", True, None])
    def test_length_not_an_int(self, build, small, length):
        with pytest.raises(ValueError, match=r"must be a whole number"):
            self.call(build, small, ["a"], length)

    def test_numpy_int_length_accepted(self, build, small):
        result = self.call(build, small, ["a"], np.int64(2))
        assert len(result if isinstance(result, pd.DataFrame) else result[0]) == 6

    def test_unknown_columns(self, build, small):
        with pytest.raises(ValueError, match=r"Unknown columns \['nope'\]"):
            self.call(build, small, ["a", "nope"], 2)

    def test_columns_as_a_string(self, build, small):
        with pytest.raises(ValueError, match=r"not the string 'a'.*\['a'\]"):
            self.call(build, small, "a", 2)

    def test_no_columns(self, build, small):
        with pytest.raises(ValueError, match=r"columns is empty"):
            self.call(build, small, [], 2)

    def test_nan_in_a_column(self, build, small):
        small.loc[4, "a"] = np.nan
        with pytest.raises(ValueError, match=r"Columns \['a'\] contain NaN"):
            self.call(build, small, ["a"], 2)

    def test_unsorted_dates(self, build, small):
        shuffled = small.iloc[[0, 2, 1, 3, 4, 5, 6, 7]]
        with pytest.raises(ValueError, match=r"not sorted"):
            self.call(build, shuffled, ["a"], 2)

    def test_duplicated_dates(self, build, small):
        small.loc[3, "DATE"] = small.loc[2, "DATE"]
        with pytest.raises(ValueError, match=r"duplicated"):
            self.call(build, small, ["a"], 2)

    def test_missing_dates(self, build, small):
        small.loc[3, "DATE"] = pd.NaT
        with pytest.raises(ValueError, match=r"missing \(NaT\)"):
            self.call(build, small, ["a"], 2)

    def test_no_dates(self, build, small):
        with pytest.raises(ValueError, match=r"no dates.*DATE column.*DatetimeIndex"):
            self.call(build, small.drop(columns="DATE"), ["a"], 2)


def test_nan_in_the_target(small):
    small.loc[6, "b"] = np.nan
    with pytest.raises(ValueError, match=r"Columns \['b'\] contain NaN"):
        make_sequences(small, ["a"], target="b", window=2)


def test_unknown_target(small):
    with pytest.raises(ValueError, match=r"Unknown columns \['sun'\]"):
        make_sequences(small, ["a"], target="sun", window=2)


# --- split_by_date ----------------------------------------------------------------------------


@pytest.fixture
def around_the_split(make_frame):
    """Daily rows from 2007-12-20 to 2009-01-10, so every part holds a few days."""
    days = len(pd.date_range("2007-12-20", "2009-01-10"))
    return make_frame(rows=days, columns=["a", "b", "c"], start="2007-12-20")


def test_split_boundaries(around_the_split):
    frame = around_the_split
    X, y, dates = frame[["a", "b"]].to_numpy(), frame["c"].to_numpy(), frame["DATE"]
    train, val, test = split_by_date(X, y, dates, test_stop="2009-01-11")
    val_at, test_at = pd.Timestamp("2008-01-01"), pd.Timestamp("2009-01-01")
    assert all(isinstance(part, Part) for part in (train, val, test))
    assert (train.dates < val_at).all()
    assert ((val.dates >= val_at) & (val.dates < test_at)).all()
    assert (test.dates >= test_at).all()
    assert train.dates[-1] == pd.Timestamp("2007-12-31") and val.dates[0] == val_at
    assert val.dates[-1] == pd.Timestamp("2008-12-31") and test.dates[0] == test_at
    assert (len(train.y), len(val.y), len(test.y)) == (12, 366, 10)
    np.testing.assert_array_equal(np.concatenate([train.X, val.X, test.X]), X)
    np.testing.assert_array_equal(np.concatenate([train.y, val.y, test.y]), y)


def test_split_custom_dates(around_the_split):
    frame = around_the_split
    train, val, test = split_by_date(frame[["a"]].to_numpy(), frame["c"].to_numpy(), frame["DATE"],
                                     val_start="2008-06-01", test_start="2008-06-03", test_stop="2008-06-06")
    assert len(val.y) == 2 and list(val.dates) == list(pd.date_range("2008-06-01", periods=2))
    assert train.dates[-1] == pd.Timestamp("2008-05-31") and test.dates[0] == pd.Timestamp("2008-06-03")


@pytest.mark.parametrize("kind", ["numpy 2-D", "numpy 3-D", "pandas"])
def test_split_keeps_the_input_types(around_the_split, kind):
    frame = around_the_split
    dates = pd.DatetimeIndex(frame["DATE"])
    if kind == "numpy 2-D":
        X, y = frame[["a", "b"]].to_numpy(), frame["c"].to_numpy()
    elif kind == "numpy 3-D":
        X, y, dates = make_sequences(frame, ["a", "b"], target="c", window=4)
    else:
        X, y = frame[["a", "b"]], frame["c"]
    parts = split_by_date(X, y, dates, test_stop="2009-01-11")
    assert sum(len(part.X) for part in parts) == len(X)
    for part in parts:
        assert type(part.X) is type(X) and type(part.y) is type(y)
        assert len(part.X) == len(part.y) == len(part.dates)
        assert isinstance(part.dates, pd.DatetimeIndex)
        if isinstance(X, np.ndarray):
            assert part.X.shape[1:] == X.shape[1:]
        else:
            assert list(part.X.columns) == ["a", "b"]
            # rows keep their index labels, so the pieces fit back together
            assert list(part.X.index) == list(part.y.index)
            assert list(frame.loc[part.X.index, "DATE"]) == list(part.dates)


def test_split_of_ten_years_tests_on_366_days(make_frame):
    days = len(pd.date_range("2000-01-01", "2010-01-01"))
    frame = make_frame(rows=days, columns=["a", "sun"])
    X, y, dates = make_sequences(frame, ["a", "sun"], target="sun", window=30)
    train, val, test = split_by_date(X, y, dates)
    assert len(test.y) == 366 and test.X.shape == (366, 30, 2)
    assert test.dates[0] == pd.Timestamp("2009-01-01") and test.dates[-1] == pd.Timestamp("2010-01-01")
    assert len(val.y) == 366  # 2008 is a leap year
    assert train.dates[0] == pd.Timestamp("2000-01-31")


def test_a_backtest_fold_s_configuration_moves_the_split(make_frame, _isolated):
    from helpers.config import using

    days = len(pd.date_range("2000-01-01", "2010-01-01"))
    frame = make_frame(rows=days, columns=["a", "sun"])
    X, y, dates = make_lagged(frame, ["a"], lags=1), frame["sun"].iloc[1:], frame["DATE"].iloc[1:]
    fold = _isolated.but(validation_year=2006)
    _, val, test = split_by_date(X, y, dates, config=fold)
    assert (val.dates[0], val.dates[-1]) == (pd.Timestamp("2006-01-01"), pd.Timestamp("2006-12-31"))
    assert (test.dates[0], test.dates[-1]) == (pd.Timestamp("2007-01-01"), pd.Timestamp("2007-12-31"))
    with using(fold):  # the current configuration, when none is passed
        assert split_by_date(X, y, dates)[1].dates.equals(val.dates)
    assert split_by_date(X, y, dates)[1].dates[0] == pd.Timestamp("2008-01-01")  # the lesson's split again


def test_split_with_lagged_frame(make_frame):
    days = len(pd.date_range("2000-01-01", "2010-01-01"))
    frame = make_frame(rows=days, columns=["sun"])
    lagged = make_lagged(frame, ["sun"], lags=30)
    _, _, test = split_by_date(lagged.drop(columns="DATE"), frame.loc[lagged.index, "sun"], lagged["DATE"])
    assert len(test.y) == 366
    assert list(test.X.columns) == [f"sun_lag{k}" for k in range(1, 31)]


class TestSplitErrors:
    @pytest.fixture
    def arrays(self, around_the_split):
        frame = around_the_split
        return frame[["a"]].to_numpy(), frame["c"].to_numpy(), pd.DatetimeIndex(frame["DATE"])

    @pytest.mark.parametrize("which", ["X", "y", "dates"])
    def test_mismatched_lengths(self, arrays, which):
        X, y, dates = arrays
        if which == "X":
            X = X[:-1]
        elif which == "y":
            y = y[1:]
        else:
            X, y = X[:-2], y[:-2]
            dates = dates[1:]
        with pytest.raises(ValueError, match=r"differ in length"):
            split_by_date(X, y, dates, test_stop="2009-01-11")

    @pytest.mark.parametrize("val_start, test_start", [("2009-01-01", "2009-01-01"), ("2009-01-01", "2008-01-01")])
    def test_val_start_not_before_test_start(self, arrays, val_start, test_start):
        with pytest.raises(ValueError, match=r"val_start \(2009-01-01\) must come before test_start"):
            split_by_date(*arrays, val_start=val_start, test_start=test_start, test_stop="2009-01-11")

    @pytest.mark.parametrize(
        "part, val_start, test_start",
        [("train", "2007-01-01", "2008-01-01"), ("validation", "2008-01-01 12:00", "2008-01-02"),
         ("test", "2008-01-01", "2012-01-01")],
    )
    def test_empty_part(self, arrays, part, val_start, test_start):
        with pytest.raises(ValueError, match=rf"The {part} part is empty for dates 2007-12-20 \.\. 2009-01-10"):
            split_by_date(*arrays, val_start=val_start, test_start=test_start, test_stop="2012-01-11")

    def test_unsorted_dates(self, arrays):
        X, y, dates = arrays
        with pytest.raises(ValueError, match=r"not sorted"):
            split_by_date(X, y, dates[::-1])

    def test_duplicated_dates(self, arrays):
        X, y, dates = arrays
        with pytest.raises(ValueError, match=r"duplicated"):
            split_by_date(X, y, dates.insert(0, dates[0])[:-1])

    def test_test_stop_before_test_start(self, arrays):
        with pytest.raises(ValueError, match=r"test_start before test_stop \(2008-12-31\)"):
            split_by_date(*arrays, test_stop="2008-12-31")


# --- a short or gappy table is refused before any training (issue "Nothing ... is ever lost") ---------------


@pytest.fixture
def ten_years(make_frame):
    days = len(pd.date_range("2000-01-01", "2010-01-01"))
    return make_frame(rows=days, columns=["a", "sun"])


def test_data_that_ends_inside_the_test_year_is_refused(ten_years):
    early = ten_years[ten_years["DATE"] < "2009-07-01"]  # 181 of the 366 test days
    X, y, dates = make_sequences(early, ["a", "sun"], target="sun", window=7)
    with pytest.raises(ValueError, match=r"The test part has 181 of the 366 days 2009-01-01 \.\. 2010-01-01 "
                                         r"\(185 missing, the first 2009-07-01\)\. .*load_weather\(\)"):
        split_by_date(X, y, dates)


def test_a_gap_in_the_validation_year_is_refused(ten_years):
    X, y, dates = make_sequences(ten_years, ["a", "sun"], target="sun", window=7)
    keep = np.asarray(dates != pd.Timestamp("2008-05-05"))
    with pytest.raises(ValueError, match=r"The validation part has 365 of the 366 days .*the first 2008-05-05"):
        split_by_date(X[keep], y[keep], dates[keep])


def test_days_from_test_stop_on_belong_to_no_part(ten_years):
    X, y, dates = make_sequences(ten_years, ["a", "sun"], target="sun", window=7)
    train, val, test = split_by_date(X, y, dates, test_stop="2010-01-01")
    assert len(test.y) == 365 and test.dates[-1] == pd.Timestamp("2009-12-31")
    assert len(train.y) + len(val.y) + len(test.y) == len(y) - 1


@pytest.mark.parametrize("build", [make_lagged, make_sequences])
def test_windows_refuse_a_table_with_missing_days(ten_years, build):
    june = ten_years[ten_years["DATE"].dt.month == 6]  # 30 days a year, then a jump to the next June
    with pytest.raises(ValueError, match=r"The dates jump from 2000-06-30 to 2001-06-01: windows would join days"):
        build(june, ["a", "sun"], 3) if build is make_lagged else build(june, ["a", "sun"], target="sun", window=3)
