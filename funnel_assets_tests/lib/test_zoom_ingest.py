"""Which dropped files count: duplicates by content, corrections replacing earlier reports."""

from __future__ import annotations

import pandas as pd

from funnel_assets.lib import zoom_ingest
from funnel_assets.lib.zoom_ingest import (
    DUPLICATE,
    INGESTED_FILES_COLUMNS,
    LOADED,
    REJECTED,
    Archived,
    ParsedOnce,
    content_hash,
    current_reports,
    ingested_files_table,
    judge_files,
    loaded_history,
)
from funnel_assets.lib.zoom_reports import parse_zoom_report
from funnel_assets_tests.support.zoom_files import attendee_report, registration_report

PERSON = {
    "first": "Asha",
    "last": "K",
    "email": "asha@x.com",
    "phone": "9876543210",
    "registered": "Oct 30, 2025 10:02 AM",
}


def test_duplicates_are_by_content_whatever_the_name():
    report = registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", [PERSON]).encode()
    verdicts = judge_files([("a.csv", report), ("a (1).csv", report), ("bad.csv", b"x,y\n1,2\n")], known_hashes=[])
    assert [v.status for v in verdicts] == [LOADED, DUPLICATE, REJECTED]
    again = judge_files([("renamed.csv", report)], known_hashes=[verdicts[0].sha256])
    assert again[0].status == DUPLICATE


def test_a_report_judged_on_arrival_is_not_parsed_again_with_the_archive(monkeypatch):
    parsed_files = []

    def counting(content: bytes, file_name: str):
        parsed_files.append(file_name)
        return parse_zoom_report(content, file_name=file_name)

    monkeypatch.setattr(zoom_ingest, "parse_zoom_report", counting)
    report = registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", [PERSON]).encode()
    bad = b"x,y\n1,2\n"
    parse = ParsedOnce()
    parse.ahead(report, "a.csv")
    parse.ahead(bad, "bad.csv")  # not a report: nothing raised yet, the verdict comes when it is judged
    verdicts = judge_files([("a.csv", report), ("bad.csv", bad)], known_hashes=[], parse=parse)
    assert [v.status for v in verdicts] == [LOADED, REJECTED]
    assert "bad.csv" in verdicts[1].error
    ledger = pd.DataFrame(columns=list(INGESTED_FILES_COLUMNS))
    archived = [Archived(name, content_hash(report), lambda: report) for name in ("a.csv", "b.csv")]
    history = loaded_history(archived, ledger, pd.Timestamp.now(tz="UTC"), parse)
    assert [r.file_name for r in history.current] == ["b.csv"], "the same session twice: the later name wins"
    assert sorted(parsed_files) == ["a.csv", "b.csv", "bad.csv"], "a.csv parsed once across the three reads"
    changed = report.replace(b"Asha", b"Ashu")
    judge_files([("a.csv", changed)], known_hashes=[], parse=parse)
    assert parsed_files.count("a.csv") == 2, "new content under the same name is parsed again"


def test_a_later_report_of_the_same_session_and_type_replaces_the_earlier():
    def parsed(text, name):
        return parse_zoom_report(text.encode(), file_name=name)

    old = parsed(attendee_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", [PERSON]), "old.csv")
    new = parsed(attendee_report("ACCA", "812 3456 7890", "11/03/2025 19:00:00", [PERSON, PERSON]), "new.csv")
    other_day = parsed(attendee_report("ACCA", "812 3456 7890", "Nov 10, 2025 07:00 PM", [PERSON]), "next_week.csv")
    registration = parsed(registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", [PERSON]), "reg.csv")
    times = [pd.Timestamp("2025-11-04 09:00", tz="Asia/Kolkata") + pd.Timedelta(hours=h) for h in range(4)]
    kept, replaced = current_reports([new, old, other_day, registration], [times[1], times[0], times[2], times[3]])
    assert [r.file_name for r in kept] == ["new.csv", "next_week.csv", "reg.csv"]
    assert replaced == {1: 0}, "the same generated time: the one ingested later wins"


def test_the_report_zoom_generated_later_wins_whatever_the_names_and_the_drop_times():
    def parsed(people, generated, name):
        text = registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", people, generated=generated)
        return parse_zoom_report(text.encode(), file_name=name)

    correction = parsed([PERSON, {**PERSON, "email": "b@x.com"}], "Nov 4, 2025 10:40 AM", "reg (1).csv")
    earlier = parsed([PERSON], "Nov 3, 2025 09:15 PM", "reg.csv")
    dropped = [pd.Timestamp("2025-11-05 09:00", tz="Asia/Kolkata"), pd.Timestamp("2025-11-06 09:00", tz="Asia/Kolkata")]
    kept, replaced = current_reports([correction, earlier], dropped)
    assert [r.file_name for r in kept] == ["reg (1).csv"] and replaced == {1: 0}
    kept, replaced = current_reports([earlier, correction], dropped, drop_order=[1, 0])
    assert [r.file_name for r in kept] == ["reg (1).csv"] and replaced == {0: 1}

    no_time = parse_zoom_report(
        registration_report("ACCA", "812 3456 7890", "Nov 3, 2025 07:00 PM", [PERSON])
        .encode()
        .replace(b'Report Generated:,"Nov 3, 2025 07:00 PM"\r\n', b""),
        file_name="plain.csv",
    )
    assert not no_time.generated_text
    kept, _ = current_reports([correction, no_time], dropped)
    assert [r.file_name for r in kept] == ["plain.csv"], "without a generated time, its drop time counts"


def test_ledger_marks_replaced_files_and_keeps_one_type_per_column():
    history = pd.DataFrame(
        {
            "file_name": ["bad.csv"],
            "sha256": ["b" * 64],
            "status": [REJECTED],
            "error": ["empty"],
            "ingested_at": ["2025-11-01T10:00:00+05:30"],
        }
    )
    new = pd.DataFrame(
        {
            "file_name": ["a.csv"],
            "sha256": ["a" * 64],
            "status": [LOADED],
            "event_date": [pd.Timestamp("2025-11-03").date()],
            "rows": [3],
            "ingested_at": [pd.Timestamp("2025-11-04 09:00", tz="Asia/Kolkata")],
        }
    )
    ledger = ingested_files_table(history, new, {"a" * 64: ("replaced", "Replaced by a (1).csv")})
    assert ledger["status"].tolist() == [REJECTED, "replaced"] and ledger["error"].tolist() == [
        "empty",
        "Replaced by a (1).csv",
    ]
    assert str(ledger["rows"].dtype) == "Int64" and str(ledger["ingested_at"].dt.tz) == "Asia/Kolkata"
