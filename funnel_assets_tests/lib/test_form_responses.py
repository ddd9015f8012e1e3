"""Registration forms' responses, byte for byte as Google Forms, its linked Sheet and Typeform write them,
matched to the forms declared in mappings/registration_forms.csv."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest
from polars.testing import assert_frame_equal

from funnel_assets.io.mappings import Mappings
from funnel_assets.lib.form_responses import (
    FORM_REGISTRATION,
    FORMS_FILE,
    looks_like_form,
    parse_form_responses,
    read_form_declarations,
)
from funnel_assets.lib.funnel_mapping import MappingError
from funnel_assets.lib.manual_events import looks_like_manual_event
from funnel_assets.lib.zoom_events import EventMappings, participants_from_reports
from funnel_assets.lib.zoom_reports import ZoomReportError, report_from_table, report_table
from funnel_assets.settings import PROJECT_ROOT
from funnel_assets_tests.support.zoom_files import attendee_report, registration_report

# planted in the files: a message quoting any of these quotes a person
CANARY = ("Zubeida Canarywala", "zubeida.canary@example.org", "98111 22333", "9811122333")

# the declaration rows as the ops person types them (the header row as mappings/registration_forms.csv has it)
GOOGLE_FORM = {
    "form": "ACCA Boot Camp Nov",
    "name_column": "Full name",
    "email_column": "Email address",
    "phone_column": "WhatsApp number",
    "timestamp_column": "Timestamp",
    "event_name": "ACCA Weekend Boot Camp",
    "event_date": "2026-11-21",
    "event_time": "10:00",
    "event_type": "Boot camp",
    "funnel": "ACCA Bootcamp",
}
TYPEFORM = {
    "form": "CFA Typeform",
    "first_name_column": "What is your first name?",
    "last_name_column": "And your last name?",
    "email_column": "Your email",
    "phone_column": "Phone number",
    "timestamp_column": "Submit Date (UTC)",
    "timestamp_timezone": "UTC",
    "event_name": "CFA Level 1 Webinar",
    "event_date": "2026-11-05",
    "event_type": "webinar",
}


def declared(*rows: dict) -> pd.DataFrame:
    """The mapping file as `Mappings.read` gives it: every cell text, blank as ''."""
    columns = [
        "form",
        "name_column",
        "first_name_column",
        "last_name_column",
        "email_column",
        "phone_column",
        "timestamp_column",
        "timestamp_timezone",
        "date_order",
        "event_name",
        "event_date",
        "event_time",
        "event_type",
        "funnel",
        "source",
        "file_name_contains",
        "note",
    ]
    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in rows], columns=columns)


FORMS = declared(GOOGLE_FORM, TYPEFORM)

# Google Forms' "Download responses (.csv)": every cell quoted, CRLF, times with the form's own offset,
# a long answer over several lines (a bare LF inside the quotes)
GOOGLE_DOWNLOAD = (
    '"Timestamp","Email address","Full name","WhatsApp number","Which ACCA level?","Anything to cover?"\r\n'
    '"2026/11/02 7:14:05 PM GMT+5:30","asha.k@gmail.com","Asha Kumar","+91 98765 43210","Applied Skills",""\r\n'
    '"2026/11/03 12:02:11 AM GMT+5:30","ravi.p@gmail.com","Ravi Pillai","9876543211","Not started yet",'
    '"FR and AA, together?\nI work full time,\nweekends only."\r\n'
    f'"2026/11/04 9:30:00 AM GMT+5:30","{CANARY[1]}","{CANARY[0]}","{CANARY[2]}","Applied Knowledge",""\r\n'
)
# the form's linked Google Sheet downloaded as CSV: quotes only where needed, month first, no final line end
SHEET_EXPORT = (
    "Timestamp,Email address,Full name,WhatsApp number,Which ACCA level?,Anything to cover?\r\n"
    "11/2/2026 19:14:05,asha.k@gmail.com,Asha Kumar,+91 98765 43210,Applied Skills,\r\n"
    '11/3/2026 0:02:11,ravi.p@gmail.com,Ravi Pillai,9876543211,Not started yet,"FR and AA, together?\nweekends only."'
)
# Typeform's CSV export: `#` first, the questions, then its own columns; times in UTC; an unfinished response
TYPEFORM_EXPORT = (
    "#,What is your first name?,And your last name?,Your email,Phone number,Response Type,"
    "Start Date (UTC),Stage Date (UTC),Submit Date (UTC),Network ID,Tags\n"
    "x1k9,Neha,Verma,neha.v@gmail.com,+919876543212,completed,2026-11-03 12:30:02,,2026-11-03 12:32:11,6f3a1c,\n"
    "x1l0,Meera,,meera@x.in,,partial,2026-11-03 13:00:00,2026-11-03 13:01:00,,6f3a1d,\n"
    "x1l1,Karan,Iyer,karan.iyer@gmail.com,6173681188,completed,2026-11-04 18:29:00,,2026-11-04 18:30:00,6f3a1e,\n"
)


def parse(text: str | bytes, name: str = "ACCA Boot Camp Nov.csv", forms: pd.DataFrame = FORMS):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return parse_form_responses(content, file_name=name, forms=forms)


def refusal(text: str | bytes, name: str = "responses.csv", forms: pd.DataFrame = FORMS) -> str:
    with pytest.raises(ZoomReportError) as caught:
        parse(text, name, forms)
    message = str(caught.value)
    assert name in message
    for value in CANARY:
        assert value not in message
    return message


def mapping_refusal(forms: pd.DataFrame) -> str:
    with pytest.raises(MappingError) as caught:
        read_form_declarations(forms)
    message = str(caught.value)
    assert FORMS_FILE in message
    return message


# --- unhappy first ---------------------------------------------------------------------------------


def test_responses_of_a_form_not_declared_are_refused_naming_the_mapping_file():
    other = GOOGLE_DOWNLOAD.replace("Full name", "Your name")
    message = refusal(other)
    assert "match no form declared in mappings/registration_forms.csv" in message
    assert "Add a row" in message


def test_responses_matching_two_declared_forms_are_refused_naming_both_rows():
    copy = {**GOOGLE_FORM, "form": "ACCA Boot Camp Dec", "event_date": "2026-12-19"}
    message = refusal(GOOGLE_DOWNLOAD, forms=declared(GOOGLE_FORM, copy))
    assert "match 2 forms" in message and "rows 2 and 3" in message
    assert "file_name_contains" in message


def test_file_name_contains_tells_two_copies_of_one_form_apart():
    nov = {**GOOGLE_FORM, "file_name_contains": "Nov"}
    dec = {**GOOGLE_FORM, "form": "ACCA Boot Camp Dec", "event_date": "2026-12-19", "file_name_contains": "Dec"}
    forms = declared(nov, dec)
    assert (
        parse(GOOGLE_DOWNLOAD, "ACCA Boot Camp Dec (Responses).csv", forms).event_id
        == "form:ACCA Boot Camp Dec@2026-12-19"
    )
    assert parse(GOOGLE_DOWNLOAD, "acca boot camp nov.csv", forms).event_id == "form:ACCA Boot Camp Nov@2026-11-21"
    assert "match no form" in refusal(GOOGLE_DOWNLOAD, "responses.csv", forms)


def test_two_look_alike_headers_for_one_declared_question_refuse_the_file_naming_both():
    text = GOOGLE_DOWNLOAD.replace('"Which ACCA level?"', '"WhatsApp Number "', 1).replace(
        '"WhatsApp number"', '"Whatsapp number"', 1
    )
    message = refusal(text)
    assert "'WhatsApp Number'" in message and "'Whatsapp number'" in message


def test_a_time_that_cannot_be_read_refuses_the_file_naming_row_and_column():
    text = SHEET_EXPORT.replace("11/3/2026 0:02:11", "31/10/2026 0:02:11")
    message = refusal(text)
    assert "'Timestamp'" in message and "row 3" in message
    assert "day first" in message


def test_a_zone_the_parser_does_not_know_is_refused_not_guessed():
    message = refusal(GOOGLE_DOWNLOAD.replace("PM GMT+5:30", "PM EET", 1))
    assert "row 2" in message


def test_a_file_cut_inside_a_quoted_answer_is_refused():
    cut = GOOGLE_DOWNLOAD[: GOOGLE_DOWNLOAD.index("I work full time")]
    assert "cut short" in refusal(cut)


def test_a_file_cut_mid_line_is_refused():
    cut = SHEET_EXPORT.replace("weekends only.", "")[: SHEET_EXPORT.index(",ravi.p") + 10]
    assert "cut short" in refusal(cut)


def test_a_row_wider_than_the_header_is_refused():
    assert "more values than the header" in refusal(SHEET_EXPORT.replace("Applied Skills,", "Applied Skills,,extra", 1))


def test_a_file_with_only_its_header_row_or_nothing_is_refused():
    assert "no responses" in refusal(GOOGLE_DOWNLOAD.split("\r\n")[0] + "\r\n")
    assert "empty" in refusal(b"\xef\xbb\xbf\r\n")


def test_declarations_missing_a_column_are_refused():
    message = mapping_refusal(FORMS.drop(columns=["event_type"]))
    assert "missing: event_type" in message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"event_date": "21/11/2026"}, "'event_date' is not a date"),
        ({"event_date": "2026-02-30"}, "'event_date' is not a date"),
        ({"event_type": "seminar"}, "'event_type' is neither webinar nor bootcamp"),
        ({"event_type": ""}, "'event_type' is empty"),
        ({"timestamp_column": ""}, "'timestamp_column' is empty"),
        ({"timestamp_timezone": "IST"}, "'timestamp_timezone' is not a time zone"),
        ({"date_order": "ymd"}, "'date_order'"),
        ({"event_time": "7pm"}, "'event_time'"),
        ({"email_column": "", "phone_column": ""}, "neither 'email_column' nor 'phone_column'"),
        ({"email_column": "Full name"}, "one question is named in two"),
    ],
)
def test_a_bad_declaration_is_refused_naming_the_file_row_and_column(change, words):
    message = mapping_refusal(declared(TYPEFORM, {**GOOGLE_FORM, **change}))
    assert words in message and "row 3" in message


def test_a_form_declared_twice_is_refused():
    assert "rows 2 and 3" in mapping_refusal(declared(GOOGLE_FORM, {**TYPEFORM, "form": "acca boot camp NOV"}))


# --- as the tools write them -----------------------------------------------------------------------


def test_google_forms_download_becomes_the_declared_events_registrations():
    report = parse(GOOGLE_DOWNLOAD)
    assert (report.platform, report.report_type, report.declared_event_type) == ("form", FORM_REGISTRATION, "bootcamp")
    assert report.event_id == "form:ACCA Boot Camp Nov@2026-11-21"
    assert report.topic == "ACCA Weekend Boot Camp"
    assert report.start_time_text == "2026-11-21 10:00:00"
    assert report.summary["funnel"] == "ACCA Bootcamp"
    assert list(report.sections) == ["registrant"]
    rows = report.sections["registrant"]
    assert list(rows.columns) == ["Name", "Email", "Phone", "Registration Time"]
    assert rows["Name"].to_list() == ["Asha Kumar", "Ravi Pillai", CANARY[0]]
    assert rows["Registration Time"].to_list() == ["2026-11-02 19:14:05", "2026-11-03 00:02:11", "2026-11-04 09:30:00"]
    assert "could not be checked" in report.ledger_note


def test_the_same_responses_with_a_bom_utf16_or_cp1252_read_alike():
    plain = parse(GOOGLE_DOWNLOAD).sections["registrant"]
    for content in (
        codecs.BOM_UTF8 + GOOGLE_DOWNLOAD.encode("utf-8"),
        codecs.BOM_UTF16_LE + GOOGLE_DOWNLOAD.replace('","', '"\t"').encode("utf-16-le"),
        codecs.BOM_UTF16_BE + GOOGLE_DOWNLOAD.encode("utf-16-be"),
    ):
        assert_frame_equal(parse(content).sections["registrant"], plain)
    accented = parse(GOOGLE_DOWNLOAD.replace("Asha Kumar", "Asha Kumár").encode("cp1252"))
    assert accented.sections["registrant"]["Name"][0] == "Asha Kumár"


def test_the_linked_sheets_export_reads_month_first():
    rows = parse(SHEET_EXPORT).sections["registrant"]
    assert rows["Registration Time"].to_list() == ["2026-11-02 19:14:05", "2026-11-03 00:02:11"]


def test_a_sheet_written_day_first_reads_when_declared_so():
    day_first = SHEET_EXPORT.replace("11/2/2026", "02/11/2026").replace("11/3/2026", "3/11/2026")
    forms = declared({**GOOGLE_FORM, "date_order": "Day first"})
    assert parse(day_first, forms=forms).sections["registrant"]["Registration Time"].to_list() == [
        "2026-11-02 19:14:05",
        "2026-11-03 00:02:11",
    ]


def test_typeform_times_in_utc_become_kolkata_and_unfinished_responses_are_counted_not_loaded():
    report = parse(TYPEFORM_EXPORT, "responses-AbC123.csv")
    rows = report.sections["registrant"]
    assert report.event_id == "form:CFA Typeform@2026-11-05"
    assert report.declared_event_type == "webinar"
    assert list(rows.columns) == ["First Name", "Last Name", "Email", "Phone", "Registration Time"]
    assert rows["Registration Time"].to_list() == ["2026-11-03 18:02:11", "2026-11-05 00:00:00"]
    assert "1 response(s) had no time in the 'Submit Date (UTC)' column" in report.ledger_note


def test_headers_differing_only_in_case_and_spaces_match_when_unique_and_the_exact_one_wins():
    loose = GOOGLE_DOWNLOAD.replace('"Full name"', '" FULL  NAME "').replace('"Email address"', '"email_address"')
    assert parse(loose).sections["registrant"]["Email"].to_list()[0] == "asha.k@gmail.com"
    both = GOOGLE_DOWNLOAD.replace('"Which ACCA level?"', '"email address"')
    assert parse(both).sections["registrant"]["Email"].to_list()[0] == "asha.k@gmail.com"


def test_a_control_character_empties_its_value_and_is_counted_never_truncates_it():
    report = parse(GOOGLE_DOWNLOAD.replace("Ravi Pillai", "Ra\x00vi Pillai"))
    assert report.sections["registrant"]["Name"].to_list()[1] == ""
    assert "1 value(s) held an invisible control character" in report.ledger_note


def test_blank_rows_are_no_one_and_a_response_with_commas_and_lines_stays_one_row():
    report = parse(GOOGLE_DOWNLOAD + ",,,,,\r\n\r\n")
    assert len(report.sections["registrant"]) == 3


def test_a_new_form_is_added_by_a_row_in_the_mapping_only():
    renamed = GOOGLE_DOWNLOAD.replace("Full name", "Your name")
    refusal(renamed)
    added = pd.concat([FORMS, declared({**GOOGLE_FORM, "form": "ACCA Boot Camp Dec", "name_column": "Your name"})])
    assert parse(renamed, forms=added).event_id == "form:ACCA Boot Camp Dec@2026-11-21"


def test_declarations_read_twice_read_the_same():
    once = read_form_declarations(FORMS)
    pd.testing.assert_frame_equal(read_form_declarations(once), once)
    assert once["event_type"].tolist() == ["bootcamp", "webinar"]
    assert once["timestamp_timezone"].tolist() == ["Asia/Kolkata", "UTC"]


def test_a_parsed_form_survives_being_kept_and_read_back():
    report = parse(GOOGLE_DOWNLOAD)
    back = report_from_table(report_table(report), report.file_name)
    assert (back.platform, back.declared_event_type, back.event_id) == ("form", "bootcamp", report.event_id)
    assert_frame_equal(back.sections["registrant"], report.sections["registrant"])


# --- the sniffer -----------------------------------------------------------------------------------


# a form declared with its own questions (no Google `Timestamp` first)
FAIR = {
    "form": "Fair",
    "name_column": "Name of student",
    "phone_column": "Mobile",
    "timestamp_column": "Registered at",
    "event_name": "Fair",
    "event_date": "2026-11-07",
    "event_type": "webinar",
}


def test_the_sniffer_takes_form_exports_and_nothing_else():
    assert looks_like_form(GOOGLE_DOWNLOAD.encode(), FORMS)
    assert looks_like_form(SHEET_EXPORT.encode(), FORMS)
    assert looks_like_form(TYPEFORM_EXPORT.encode(), FORMS)
    assert looks_like_form(codecs.BOM_UTF16_LE + GOOGLE_DOWNLOAD.encode("utf-16-le"), FORMS)
    # an undeclared Google Form is a form (refused naming the mapping), not "not a Zoom report"
    assert looks_like_form(GOOGLE_DOWNLOAD.replace("Full name", "Your name").encode(), declared())
    # a declared form's questions without Google's `Timestamp` first
    custom = "Name of student,Mobile,Registered at\nAsha,9876543210,2026-11-03 10:00\n"
    custom_form = declared(FAIR)
    assert looks_like_form(custom.encode(), custom_form) and not looks_like_form(custom.encode(), FORMS)
    person = {
        "first": "Asha",
        "last": "K",
        "email": "a@x.in",
        "phone": "9876543210",
        "registered": "Oct 30, 2025 10:02 AM",
    }
    for other in (
        attendee_report("ACCA Masterclass", "812 3456 7890", "Nov 3, 2025 07:00 PM", [person]),
        registration_report("CFA Orientation", "845 1111 2222", "Nov 5, 2025 07:00 PM", [person]),
        "Name,Email,Duration,Time joined,Time exited\nAsha,a@x.in,42m,10:00 AM,10:42 AM\n",
        (PROJECT_ROOT / "mappings" / "templates" / "event_attendance.csv").read_text(),
    ):
        assert not looks_like_form(other.encode(), FORMS)
    assert not looks_like_form(b"", FORMS)
    assert not looks_like_manual_event(GOOGLE_DOWNLOAD.encode())


def test_the_sniffer_takes_a_declared_forms_look_alike_or_doubled_headers_and_reads_the_mapping_as_given():
    row = "\nAsha,9876543210,2026-11-03 10:00\n"
    # spelled but for case, spaces and punctuation, or twice (refused later, naming both): this form's file all the same
    for header in ("NAME OF STUDENT,mobile,Registered-At", "Name of student,Mobile,Registered at,Registered  at"):
        assert looks_like_form((header + row).encode(), declared(FAIR))
    assert not looks_like_form(("Name of student,Mobile,Registered" + row).encode(), declared(FAIR))
    # as the ops person's file may come: headers spaced and capitalised, a cell left empty (NaN), numbers
    raw = pd.DataFrame(
        [{"Form": "Fair", " Timestamp Column": "Registered at", "Phone Column": 42, "Name Column": None}]
    )
    assert looks_like_form(b"Registered at,42\n2026-11-03 10:00,x\n", raw)
    assert not looks_like_form(b"Registered at,43\n2026-11-03 10:00,x\n", raw)
    assert not looks_like_form(b"Registered at,42\n", raw.assign(**{" Timestamp Column": ""}))


# --- into event_participants -------------------------------------------------------------------------


MAPPINGS = EventMappings(
    category_tokens=pd.DataFrame({"token": ["acca", "cfa"], "category": ["ACCA", "CFA"]}),
    conductors=pd.DataFrame({"webinar_id": [], "conductor": []}),
    conductor_aliases=pd.DataFrame({"alias": [], "conductor": []}),
    bootcamp_sessions=pd.DataFrame({"event_id": []}),
)


def test_responses_come_out_of_the_participants_table_as_registered_people():
    again = GOOGLE_DOWNLOAD + '"2026/11/05 8:00:00 AM GMT+5:30","ASHA.K@gmail.com","Asha K","98765-43210","",""\r\n'
    table = participants_from_reports([parse(again)], MAPPINGS)
    assert len(table) == 3  # Asha's second response is the same person
    asha = table.filter(phone="9876543210").row(0, named=True)
    assert bool(asha["registered"]) and not bool(asha["attended"])
    assert asha["registration_time"] == pd.Timestamp("2026-11-02 19:14:05", tz="Asia/Kolkata")
    assert asha["name"] == "Asha Kumar" and asha["email"] == "asha.k@gmail.com"
    assert str(asha["event_date"]) == "2026-11-21"
    assert set(table["event_name"]) == {"ACCA Weekend Boot Camp"} and set(table["category"]) == {"ACCA"}
    assert not table["attended"].any() and table["first_join_time"].is_null().all()


def test_the_sample_form_loads_with_its_declaration():
    # read as the mapping folder reads every mapping file
    forms = read_form_declarations(Mappings(directory=str(PROJECT_ROOT / "mappings")).read("registration_forms.csv"))
    path = PROJECT_ROOT / "sample_data" / "events" / "form_acca_bootcamp_registrations.csv"
    content = path.read_bytes()
    assert looks_like_form(content, forms) and not looks_like_manual_event(content)
    report = parse_form_responses(content, file_name=path.name, forms=forms)
    assert report.declared_event_type == "bootcamp"
    assert 15 <= len(report.sections["registrant"]) <= 40
    assert report.sections["registrant"]["Registration Time"].str.starts_with("2026-11-").all()
