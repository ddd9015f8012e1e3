"""How every event-report parser reads a dropped file's bytes and cells, and writes times and minutes back."""

from __future__ import annotations

import codecs

import numpy as np
import pandas as pd

from funnel_assets.lib import report_text
from funnel_assets.lib.report_text import (
    SetAside,
    decoded,
    minutes_text,
    set_aside_note,
    summary_count,
    text_encoding,
    timestamps_text,
    trimmed_row,
    unchecked_count_note,
    unique_headers,
)


def test_utf16_with_its_mark_utf8_with_or_without_a_bom_else_cp1252():
    text = "Name,Café\r\nAsha,₹500\r\n"
    assert decoded(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text
    assert decoded(text.encode("utf-8-sig")) == text
    assert decoded(text.encode("utf-8")) == text
    assert decoded("Name,Café\r\n".encode("cp1252")) == "Name,Café\r\n"


def test_a_character_split_between_two_pieces_is_still_utf8(monkeypatch):
    monkeypatch.setattr(report_text, "DECODE_PIECE_BYTES", 3)
    assert text_encoding("ab€cd".encode()) == "utf-8-sig"  # € is three bytes, from the third to the fifth
    assert text_encoding(b"ab\xe9cd") == "cp1252"


def test_cells_are_trimmed_and_a_rows_blank_end_dropped():
    assert trimmed_row([" Name ", "", " Email", "", " "]) == ["Name", "", "Email"]
    assert trimmed_row(["", " ", ""]) == []


def test_a_repeated_header_is_numbered():
    assert unique_headers(["Name", "Email", "Name", "Name"]) == ["Name", "Email", "Name (2)", "Name (3)"]


def test_values_holding_a_control_character_are_emptied_and_counted():
    for content in ("a,b\x00c\n", b"a,b\x00c\n"):
        set_aside = SetAside(content)
        assert set_aside.row(["Asha", "as\x00ha@x.com", "tab\tis fine", "\x7f"]) == ["Asha", "", "tab\tis fine", ""]
        assert set_aside.count == 2
    clean = SetAside("Asha,asha@x.com\r\n")
    assert clean.row(["Asha", "asha@x.com"]) == ["Asha", "asha@x.com"] and clean.count == 0


def test_the_ledger_notes():
    assert set_aside_note(0, "drop it again.") == ""
    assert set_aside_note(2, "drop it again.").startswith("2 value(s) held an invisible control character")
    assert set_aside_note(2, "drop it again.").endswith("If a name or email is missing for someone, drop it again.")
    assert unchecked_count_note("no count", "drop it again.") == (
        "Loaded, but its row count could not be checked: no count, so a file cut short at the end of a line would "
        "look complete. If people seem to be missing, drop it again."
    )


def test_a_summary_count_is_the_first_given():
    summary = {"# registered": "1,204", "unique viewers": "", "attended": "n/a"}
    assert summary_count(summary, "# registered") == 1204
    assert summary_count(summary, "unique viewers", "# registered") == 1204
    assert summary_count(summary, "unique viewers", "attended", "missing") is None


def test_times_and_minutes_as_the_parsers_write_them():
    naive = pd.Series(pd.to_datetime(["2026-11-03 18:02:11.9", None]), index=[5, 7])
    assert timestamps_text(naive).to_dict() == {5: "2026-11-03 18:02:11", 7: ""}
    zoned = naive.dt.tz_localize("UTC").dt.tz_convert("Asia/Kolkata")
    assert timestamps_text(zoned).tolist() == ["2026-11-03 23:32:11", ""]
    minutes = minutes_text(pd.Series([62.0, 55 / 60, np.nan, 0.125]))
    assert minutes.tolist() == ["62", "0.92", "", "0.12"]
