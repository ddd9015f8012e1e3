"""Every output table, declared once: its grain, its columns and what they mean, the checks it carries;
and every input source read as a table, declared once: the columns it must or may have (its contract).

This is plain data (no Dagster here): the asset layer turns a `Table` into the asset's
description, column schema and checks, and `python -m tools.write_table_docs` turns the
whole catalogue into docs/tables.md. Change a table here, then regenerate the docs.

The declared columns are the ones the pipeline writes, in the order it writes them. A table
with `open_columns` also carries its source's other columns (snake_cased, as text) after
or among the declared ones; those vary with the source and are not declared.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT, INTEGER, FLOAT, BOOLEAN, DATE, TIMESTAMP = "text", "integer", "float", "boolean", "date", "timestamp"
# TIMESTAMP means a moment with its offset, shown in Asia/Kolkata (TIMESTAMPTZ on PostgreSQL)
# MONEY is an amount in INR, exact to the paisa (NUMERIC(14,2) on PostgreSQL, two decimals in the CSV exports);
# FLOAT is for rates, shares, ratios and other measures (DOUBLE PRECISION)
MONEY = "money"
TYPES = (TEXT, INTEGER, FLOAT, MONEY, BOOLEAN, DATE, TIMESTAMP)
GROUPS = ("marketing", "sales", "reporting")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPES
    meaning: str  # one line, for a BI user
    personal: bool = False  # identifies a person: masked in UI previews


# what a key column holds, for the content guard and its message
PHONE_KEY, DATE_KEY, AMOUNT_KEY = "phone", "date", "amount"
KEY_KINDS = (PHONE_KEY, DATE_KEY, AMOUNT_KEY)


@dataclass(frozen=True)
class KeyColumn:
    """An output column whose share of usable (non-empty) values the content guard watches."""

    column: str  # the output table's column
    kind: str  # one of KEY_KINDS


# the guard's rule, the same for every guarded table (a guard's setting changes the ratio for its source):
DEFAULT_MIN_ROWS_RATIO = (
    0.5  # a load under this share of the largest recent load, or of a key column's old share, is refused
)
RECENT_GOOD_LOADS = 5  # the row guard compares with the largest of the table and this many of its last good loads
MEANINGFUL_SHARE = 0.2  # a key column filled in under this share of the old table says little when it empties further
# the miscellaneous_share check warns above this share of a table's rows in Other Sources (Miscellaneous)
DEFAULT_MAX_MISCELLANEOUS_SHARE = 0.25


@dataclass(frozen=True)
class Guard:
    """A table rebuilt in full from one source: refused when the source comes back empty or far smaller,
    or when a key column that used to be filled comes back mostly empty."""

    setting: str  # the environment variable holding the smallest share of the last load accepted
    what_to_check: str  # for the person reading the refusal: what usually causes it
    key_columns: tuple[KeyColumn, ...] = ()  # the columns the content guard watches


@dataclass(frozen=True)
class Table:
    name: str
    group: str  # one of GROUPS
    grain: str  # short: "one captured lead row", "month x funnel", "one person"
    description: str  # what ONE ROW is; starts with "One " (shown in the Dagster UI)
    columns: tuple[Column, ...]
    notes: str = ""  # extra markdown paragraphs for docs/tables.md
    key: tuple[str, ...] = ()  # the columns identifying one row (rows with NULL key parts are excluded)
    phone: bool = False  # has a `phone` column whose keys must be 10 digits or empty
    funnel_column: str | None = None  # the column whose Miscellaneous share is checked
    fresh_column: str | None = None  # the moment/date column whose newest value should be yesterday
    shrink_check: bool = False  # warn when under half the rows of the previous materialisation
    non_negative: tuple[str, ...] = ()  # numeric columns that must not be negative
    source: str | None = None  # what a person calls the outside source it is loaded from
    open_columns: bool = False  # also carries the source's extra columns beyond those declared
    guard: Guard | None = None  # a full rebuild from `source`, refused when it shrinks sharply
    last_good_inputs: tuple[str, ...] = ()  # other-part tables read as last landed, without waiting on this run
    # flagged stale when not rebuilt for a day (a part failed and the table kept yesterday's rows)
    daily_freshness: bool = False
    sheet_tab: bool = False  # also copied into the Google Sheet FUNNEL_EXPORT_SHEET, one tab

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(
            f"Table {self.name!r} declares no column {name!r}; its columns are: {', '.join(self.column_names)}."
        )

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal)


def _text(name: str, meaning: str, *, personal: bool = False) -> Column:
    return Column(name, TEXT, meaning, personal)


def _phone(of: str = "") -> Column:
    meaning = "the 10-digit phone key" + (f" of {of}" if of else "") + ", or empty"
    return Column("phone", TEXT, meaning, personal=True)


USER_ID = Column("user_id", TEXT, "`91` + phone", personal=True)


# ---------------------------------------------------------------- Sources: what each input must hold


@dataclass(frozen=True)
class Field:
    """One column of a source, as the code reads it and as the source spells it."""

    name: str  # what the code calls it (snake_case)
    header: str  # the header exactly as the source spells it: an exact match always wins
    alternatives: tuple[str, ...] = ()  # other spellings accepted (compared ignoring case, spaces, punctuation)
    required: bool = False  # the source is refused without it
    key: KeyColumn | None = None  # the output column made from it, when the content guard watches that

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.header, *self.alternatives)


@dataclass(frozen=True)
class Source:
    """An input source read as a table: the columns it is expected to have. Its other columns are kept."""

    name: str  # what a person calls it; the same as the output table's `source`
    setting: str  # the environment variable saying where it is read from
    table: str  # the output table it is loaded into
    fields: tuple[Field, ...]

    @property
    def key_columns(self) -> tuple[KeyColumn, ...]:
        return tuple(f.key for f in self.fields if f.key)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"The {self.name} contract declares no field {name!r}.")


LEAD_SHEET = Source(
    name="lead sheet",
    setting="FUNNEL_LEADS_SOURCE",
    table="marketing_leads",
    fields=(
        Field("name", "Name", ("full name", "lead name")),
        Field("email", "Email", ("email address", "e-mail", "email id")),
        Field(
            "phone_raw",
            "Phone number",
            ("phone", "mobile", "mobile number", "phone no", "contact number", "whatsapp number"),
            required=True,
            key=KeyColumn("phone", PHONE_KEY),
        ),
        Field("city", "City", ("location",)),
        Field("question_1", "Question 1", ("q1",)),
        Field("utm_source", "utmSource"),
        Field("utm_medium", "utmMedium"),
        Field("utm_campaign", "utmCamp", ("utm campaign",)),
        Field(
            "created_at",
            "created date",
            ("created at", "created time", "created on", "timestamp", "submitted at", "date"),
            required=True,
            key=KeyColumn("created_at", DATE_KEY),
        ),
    ),
)

SPEND_SHEET = Source(
    name="spend sheet",
    setting="FUNNEL_SPEND_SOURCE",
    table="marketing_spend",
    fields=(
        Field("date_time", "date_time", required=True, key=KeyColumn("spend_date", DATE_KEY)),
        Field("campaign", "campaign"),
        Field("impressions", "impressions"),
        Field("clicks", "clicks"),
        Field("cost", "cost", required=True, key=KeyColumn("cost", AMOUNT_KEY)),
        Field("platform", "platform"),
        Field("funnel", "Funnel", required=True),
    ),
)

CRM_ASSIGNMENTS_DUMP = Source(
    name="CRM assigned leads",
    setting="CRM_ASSIGNED_LEADS_URL",
    table="crm_assigned_leads",
    fields=(
        Field("sources", "sources", required=True),
        Field("assign_on", "assignOn", required=True, key=KeyColumn("assigned_on", DATE_KEY)),
        Field("lead_mobile", "leadMobile", required=True, key=KeyColumn("phone", PHONE_KEY)),
        Field("employee", "employee", required=True),
    ),
)


def _crm_sales_fields() -> tuple[Field, ...]:
    # the CRM's 44 sales columns, each with the snake_case name the code reads (docs/rules.md#source-columns)
    names = {
        "_id": "id",
        "status": "status",
        "txn_id": "txn_id",
        "sid": "sid",
        "emiId": "emi_id",
        "pId": "p_id",
        "paymentGateway": "payment_gateway",
        "target": "target",
        "targetSuperGroup": "target_super_group",
        "courseName": "course_name",
        "source": "source",
        "tokenAmount": "token_amount",
        "WithOut_Token_paidAmount": "with_out_token_paid_amount",
        "createdOn": "created_on",
        "pType": "p_type",
        "eBookRev": "e_book_rev",
        "bookRev": "book_rev",
        "paymentType": "payment_type",
        "DP": "dp",
        "lastEmiDate": "last_emi_date",
        "paidAmount": "paid_amount",
        "corePartner": "core_partner",
        "StudentContact": "student_contact",
        "StudentSignupDate": "student_signup_date",
        "StudentName": "student_name",
        "TotalAmount": "total_amount",
        "product": "product",
        "mandateStatus": "mandate_status",
        "StudentEmail": "student_email",
        "EBook_Net_Amount": "e_book_net_amount",
        "Book_Net_Amount": "book_net_amount",
        "Product_Net_Amount": "product_net_amount",
        "netAmount": "net_amount",
        "employeeName": "employee_name",
        "employeeTeam": "employee_team",
        "Total_emi": "total_emi",
        "Paid_Emi_Count": "paid_emi_count",
        "Unpaid_Emi_Count": "unpaid_emi_count",
        "Paid_Emi_Amount": "paid_emi_amount",
        "Unpaid_Amount": "unpaid_amount",
        "Last_Paid_Date": "last_paid_date",
        "netAmountAfterPDD": "net_amount_after_pdd",
        "assignedLeadSources": "assigned_lead_sources",
        "Funnel": "crm_funnel",
    }
    required = {"_id", "StudentContact", "assignedLeadSources"}
    keys = {
        "StudentContact": KeyColumn("phone", PHONE_KEY),
        "createdOn": KeyColumn("created_on", DATE_KEY),
        "netAmount": KeyColumn("net_amount", AMOUNT_KEY),
    }
    return tuple(
        Field(name, header, required=header in required, key=keys.get(header)) for header, name in names.items()
    )


CRM_SALES_DUMP = Source(name="CRM sales", setting="CRM_SALES_URL", table="sales", fields=_crm_sales_fields())

SOURCES: tuple[Source, ...] = (LEAD_SHEET, SPEND_SHEET, CRM_ASSIGNMENTS_DUMP, CRM_SALES_DUMP)

# Event reports dropped in the drop folder whose tables `resolve_columns` reads: one contract a table (a
# Teams report holds three). They are not in SOURCES and do not keep its rules: all of them feed one table,
# `event_participants`, which keeps none of their other columns and whose guarded phone and date come from
# no one header. Zoom's reports have no contract: `lib/zoom_events.PERSON_COLUMNS` takes Zoom's exact
# headers in order of preference. Nor has a form's responses file: its row of
# mappings/registration_forms.csv names its columns.


def _dropped_event_report(name: str, *fields: Field) -> Source:
    return Source(name=name, setting="FUNNEL_ZOOM_DROP_DIR", table="event_participants", fields=fields)


TEAMS_PARTICIPANTS = _dropped_event_report(
    "Teams attendance report, section 2. Participants",
    Field("name", "Name", ("Full Name",), required=True),
    Field("first_join", "First Join", required=True),
    Field("last_leave", "Last Leave", required=True),
    Field("duration", "In-Meeting Duration", ("Duration",), required=True),
    Field("email", "Email"),
    Field("role", "Role", required=True),
)
TEAMS_IN_MEETING_ACTIVITIES = _dropped_event_report(
    "Teams attendance report, section 3. In-Meeting Activities",
    Field("name", "Name", ("Full Name",), required=True),
    Field("join", "Join Time", required=True),
    Field("leave", "Leave Time", required=True),
    Field("duration", "Duration", ("In-Meeting Duration",)),
    Field("email", "Email"),
    Field("role", "Role"),
)
TEAMS_REGISTRATIONS = _dropped_event_report(
    "Teams webinar report, registration section",
    Field("name", "Name", ("Full Name",)),
    Field("first_name", "First Name"),
    Field("last_name", "Last Name"),
    Field("email", "Email", ("Email address", "E-mail")),
    Field(
        "phone", "Phone", ("Phone number", "Mobile", "Mobile number", "Phone no", "Contact number", "WhatsApp number")
    ),
    Field(
        "registration_time", "Registration Time", ("Registered on", "Registered at", "Registration date"), required=True
    ),
)
# Meet's own spellings first, then those of copies and re-exports; no field is required alone: the
# parser needs one saying who (a name or the email) and one saying when or how long
MEET_ATTENDANCE_REPORT = _dropped_event_report(
    "Google Meet attendance report",
    Field("name", "Name", ("full name", "participant name", "participant", "display name")),
    Field("first_name", "First name", ("given name",)),
    Field("last_name", "Last name", ("surname", "family name")),
    Field("email", "Email", ("email address", "e-mail", "participant email")),
    Field("phone", "Phone", ("phone number", "mobile", "mobile number")),
    Field("duration", "Duration", ("time in call", "attendance duration")),
    Field("joined", "Time joined", ("joined at", "join time", "first joined", "joined")),
    Field("exited", "Time exited", ("left at", "exit time", "time left", "leave time", "exited", "left")),
)
# an offline event filled in by hand; its headers are its field names
EVENT_ATTENDANCE_TEMPLATE = _dropped_event_report(
    "mappings/templates/event_attendance.csv",
    *(
        Field(column, column, required=True)
        for column in ("event_name", "event_date", "event_type", "name", "email", "phone", "registered", "attended")
    ),
    # a copy may leave the times out
    *(Field(column, column) for column in ("registration_time", "first_join_time", "last_leave_time")),
    Field("minutes_in_session", "minutes_in_session"),
)
EVENT_REPORT_SOURCES: tuple[Source, ...] = (
    TEAMS_PARTICIPANTS,
    TEAMS_IN_MEETING_ACTIVITIES,
    TEAMS_REGISTRATIONS,
    MEET_ATTENDANCE_REPORT,
    EVENT_ATTENDANCE_TEMPLATE,
)


# ---------------------------------------------------------------- Part 1: marketing

MARKETING_LEADS = Table(
    name="marketing_leads",
    group="marketing",
    grain="one captured lead row",
    description=(
        "One lead captured by a campaign: a row of the lead sheet (`FUNNEL_LEADS_SOURCE`). Every row "
        "is kept; a missing or unusable phone is left empty and counted in the asset's metadata."
    ),
    columns=(
        _text("name", "`Name`, proper-cased", personal=True),
        _text("email", "`Email`, lower-cased", personal=True),
        _phone("`Phone number`"),
        USER_ID,
        _text("city", "`City`, proper-cased"),
        _text("question_1", "`Question 1`"),
        _text("utm_source", "`utmSource`"),
        _text("utm_medium", "`utmMedium`"),
        _text("utm_campaign", "`utmCamp`"),
        Column(
            "created_at",
            TIMESTAMP,
            "`created date`, read as Asia/Kolkata (`2025-09-14 18:03:22`, `14/09/2025 18:03:22`, "
            "`Sep 14, 2025 6:03 PM` ...)",
        ),
        _text("source", "the lead's source: `utm_campaign` by default (`FUNNEL_LEADS_SOURCE_FIELD`)"),
        _text("funnel", "`source` mapped through `mappings/funnel_mapping.csv`"),
    ),
    notes=(
        "Headers are matched by the lead sheet's contract (see Sources): `Phone number` as spelled wins; else one\n"
        "of `phone_number`, `Mobile Number` ... when it is the only candidate. Any other column of the sheet is\n"
        "kept after these, snake_cased, as text."
    ),
    phone=True,
    funnel_column="funnel",
    fresh_column="created_at",
    shrink_check=True,
    source="lead sheet",
    guard=Guard(
        "FUNNEL_LEADS_MIN_ROWS_RATIO",
        "that FUNNEL_LEADS_SOURCE still points at the lead sheet and tab, "
        "and that the sheet was not emptied or filtered",
        LEAD_SHEET.key_columns,
    ),
    open_columns=True,
)

MARKETING_SPEND = Table(
    name="marketing_spend",
    group="marketing",
    grain="one spend row",
    description="One row of the performance-marketing spend sheet (`FUNNEL_SPEND_SOURCE`).",
    columns=(
        Column("spend_date", DATE, "the row's `date_time`, as a date (empty when unreadable)"),
        _text("date_time", "the sheet's own value, as written"),
        _text("campaign", "the sheet's `campaign` (empty when the sheet has none)"),
        Column("impressions", FLOAT, "the sheet's `impressions`, as a number"),
        Column("clicks", FLOAT, "the sheet's `clicks`, as a number"),
        Column("cost", MONEY, "spend in INR; `₹1,234.50` and `1,234.50` read as 1234.5; blank is empty"),
        _text("platform", "the sheet's `platform` (empty when the sheet has none)"),
        _text("funnel", "the sheet's `Funnel` column; blank reads `Other Sources (Miscellaneous)`"),
    ),
    notes=(
        "Every other column of the sheet (`ad_group`, `account`, ...: the spend sheet has about 44) is kept,\n"
        "snake_cased, as text; a new column in the sheet appears here on the next run. Columns follow the\n"
        "sheet's order, after `spend_date`. `date_time`, `cost` and `Funnel` must be in the sheet;\n"
        "`campaign`, `platform`, `impressions` and `clicks` are added, empty, when it lacks them."
    ),
    fresh_column="spend_date",
    shrink_check=True,
    non_negative=("cost",),
    source="spend sheet",
    guard=Guard(
        "FUNNEL_SPEND_MIN_ROWS_RATIO",
        "that FUNNEL_SPEND_SOURCE still points at the spend sheet and tab, "
        "and that the sheet was not emptied or filtered",
        SPEND_SHEET.key_columns,
    ),
    open_columns=True,
)

SPEND_BY_FUNNEL = Table(
    name="spend_by_funnel",
    group="marketing",
    grain="funnel x day",
    description="One funnel on one day: the spend sheet's cost, impressions and clicks summed.",
    columns=(
        Column("spend_date", DATE, "the day (Asia/Kolkata)"),
        Column("spend_month", DATE, "the first day of that day's month, to sum by month"),
        _text("funnel", "as in `marketing_spend`"),
        Column("cost", MONEY, "sum of `cost` over that funnel's rows that day (blank counts as 0)"),
        Column("impressions", FLOAT, "sum of `impressions`, likewise"),
        Column("clicks", FLOAT, "sum of `clicks`, likewise"),
    ),
    notes=(
        "Rows of `marketing_spend` whose date could not be read are not in any day; their count is\n"
        "in the `marketing_spend` metadata (`unreadable_dates`)."
    ),
    key=("spend_date", "funnel"),
    shrink_check=True,
    sheet_tab=True,
)

EVENT_PARTICIPANTS = Table(
    name="event_participants",
    group="marketing",
    grain="one person at one event session",
    description=(
        "One person at one event session: a webinar, or one day of a boot camp, on Zoom, Microsoft Teams, "
        "Google Meet, a registration form or an offline event's filled template. Rebuilt on every run "
        "from every file ever loaded (kept in `FUNNEL_ZOOM_DROP_DIR/processed/`); when a corrected "
        "report for the same session and report type is dropped, it replaces the earlier one. "
        "Hosts, panelists, organisers and presenters are staff and not listed."
    ),
    columns=(
        _text(
            "platform",
            "where the file came from: `zoom`, `teams`, `meet`, `form` (a declared form's responses) "
            "or `manual` (the event template)",
        ),
        _text(
            "event_type",
            "the type a form's declaration or a filled template gives; else `bootcamp` when the topic says boot camp "
            "(any spelling: `Boot Camp`, `bootcamp`, `boot-camp`) or `mappings/bootcamp_sessions.csv` lists the ID; "
            "else `webinar`",
        ),
        _text(
            "event_id",
            "Zoom's Webinar / Meeting ID, digits only (`812 3456 7890` -> `81234567890`); another platform's key for "
            "the session (`teams:<title or meeting ID>@<start>`, `meet:...`, `form:<form>@<date>`, "
            "`manual:<event>@<date>`)",
        ),
        _text("event_name", "the session's topic"),
        Column(
            "event_date", DATE, "the session's start date (Asia/Kolkata); a recurring webinar has one row set per date"
        ),
        _text(
            "bootcamp_day",
            "boot camps only: `Day 1` / `Day 2` from the topic, else Saturday = Day 1 and Sunday = Day 2, else Day 1",
        ),
        _text(
            "category",
            "program from the first token of `mappings/category_tokens.csv` found as a word in the topic; "
            "empty if none",
        ),
        _text(
            "conductor",
            "from `mappings/conductors.csv` by ID, else the host (else the first panelist), "
            "written as `mappings/conductor_aliases.csv` says",
        ),
        _text("name", "first + last name (else Zoom's display name), proper-cased", personal=True),
        _text("email", "lower-cased", personal=True),
        Column(
            "phone",
            TEXT,
            "the phone key; a person who registered with a phone and joined without one gets it through their email",
            personal=True,
        ),
        USER_ID,
        Column("registered", BOOLEAN, "the person is in the registration report or has a registration time"),
        Column("registration_time", TIMESTAMP, "the earliest registration"),
        Column("attended", BOOLEAN, "the person joined at least once"),
        Column("first_join_time", TIMESTAMP, "the first join over all their joins"),
        Column("last_leave_time", TIMESTAMP, "the last leave over all their joins"),
        Column("minutes_in_session", FLOAT, "Zoom's minutes summed over every join (empty if they never joined)"),
        Column("join_count", INTEGER, "how many times they joined (rejoins count)"),
        _text("country", "as Zoom reports it"),
        _text("source_file", "the file the person's first registration (else first join) came from"),
    ),
    notes=(
        "A person is one row per session: by phone key; without one, by email; with neither, each\n"
        "row stands alone. The earliest registration gives name, email and country."
    ),
    key=("event_id", "event_date", "phone"),
    phone=True,
    shrink_check=True,
    source="Zoom reports",
    guard=Guard(
        "FUNNEL_ZOOM_MIN_ROWS_RATIO",
        "that FUNNEL_ZOOM_DROP_DIR is the drop folder (a shared folder that did not mount, or a changed path, looks "
        "empty) and that its processed/ folder is still there",
        (KeyColumn("phone", PHONE_KEY), KeyColumn("event_date", DATE_KEY)),
    ),
)

BOOTCAMP_ATTENDANCE = Table(
    name="bootcamp_attendance",
    group="marketing",
    grain="one person at one two-day boot camp",
    description="One person at one two-day boot camp (its topic without the `Day N` part, on one weekend).",
    columns=(
        _text("bootcamp_name", "the topic without `Day 1` / `Day 2`"),
        Column("weekend_of", DATE, "the Saturday of the boot camp's weekend"),
        _text("category", "as in `event_participants`"),
        _phone(),
        USER_ID,
        _text("email", "the person's email", personal=True),
        _text("name", "the person's name", personal=True),
        Column("registered", BOOLEAN, "registered for either day"),
        _text("days_attended", "`Both`, `Day 1`, `Day 2`, or `None` (registered, came to neither)"),
    ),
)

INGESTED_FILES = Table(
    name="ingested_files",
    group="marketing",
    grain="one dropped file",
    description="One file dropped into the Zoom drop folder, ever. Newest last.",
    columns=(
        _text("file_name", "the name it was dropped under"),
        _text("sha256", "the hash of its content: the same content dropped again is a duplicate"),
        _text(
            "report_type",
            "`webinar_registration`, `webinar_attendee` or `meeting_participants`, read from the content",
        ),
        _text("event_id", "the Zoom session the file reports on"),
        _text("event_name", "that session's topic"),
        Column("event_date", DATE, "that session's date"),
        Column("rows", INTEGER, "person rows in the file (staff not counted)"),
        _text(
            "status",
            "`loaded`; `duplicate` (same content as a file already loaded: adds nothing); `rejected` (unreadable: "
            "moved to `rejected/` with a `.reason.txt`; in a Drive folder, the reason is the file's description); "
            "`replaced` (a report of the same session and type that Zoom generated later replaced it)",
        ),
        _text(
            "error",
            "for rejected and duplicate files, why; for `replaced`, the file that replaced it; for `loaded`, a note "
            "when its row count could not be checked or values holding a control character were left empty",
        ),
        Column("ingested_at", TIMESTAMP, "when the run that read it started"),
    ),
)

LEAD_TOUCHES = Table(
    name="lead_touches",
    group="marketing",
    grain="one touch",
    description=(
        "One moment a person met the funnel: a lead captured (`lead`), a webinar or boot-camp "
        "registration (`webinar_registration`, `bootcamp_registration`) or an attendance "
        "(`webinar_attendance`, `bootcamp_attendance`). Earliest first."
    ),
    columns=(
        _phone(),
        _text("email", "as in the touch's source table", personal=True),
        Column("touch_at", TIMESTAMP, "lead `created_at`; registration time; first join time"),
        _text(
            "touch_type",
            "`lead`, `webinar_registration`, `bootcamp_registration`, `webinar_attendance` or `bootcamp_attendance`",
        ),
        _text("source", "the lead's source; for a Zoom touch, the session's topic"),
        _text(
            "funnel",
            "the lead's funnel; for a Zoom touch, `<category> Webinar` or `<category> Bootcamp` "
            "(Miscellaneous when the topic names no program)",
        ),
        _text("event_id", "the Zoom session's ID, for Zoom touches"),
    ),
)

LEAD_FIRST_TOUCH = Table(
    name="lead_first_touch",
    group="marketing",
    grain="one person",
    description=(
        "One person across leads and Zoom events, with their first touch (first-touch attribution). "
        "A person is their phone key; without one, their email (an email seen elsewhere with a phone "
        "takes that phone); with neither, the touch stands alone."
    ),
    columns=(
        _phone(),
        USER_ID,
        _text("email", "the person's email", personal=True),
        Column("first_touch_at", TIMESTAMP, "when they first met the funnel"),
        _text("first_touch_type", "the type of that first touch (see `lead_touches`)"),
        _text("first_source", "the source of that first touch (first-touch attribution)"),
        _text("first_funnel", "the funnel of that first touch (first-touch attribution)"),
        Column("registered_any", BOOLEAN, "registered for any webinar or boot camp"),
        Column("attended_any", BOOLEAN, "attended any webinar or boot camp"),
        Column("touches", INTEGER, "how many touches the person has"),
    ),
    notes=(
        "The earliest touch wins; at the same moment a lead comes before a registration, a registration\n"
        "before an attendance; a touch without a time never wins over one with a time."
    ),
    key=("phone",),
    phone=True,
    shrink_check=True,
)

# ---------------------------------------------------------------- Part 2: sales

CRM_ASSIGNED_LEADS = Table(
    name="crm_assigned_leads",
    group="sales",
    grain="one CRM assignment row",
    description="One assignment of a lead to a sales person, from the CRM's full dump (`CRM_ASSIGNED_LEADS_URL`).",
    columns=(
        _text("source", "the CRM's `sources`"),
        Column("assigned_on", TIMESTAMP, "the CRM's `assignOn`, in Asia/Kolkata"),
        _phone("`leadMobile`"),
        USER_ID,
        _text("employee", "the sales person"),
        _text("funnel", "`source` mapped through `mappings/funnel_mapping.csv`"),
    ),
    notes=(
        "Column names are matched by the dump's contract (see Sources): `assignOn` as spelled wins, else\n"
        "`AssignOn` or `ASSIGNON` when it is the only candidate. A column the CRM adds later is kept after these, "
        "snake_cased, as text, and named in the\n"
        "asset's metadata (`new_crm_columns`). A dump missing one of the four columns fails, naming\n"
        "it; a dump with fewer than half the rows of the last one loaded fails too\n"
        "(`CRM_MIN_ROWS_RATIO`), and yesterday's table stays."
    ),
    phone=True,
    funnel_column="funnel",
    fresh_column="assigned_on",
    shrink_check=True,
    source="CRM assigned leads",
    guard=Guard(
        "CRM_MIN_ROWS_RATIO",
        "that the CRM sent its full dump (not a page of it, or a filtered one)",
        CRM_ASSIGNMENTS_DUMP.key_columns,
    ),
    open_columns=True,
)

ASSIGNED_LEADS_MONTHLY = Table(
    name="assigned_leads_monthly",
    group="sales",
    grain="month x phone",
    description=(
        "One phone assigned in one month: a phone assigned several times in a month counts once, with the source, "
        "funnel and employee of its earliest assignment that month."
    ),
    columns=(
        Column(
            "month",
            DATE,
            "the first day of the month of the assignment, Asia/Kolkata (`2025-09-30T19:00:00Z` is in October)",
        ),
        _phone(),
        USER_ID,
        Column("first_assigned_on", TIMESTAMP, "the phone's earliest assignment that month"),
        _text("source", "the source of that earliest assignment"),
        _text("funnel", "the funnel of that earliest assignment"),
        _text("employee", "the sales person on that earliest assignment"),
        Column(
            "attended",
            BOOLEAN,
            "the phone attended any webinar or boot camp (`event_participants`; false until Part 1 has run)",
        ),
        Column("assignments", INTEGER, "how many times the phone was assigned that month"),
    ),
    notes=(
        "Assignments without a phone or a readable date cannot be placed in a month and are left\n"
        "out; their count is in the asset's metadata."
    ),
    key=("month", "phone"),
    shrink_check=True,
    last_good_inputs=(EVENT_PARTICIPANTS.name,),
)


def _crm(name: str, crm_name: str, meaning: str = "", *, type: str = TEXT, personal: bool = False) -> Column:
    """A sales column as the CRM sends it (snake_cased)."""
    return Column(name, type, f"the CRM's `{crm_name}`" + (f": {meaning}" if meaning else ""), personal)


def _amount(name: str, crm_name: str, meaning: str = "") -> Column:
    return _crm(name, crm_name, meaning or "an amount, as a number", type=MONEY)


def _moment(name: str, crm_name: str, meaning: str = "") -> Column:
    return _crm(name, crm_name, meaning or "in Asia/Kolkata", type=TIMESTAMP)


SALES = Table(
    name="sales",
    group="sales",
    grain="one CRM sale row",
    description="One sale from the CRM's full dump (`CRM_SALES_URL`).",
    columns=(
        _crm("id", "_id", "the sale's ID"),
        _crm("status", "status", "a sale `refunded`, `cancelled` or `failed` (and the like) is not counted"),
        _crm("txn_id", "txn_id", "the payment's transaction ID"),
        _crm("sid", "sid", "the student's ID", personal=True),
        _crm("emi_id", "emiId"),
        _crm("p_id", "pId"),
        _crm("payment_gateway", "paymentGateway"),
        _crm("target", "target"),
        _crm("target_super_group", "targetSuperGroup"),
        _crm("course_name", "courseName"),
        _crm("source", "source", "the sale's channel (`web`, `app`, `sales_call` ...), not its lead source"),
        _amount("token_amount", "tokenAmount"),
        _amount("with_out_token_paid_amount", "WithOut_Token_paidAmount"),
        _moment("created_on", "createdOn", "when the sale was made, in Asia/Kolkata"),
        _crm("p_type", "pType"),
        _amount("e_book_rev", "eBookRev"),
        _amount("book_rev", "bookRev"),
        _crm("payment_type", "paymentType", "e.g. `emi`, `full`"),
        _amount("dp", "DP"),
        _moment("last_emi_date", "lastEmiDate"),
        _amount("paid_amount", "paidAmount"),
        _crm("core_partner", "corePartner"),
        _crm("student_contact", "StudentContact", "the buyer's phone, as written", personal=True),
        _moment("student_signup_date", "StudentSignupDate"),
        _crm("student_name", "StudentName", personal=True),
        _amount("total_amount", "TotalAmount"),
        _crm("product", "product"),
        _crm("mandate_status", "mandateStatus"),
        _crm("student_email", "StudentEmail", personal=True),
        _amount("e_book_net_amount", "EBook_Net_Amount"),
        _amount("book_net_amount", "Book_Net_Amount"),
        _amount("product_net_amount", "Product_Net_Amount"),
        _amount("net_amount", "netAmount", "the sale's revenue, as a number (summed in the reporting tables)"),
        _crm("employee_name", "employeeName", "the sales person who closed it"),
        _crm("employee_team", "employeeTeam"),
        _crm("total_emi", "Total_emi", "a number", type=FLOAT),
        _crm("paid_emi_count", "Paid_Emi_Count", "a number", type=FLOAT),
        _crm("unpaid_emi_count", "Unpaid_Emi_Count", "a number", type=FLOAT),
        _amount("paid_emi_amount", "Paid_Emi_Amount"),
        _amount("unpaid_amount", "Unpaid_Amount"),
        _moment("last_paid_date", "Last_Paid_Date"),
        _amount("net_amount_after_pdd", "netAmountAfterPDD"),
        _crm("assigned_lead_sources", "assignedLeadSources", "the lead source the sale is attributed to"),
        _crm("crm_funnel", "Funnel", "the CRM's own funnel, renamed so it does not clash with `funnel`"),
        _phone("`StudentContact`"),
        USER_ID,
        _text("funnel", "`assigned_lead_sources` mapped through `mappings/funnel_mapping.csv`"),
        _text(
            "manual_source",
            "the value the ops person entered for this sale's `id` in `mappings/manual_sales_mapping.csv`",
        ),
        _text(
            "final_funnel",
            "the funnel the sale is credited to: if `funnel` is Miscellaneous, "
            "the funnel `manual_source` maps to (Miscellaneous if it "
            "maps to none); otherwise `manual_source` as entered when there is one, else `funnel`",
        ),
        Column("attended", BOOLEAN, "the phone attended any webinar or boot camp"),
    ),
    notes=(
        "The CRM's 44 columns are snake_cased (`_id` -> `id`, `StudentContact` -> `student_contact`,\n"
        "`netAmount` -> `net_amount`) and matched by the dump's contract (see Sources); amounts are read as numbers\n"
        "(`1,234.50`, `₹1,234.50`; blank is empty) and times in Asia/Kolkata. Only `_id`,\n"
        "`StudentContact` and `assignedLeadSources` must be in the dump; a CRM column the dump lacks is\n"
        "not written. Any other column of the dump is kept, snake_cased, as text, in the dump's order\n"
        "before `phone`; a new one is named in the asset's metadata."
    ),
    phone=True,
    funnel_column="final_funnel",
    fresh_column="created_on",
    shrink_check=True,
    last_good_inputs=(EVENT_PARTICIPANTS.name,),
    source="CRM sales",
    guard=Guard(
        "CRM_MIN_ROWS_RATIO",
        "that the CRM sent its full dump (not a page of it, or a filtered one)",
        CRM_SALES_DUMP.key_columns,
    ),
    open_columns=True,
)

SALES_TO_MAP = Table(
    name="sales_to_map",
    group="sales",
    grain="one Miscellaneous sale",
    description=(
        "One sale whose `final_funnel` is still Miscellaneous: the monthly worklist for "
        "`mappings/manual_sales_mapping.csv`."
    ),
    columns=(
        _text("sale_id", "the CRM's `_id`, to copy into the mapping"),
        Column("created_on", TIMESTAMP, "as in `sales`, to recognise the sale"),
        _text("student_name", "as in `sales`, to recognise the sale", personal=True),
        _phone(),
        _text("assigned_lead_sources", "as in `sales`: the source that mapped to no funnel"),
        Column("net_amount", MONEY, "as in `sales`, to recognise the sale"),
        _text("manual_source", "what is entered today, if anything"),
        _text("why", "`no manual source yet`, or `manual source not in funnel_mapping.csv`"),
    ),
)

# ---------------------------------------------------------------- Reporting

UNMAPPED_SOURCES = Table(
    name="unmapped_sources",
    group="reporting",
    grain="one unmapped source string in one input",
    description=(
        "One source string that `mappings/funnel_mapping.csv` does not map, in one input that goes "
        "through the mapping, so its rows there count as `Other Sources (Miscellaneous)`: the monthly "
        "mapping worklist."
    ),
    columns=(
        _text("source", "the source as written"),
        _text(
            "seen_in",
            "the input it was seen in: `marketing_leads` (`source`), `crm_assigned_leads` (`source`) "
            "or `sales` (`assigned_lead_sources`)",
        ),
        Column("rows", INTEGER, "how many rows of that input carry it"),
        Column("first_seen", TIMESTAMP, "the earliest of those rows (`created_at`, `assigned_on`, `created_on`)"),
        Column("last_seen", TIMESTAMP, "the latest of those rows"),
    ),
    notes=(
        "Copy `source` into the mapping CSV with its funnel; the next run applies it. A source seen in\n"
        "several inputs has one row for each. Spellings differing only in case and spaces are one\n"
        "source, shown as most often written. Blank sources are not listed. The list is the same\n"
        "whichever step ran first."
    ),
    key=("source", "seen_in"),
)

FUNNEL_PEOPLE = Table(
    name="funnel_people",
    group="reporting",
    grain="one person",
    description=(
        "One person across the whole funnel, joined on the phone key. Everyone known to Part 1 "
        "(`lead_first_touch`, by phone or else email) and every phone known to Part 2 (assignments, "
        "sales) is a row; a person without a phone cannot join Part 2."
    ),
    columns=(
        _phone(),
        USER_ID,
        _text("email", "the person's email", personal=True),
        Column("lead_created_at", TIMESTAMP, "their first captured lead (`marketing_leads`)"),
        _text("first_funnel", "their first-touch funnel (`lead_first_touch`)"),
        Column("registered", BOOLEAN, "ever registered for a webinar or boot camp"),
        Column("attended", BOOLEAN, "ever attended a webinar or boot camp"),
        Column("assigned_on", TIMESTAMP, "their first CRM assignment"),
        _text("employee", "the sales person of that first assignment"),
        Column("converted", BOOLEAN, "they have at least one sale that is not refunded, cancelled or failed"),
        Column("first_sale_at", TIMESTAMP, "that first sale's `created_on`"),
        Column("revenue", MONEY, "the sum of `net_amount` of those sales (0 without)"),
        _text("final_funnel", "the `final_funnel` of their first sale"),
    ),
    key=("phone",),
    phone=True,
    shrink_check=True,
    daily_freshness=True,
)

FUNNEL_METRICS_MONTHLY = Table(
    name="funnel_metrics_monthly",
    group="reporting",
    grain="month x funnel",
    description=(
        "One funnel in one month. Months are Asia/Kolkata calendar months, and nothing dated today "
        "or later is counted (D-1): the numbers are complete through yesterday."
    ),
    columns=(
        Column("month", DATE, "the first day of the month that the row's dates fall in"),
        _text("funnel", "the funnel the people or money below count under"),
        Column(
            "month_complete",
            BOOLEAN,
            "true when the whole month is before today; compare only complete months with each other",
        ),
        Column(
            "leads",
            INTEGER,
            "people (phone, else email) who left a lead that month (by `created_at`), under that lead's funnel",
        ),
        Column(
            "registrations",
            INTEGER,
            "people who registered for a webinar or boot camp that month (by registration time), "
            "under their first-touch funnel",
        ),
        Column(
            "attendees",
            INTEGER,
            "people who first joined a webinar or boot camp that month (by join time), under their first-touch funnel",
        ),
        Column(
            "assigned",
            INTEGER,
            "phones handed to sales that month (`assigned_leads_monthly`, by the month's first assignment), "
            "under that assignment's funnel",
        ),
        Column(
            "conversions",
            INTEGER,
            "sales created that month (by `created_on`) that are not refunded, cancelled or failed, "
            "under their `final_funnel`",
        ),
        Column("revenue", MONEY, "the `net_amount` of those sales"),
        Column("spend", MONEY, "the `cost` of `spend_by_funnel` for that month and funnel"),
        Column("cost_per_lead", MONEY, "spend / leads"),
        Column("cost_per_attendee", MONEY, "spend / attendees"),
        Column("cost_per_acquisition", MONEY, "spend / conversions"),
        Column("roas", FLOAT, "revenue / spend"),
        Column("registration_rate", FLOAT, "registrations / leads"),
        Column("attendance_rate", FLOAT, "attendees / registrations"),
        Column("handover_rate", FLOAT, "assigned / attendees"),
        Column("conversion_rate", FLOAT, "conversions / assigned"),
    ),
    notes=(
        "A ratio whose denominator is 0 is empty (NULL), never 0 or infinite. Each stage counts the\n"
        "people who reached it that month, so a rate can exceed 1 when a stage draws on people from\n"
        "earlier months (or, for handover, on people who never attended)."
    ),
    key=("month", "funnel"),
    shrink_check=True,
    daily_freshness=True,
    sheet_tab=True,
)

FUNNEL_STAGES_MONTHLY = Table(
    name="funnel_stages_monthly",
    group="reporting",
    grain="month x funnel x stage",
    description=(
        "One stage of one funnel in one month: the five counts of `funnel_metrics_monthly`, tall, "
        "as BI funnel charts (Metabase, Looker Studio) draw them without reshaping."
    ),
    columns=(
        Column("month", DATE, "as in `funnel_metrics_monthly`"),
        _text("funnel", "as in `funnel_metrics_monthly`"),
        _text("stage", "`leads`, `registrations`, `attendees`, `assigned`, `conversions`"),
        Column("stage_order", INTEGER, "1 to 5, in that order"),
        Column("people", INTEGER, "the count"),
        Column("month_complete", BOOLEAN, "as in `funnel_metrics_monthly`"),
    ),
    key=("month", "funnel", "stage"),
    shrink_check=True,
    daily_freshness=True,
    sheet_tab=True,
)

RECONCILIATION = Table(
    name="reconciliation",
    group="reporting",
    grain="source x reason",
    description=(
        "One reason rows of one source were kept with a gap, merged, set aside, or counted as "
        "Miscellaneous in that source's latest load, so every input row is accounted for."
    ),
    columns=(
        _text("source", "`lead sheet`, `spend sheet`, `Zoom reports`, `CRM assigned leads`, `CRM sales`"),
        _text("table_name", "the table that source lands in"),
        _text("run_id", "the Dagster run that loaded it (open it in the UI)"),
        Column("loaded_at", TIMESTAMP, "when"),
        Column("rows_read", INTEGER, "rows in the source (Zoom: person rows in the reports)"),
        Column("rows_loaded", INTEGER, "rows in the table (Zoom: people-at-sessions)"),
        _text(
            "reason",
            "e.g. `kept with phone empty: no phone given`, `files rejected this run: see ingested files`, "
            "or `no issues`",
        ),
        Column("rows", INTEGER, "how many rows"),
    ),
)

PERFORMANCE_NOTES = """\
Assignments and sales dated today or later do not count (D-1). A phone assigned in two months counts
in each month's row, as in `assigned_leads_monthly`; a sale created before the assignment does not
convert it; refunded, cancelled and failed sales never count. An employee with sales but no
assignments that month has a row with `assigned` 0.

