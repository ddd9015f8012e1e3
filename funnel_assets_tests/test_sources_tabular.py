"""Reading CSV files as spreadsheet programs and exports leave them."""

from __future__ import annotations

import polars as pl
import pytest

from funnel_assets.io.sources import csv_reading
from funnel_assets.io.sources.csv_reading import read_csv_text
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import HttpLimits
from funnel_assets.io.sources.landing import land_table


def write(tmp_path, content: bytes, name: str = "input.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content",
    [
        b"source,funnel\nACCA_Webinar_Meta,ACCA Webinar\n",
        b"\xef\xbb\xbfsource,funnel\r\nACCA_Webinar_Meta,ACCA Webinar\r\n",
        b"source;funnel\r\nACCA_Webinar_Meta;ACCA Webinar\r\n;\r\n",
        b"source\tfunnel\nACCA_Webinar_Meta\tACCA Webinar\n",
        b"source,funnel,\nACCA_Webinar_Meta,ACCA Webinar,\n\n,,\n",
        b"source,funnel\nACCA_Webinar_Meta,ACCA Webinar\n   \n \t, \n",
    ],
    ids=["plain", "bom-crlf", "semicolons-blank-row", "tabs", "trailing-commas-blank-rows", "lines-of-spaces"],
)
def test_spreadsheet_program_variants_read_the_same(tmp_path, content):
    frame = read_csv_text(write(tmp_path, content), label="mappings/funnel_mapping.csv").frame
    assert frame.to_dicts() == [{"source": "ACCA_Webinar_Meta", "funnel": "ACCA Webinar"}]


def test_windows_encoding_and_text_kept_as_text(tmp_path):
    path = write(tmp_path, 'Name,Phone number,cost\nJosé,0098765 43210,"1,234.50"\n'.encode("cp1252"))
    frame = read_csv_text(path, label="leads").frame
    assert list(frame.row(0)) == ["José", "0098765 43210", "1,234.50"]


def test_unicode_names_survive(tmp_path):
    path = write(tmp_path, "Name,City\nअनुष्का शर्मा,मुंबई\n".encode())
    assert read_csv_text(path, label="leads").frame["Name"][0] == "अनुष्का शर्मा"


def test_header_only_gives_an_empty_table_with_columns(tmp_path):
    table = read_csv_text(write(tmp_path, b"Name,Email\n"), label="leads")
    assert table.frame.columns == ["Name", "Email"] and len(table) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"<html><body>Sign in</body></html>", "web page"),
        (b"a,b\n1,2\n3,4,5,6\n", "does not fit the header"),
    ],
)
def test_broken_files_get_one_clear_error_naming_them(tmp_path, content, message):
    with pytest.raises(SourceError, match=message) as raised:
        read_csv_text(write(tmp_path, content), label="CRM sales dump")
    assert "CRM sales dump" in str(raised.value)


