import math

import pytest

from etl import EtlParams, parse_table_list, table_label, validate_params
from etl.params import MAX_TABLES


def test_valid_parameters_are_normalised():
    params = validate_params(3, 2, [3, 1, 3])
    assert params == EtlParams(tables=3, seconds=2.0, fail_tables=(1, 3))
    assert params.fails(1) and not params.fails(2)
    assert params.as_dict() == {"tables": 3, "seconds": 2.0, "fail_tables": [1, 3]}


def test_fail_tables_default_to_none_failing():
    assert validate_params(1, 0).fail_tables == ()
    assert validate_params(MAX_TABLES, 0.5, ()).tables == MAX_TABLES


@pytest.mark.parametrize(
    "tables",
    [0, MAX_TABLES + 1, -1, 2.0, "3", True, None],
)
def test_tables_out_of_range_or_not_an_integer_are_refused(tables):
    with pytest.raises(ValueError, match="tables must be an integer between 1 and 1000"):
        validate_params(tables, 1)


@pytest.mark.parametrize("seconds", [-0.1, math.inf, math.nan, "1", None, False])
def test_seconds_must_be_a_finite_number_not_below_zero(seconds):
    with pytest.raises(ValueError, match="seconds must be a finite number >= 0"):
        validate_params(2, seconds)


@pytest.mark.parametrize("fail_tables", ["1,2", b"1", 3])
def test_fail_tables_must_be_a_list(fail_tables):
    with pytest.raises(ValueError, match="fail_tables must be a list of integers"):
        validate_params(3, 1, fail_tables)


def test_fail_tables_outside_the_range_are_named():
    with pytest.raises(ValueError, match=r"between 1 and 3, invalid: 0, 4, '2'"):
        validate_params(3, 1, [0, 1, 4, "2"])


def test_table_list_parsing():
    assert parse_table_list("2,4, 7") == [2, 4, 7]
    assert parse_table_list("") == []
    assert parse_table_list(" , ") == []
    with pytest.raises(ValueError, match="comma-separated table numbers"):
        parse_table_list("2;4")


def test_table_labels_sort_as_text():
    assert table_label(7) == "table-007"
    assert sorted([table_label(10), table_label(9)]) == ["table-009", "table-010"]