Worked example: in October Asha was handed phones A (1 Oct) and B (20 Oct). A bought on 11 Oct for
₹50,000 and again on 2 Nov for ₹10,000; B bought on 15 Oct (before its assignment) and nothing after.
October's row for Asha: assigned 2, converted 1 (A), conversion_rate 0.5, revenue_from_assigned
60,000 (A's sales at or after 1 Oct), median_days_to_sale 10 (1 to 11 Oct). If the 15 Oct sale was
closed by Asha, her sales_closed is 1 and revenue_closed its amount."""

COHORT_NOTES = """\
A person reaches `registered` at their earliest registration time (a boot-camp attendee report that
marks someone registered without a time: that session's first join, else the session's date),
`attended` at their earliest join, `assigned` at their phone's first CRM assignment, `converted` at
their phone's first counted sale. People are matched to Zoom rows by phone, else email, as in first
touch; people without a phone can register and attend but never be assigned or convert. Cohorts are
complete once their month is over; the latest months keep filling as people move down the funnel.

Worked example: 10 people first touched the ACCA Webinar funnel in September. 6 registered (all
within 30 days), 3 attended, 2 were assigned (one 40 days after first touch), 1 bought. The
September / ACCA Webinar rows read: registered 6 (share 0.6), attended 3 (0.3), assigned 2 (0.2,
reached_within_30_days 1, reached_within_90_days 2), converted 1 (0.1)."""

SALES_PERFORMANCE_MONTHLY = Table(
    name="sales_performance_monthly",
    group="sales",
    grain="month x employee",
    description=(
        "One sales person in one month (Asia/Kolkata), through yesterday: the phones assigned to them that "
        "month and how many of those bought (at or after the assignment), with the revenue and the median "
        "days to the sale, and the sales they closed that month."
    ),
    columns=(
        Column("month", DATE, "first day of the Asia/Kolkata month"),
        _text("employee", "the sales person, as written on the assignments (else on the sales), trimmed"),
        Column("assigned", INTEGER, "rows of `assigned_leads_monthly` for this month and employee"),
        Column(
            "converted",
            INTEGER,
            "of those phones, how many have a counted sale created at or after `first_assigned_on`",
        ),
        Column("conversion_rate", FLOAT, "converted / assigned (empty when nothing was assigned)"),
        Column("revenue_from_assigned", MONEY, "`net_amount` of those sales"),
        Column(
            "median_days_to_sale",
            FLOAT,
            "median over converted phones of days from `first_assigned_on` to their first such sale",
        ),
        Column(
            "sales_closed",
            INTEGER,
            "counted sales created this month whose `employee_name` is this employee (trimmed, any case)",
        ),
        Column("revenue_closed", MONEY, "`net_amount` of those sales"),
    ),
    notes=PERFORMANCE_NOTES,
    key=("month", "employee"),
    shrink_check=True,
    sheet_tab=True,
)

FUNNEL_COHORTS = Table(
    name="funnel_cohorts",
    group="reporting",
    grain="cohort month x first funnel x stage",
    description=(
        "One stage of one cohort: the people whose first touch (`lead_first_touch`) fell in one Asia/Kolkata "
        "month through one funnel, and how many of them reached the stage (registered, attended, assigned, "
        "converted) before today, within 30 and 90 days, and how fast."
    ),
    columns=(
        Column("cohort_month", DATE, "first day of the Asia/Kolkata month of `first_touch_at`"),
        _text("first_funnel", "the funnel of the first touch"),
        _text("stage", "`registered`, `attended`, `assigned`, `converted`"),
        Column("stage_order", INTEGER, "1 to 4, in that order"),
        Column("people", INTEGER, "the cohort's size (the same on its four rows)"),
        Column("reached", INTEGER, "people of the cohort who reached the stage before today"),
        Column(
            "reached_within_30_days",
            INTEGER,
            "of those, reached within 30 days of `first_touch_at` (a negative gap counts as 0)",
        ),
        Column("reached_within_90_days", INTEGER, "reached within 90 days"),
        Column("share", FLOAT, "reached / people: never above 1, every row about the same people"),
        Column(
            "median_days_to_reach", FLOAT, "median days from `first_touch_at`, over those who reached (empty when none)"
        ),
    ),
    notes=COHORT_NOTES,
    key=("cohort_month", "first_funnel", "stage"),
    shrink_check=True,
    daily_freshness=True,
    sheet_tab=True,
)

TABLES: tuple[Table, ...] = (
    MARKETING_LEADS,
    MARKETING_SPEND,
    SPEND_BY_FUNNEL,
    EVENT_PARTICIPANTS,
    BOOTCAMP_ATTENDANCE,
    INGESTED_FILES,
    LEAD_TOUCHES,
    LEAD_FIRST_TOUCH,
    CRM_ASSIGNED_LEADS,
    ASSIGNED_LEADS_MONTHLY,
    SALES,
    SALES_TO_MAP,
    SALES_PERFORMANCE_MONTHLY,
    UNMAPPED_SOURCES,
    FUNNEL_PEOPLE,
    FUNNEL_METRICS_MONTHLY,
    FUNNEL_STAGES_MONTHLY,
    FUNNEL_COHORTS,
    RECONCILIATION,
)
_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"No output table {name!r} in funnel_assets/catalogue.py; the tables are: {', '.join(_BY_NAME)}."
        ) from None


def tables_in_group(group: str) -> tuple[Table, ...]:
    return tuple(t for t in TABLES if t.group == group)