def test_missing_local_file_names_the_path(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        land_table(str(tmp_path / "nope.csv"), tmp_path / "out.csv", label="leads", http=HttpLimits())


def test_local_file_is_copied_into_the_landing_file(tmp_path):
    source = write(tmp_path, b"a\n1\n", "source.csv")
    dest = land_table(str(source), tmp_path / "landing" / "a.csv", label="x", http=HttpLimits())
    source.write_bytes(b"a\n2\n")
    # the run keeps reading what it landed, even if the original changes meanwhile
    assert land_table(str(source), dest, label="x", http=HttpLimits()).read_bytes() == b"a\n1\n"


def test_headers_repeated_after_trimming_stay_separate_columns(tmp_path):
    frame = read_csv_text(write(tmp_path, b"Phone,Phone ,Name\n1,2,A\n"), label="leads").frame
    assert frame.columns == ["Phone", "Phone (2)", "Name"]


def test_a_value_past_the_header_is_refused_but_trailing_commas_are_not(tmp_path):
    with pytest.raises(SourceError, match="line 2 has more values than the header"):
        read_csv_text(write(tmp_path, b"a,b\n1,2,lost\n3,4\n"), label="leads")
    assert read_csv_text(write(tmp_path, b"a,b\n1,2,\n3,4,\n", "ok.csv"), label="leads").frame.rows() == [
        ("1", "2"),
        ("3", "4"),
    ]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x0b"])
def test_a_control_character_sets_its_value_aside_instead_of_cutting_it_short(tmp_path, character):
    # a C parser stops a value at a NUL: `72<NUL>33.9` was read as 72, and revenue fell without a word
    content = f"StudentName,netAmount\nAnusha,72{character}33.9\nRavi{character}Kumar,10\nMeera,5\n".encode()
    table = read_csv_text(write(tmp_path, content), label="CRM sales dump")
    assert table.frame.to_dicts() == [
        {"StudentName": "Anusha", "netAmount": ""},
        {"StudentName": "", "netAmount": "10"},
        {"StudentName": "Meera", "netAmount": "5"},
    ]
    assert table.set_aside == {"netAmount": 1, "StudentName": 1}


def _spanning_two_scan_chunks(tail: bytes, *, line_end: bytes = b"\r\n") -> bytes:
    """A file whose first look-through piece ends just after `tail` begins: what the reader looks for before it
    parses falls across two pieces."""
    row = b"Ravi,10" + line_end
    head = b"StudentName,netAmount" + line_end
    filler = row * ((csv_reading.SCAN_CHUNK_BYTES - len(head)) // len(row) - 1)
    pad = csv_reading.SCAN_CHUNK_BYTES - len(head) - len(filler) - 2
    return head + filler + b"R" * pad + b"," + tail


@pytest.mark.parametrize(
    "tail, meera, set_aside",
    [
        (b"\r\nMeera,5\r\n", "5", {}),  # CR LF across the pieces: one line end
        (b"\rMeera,5\r\n", "5", {}),  # a lone CR just before the cut ends a line too
        (b"\r\nMeera,7\x0033\r\n", "", {"netAmount": 1}),  # a NUL in the second piece
    ],
    ids=["crlf-across", "lone-cr-at-the-cut", "nul-in-second-piece"],
)
def test_what_is_looked_for_before_parsing_is_found_across_the_scan_pieces(tmp_path, tail, meera, set_aside):
    content = _spanning_two_scan_chunks(tail)
    assert content[csv_reading.SCAN_CHUNK_BYTES - 1 : csv_reading.SCAN_CHUNK_BYTES] == tail[:1]
    table = read_csv_text(write(tmp_path, content), label="CRM sales dump")
    # every line is a row of two values: the filler, the row cut by the piece's end, and Meera's
    assert table.frame.height == len(content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").splitlines()) - 1
    assert table.frame.filter(pl.col("StudentName") == "Meera")["netAmount"].to_list() == [meera]
    assert dict(table.set_aside) == set_aside


def test_a_lone_cr_line_end_after_the_first_scan_piece_still_ends_lines(tmp_path):
    content = _spanning_two_scan_chunks(b"\rMeera,5\rAnusha,6\r", line_end=b"\n")
    frame = read_csv_text(write(tmp_path, content), label="CRM sales dump").frame
    assert frame.filter(pl.col("StudentName").is_in(["Meera", "Anusha"]))["netAmount"].to_list() == ["5", "6"]


def test_a_clean_file_sets_nothing_aside(tmp_path):
    table = read_csv_text(write(tmp_path, b"a,b\n1,2\n"), label="leads")
    assert table.set_aside == {}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_tab_separated_as_excel_saves_unicode_text_is_read(tmp_path, encoding):
    text = "Name\tPhone number\tCity\r\nJosé\t98765 43210\tमुंबई\r\nRavi\t91234 56789\tPune\r\n"
    frame = read_csv_text(write(tmp_path, text.encode(encoding)), label="lead sheet").frame
    assert frame.to_dicts() == [
        {"Name": "José", "Phone number": "98765 43210", "City": "मुंबई"},
        {"Name": "Ravi", "Phone number": "91234 56789", "City": "Pune"},
    ]
