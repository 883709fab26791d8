from prefect.states import StateType

from etl import build_summary, failure_message, final_state, success_message, validate_params


def test_summary_of_a_clean_run():
    summary = build_summary(validate_params(4, 1.5), [], elapsed_seconds=2.34567, phase="final")
    assert summary == {
        "tables": 4,
        "completed": 4,
        "failed": 0,
        "failed_tables": [],
        "seconds": 1.5,
        "elapsed_seconds": 2.346,
        "phase": "final",
    }
    state = final_state(summary)
    assert state.type == StateType.COMPLETED
    assert state.message == "4 of 4 tables completed" == success_message(4)


def test_failed_tables_are_counted_once_and_sorted():
    summary = build_summary(validate_params(6, 0), [5, 2, 5])
    assert summary["failed_tables"] == [2, 5]
    assert summary["failed"] == 2 and summary["completed"] == 4
    assert "elapsed_seconds" not in summary
    state = final_state(summary)
    assert state.type == StateType.FAILED
    assert state.message == "2 of 6 tables failed: 2, 5" == failure_message(6, [5, 2])


def test_summary_artifact_rows_name_every_table_with_its_outcome():
    from etl.summary import summary_rows

    rows = summary_rows(build_summary(validate_params(3, 0), [2]))
    assert rows == [
        {"table": "table-001", "status": "completed"},
        {"table": "table-002", "status": "failed"},
        {"table": "table-003", "status": "completed"},
    ]
