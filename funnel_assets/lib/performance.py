"""Sales performance: month x employee, the assigned leads each sales person had and what came of them.

Definitions (docs/rules.md#sales-performance; a month is an Asia/Kolkata calendar month):

- assigned: the rows of `assigned_leads_monthly` for that month whose employee is this one
  (a phone assigned in two months counts in each month's row, as in `assigned_leads_monthly`).
- converted: those phones with a counted sale (any status but a refund, cancellation or
  failure: `counted_sales`) created at or after that row's `first_assigned_on`; a sale made
  before the assignment does not convert it.
- revenue_from_assigned: the `net_amount` of every counted sale of the phone created at or
  after that row's `first_assigned_on` (all of them, not only the first), summed over the
  month's rows. The same sale counts in each month's row its phone has, as the phone does.
- median_days_to_sale: over the converted rows, the median number of whole calendar days
  (Asia/Kolkata dates) from `first_assigned_on` to the phone's first such sale: a sale the
  same day is 0 days, one the next morning 1 day. Empty when nothing converted.
- sales_closed / revenue_closed: counted sales created that month whose `employee_name` is
  this employee, and their `net_amount`; whoever the lead was assigned to.
- An employee is their name trimmed, inner runs of whitespace made one space, compared
  without case: ` asha  kumar` on a sale is `Asha Kumar` of the assignments. The name shown
  is the one most often written on the assignments (whatever the month), else the one most
  often written on the sales; on a tie, the first in code-point order. Assignments and sales
  without an employee are one row with an empty employee, so the employees add up to the
  totals.
- D-1: an assignment whose `first_assigned_on` is today or later, or a sale created today or
  later, is not counted.
- conversion_rate is converted / assigned; empty (NULL) when nothing was assigned.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE, in_local_time
from funnel_assets.lib.reporting import before_today, counted_sales, month_start
from funnel_assets.lib.text import arrow_strings, clean_text, to_object

PERFORMANCE_COLUMNS = catalogue.table("sales_performance_monthly").column_names
_COUNTS = ("assigned", "converted", "sales_closed")
_AMOUNTS = ("conversion_rate", "revenue_from_assigned", "median_days_to_sale", "revenue_closed")
NO_EMPLOYEE = "(no employee)"  # how the markdown summary shows the row without an employee


def calendar_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole Asia/Kolkata calendar days from each start to its end (float; NaN where either is missing)."""
    start_day = in_local_time(start).dt.normalize()
    end_day = in_local_time(end).dt.normalize()
    return ((end_day - start_day) / pd.Timedelta(days=1)).astype("float64")


def as_dates(values: pd.Series) -> pd.Series:
    """Dates (datetime.date objects) from dates, date text or timestamps."""
    parsed = pd.to_datetime(values)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return pd.Series(parsed.dt.date.to_numpy(dtype=object), index=values.index, dtype=object)


def _column(frame: pd.DataFrame, name: str, fill: object = None) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(fill, index=frame.index, dtype=object)


def _amounts(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(_column(frame, "net_amount", np.nan), errors="coerce").astype("float64")


def employee_names(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(key, name as shown) of each employee name: trimmed, inner whitespace one space; the key
    lower-cased as well. A blank or missing name has key "" and no name."""
    shown = clean_text(names)
    key = to_object(pc.utf8_lower(arrow_strings(shown)), names.index).fillna("")
    return key, shown


def _display_names(assignment_names: pd.Series, sale_names: pd.Series) -> pd.Series:
    """employee key -> the name shown: the assignments' most written spelling, else the sales'."""
    spellings = []
    for priority, names in enumerate((assignment_names, sale_names)):
        key, shown = employee_names(names)
        spellings.append(pd.DataFrame({"key": key.to_numpy(), "priority": priority, "shown": shown.to_numpy()}))
    written = pd.concat(spellings, ignore_index=True)
    written = written[written["shown"].notna()]
    if written.empty:
        return pd.Series(dtype=object)
    counted = written.groupby(["key", "priority", "shown"]).size().rename("n").reset_index()
    counted = counted.sort_values(["key", "priority", "n", "shown"], ascending=[True, True, False, True], kind="stable")
    return counted.drop_duplicates("key").set_index("key")["shown"]


def _empty_performance() -> pd.DataFrame:
    frame = pd.DataFrame({"month": pd.Series(dtype=object), "employee": pd.Series(dtype=object)})
    for column in _COUNTS:
        frame[column] = pd.Series(dtype="int64")
    for column in _AMOUNTS:
        frame[column] = pd.Series(dtype="float64")
    return frame[list(PERFORMANCE_COLUMNS)]


def performance_by_employee(assigned_monthly: pd.DataFrame, sales: pd.DataFrame, today: date) -> pd.DataFrame:
    """Month x employee: assigned leads, their conversions and revenue, and the sales each closed (D-1).

    See the module's docstring for every column's definition. Returns the columns of
    PERFORMANCE_COLUMNS: month (date), employee (text, None for no employee), assigned,
    converted, sales_closed (int64), conversion_rate, revenue_from_assigned,
    median_days_to_sale, revenue_closed (float64); ordered by month, then employee (the row
    without an employee last).
    """
    rows = assigned_monthly[before_today(assigned_monthly["first_assigned_on"], today).to_numpy()]
    counted = sales[(counted_sales(sales) & before_today(_column(sales, "created_on"), today)).to_numpy()]
    if rows.empty and counted.empty:
        return _empty_performance()

    # each counted assignment row, and its phone's counted sales at or after the assignment
    assigned = pd.DataFrame(
        {
            "row": np.arange(len(rows)),
            "month": as_dates(rows["month"]).to_numpy(),
            "key": employee_names(rows["employee"])[0].to_numpy(),
            "phone": rows["phone"].to_numpy(dtype=object),
            "first_assigned_on": in_local_time(rows["first_assigned_on"]).array,
        }
    )
    sold = pd.DataFrame(
        {
            "phone": counted["phone"].to_numpy(dtype=object),
            "created_on": in_local_time(counted["created_on"]).array,
            "net_amount": _amounts(counted).to_numpy(),
        }
    )
    pairs = assigned.loc[assigned["phone"].notna(), ["row", "phone", "first_assigned_on"]].merge(
        sold[sold["phone"].notna()], on="phone", how="inner"
    )
    pairs = pairs[pairs["created_on"].ge(pairs["first_assigned_on"]).to_numpy()]
    per_row = pairs.groupby("row").agg(first_sale=("created_on", "min"), revenue=("net_amount", "sum"))
    per_row = per_row.reindex(assigned["row"])
    assigned["converted"] = per_row["first_sale"].notna().to_numpy()
    assigned["revenue"] = per_row["revenue"].fillna(0.0).to_numpy(dtype="float64")
    assigned["days"] = calendar_days(assigned["first_assigned_on"], pd.Series(per_row["first_sale"].array)).to_numpy()
    from_assigned = assigned.groupby(["month", "key"]).agg(
        assigned=("row", "size"),
        converted=("converted", "sum"),
        revenue_from_assigned=("revenue", "sum"),
        median_days_to_sale=("days", "median"),
    )

    closing = pd.DataFrame(
        {
            "month": month_start(counted["created_on"]).to_numpy(dtype=object),
            "key": employee_names(_column(counted, "employee_name"))[0].to_numpy(),
            "net_amount": _amounts(counted).to_numpy(),
        }
    )
    closed = closing.groupby(["month", "key"]).agg(
        sales_closed=("net_amount", "size"), revenue_closed=("net_amount", "sum")
    )

    table = pd.concat([from_assigned, closed], axis=1).reset_index()
    table.columns = ["month", "key", *table.columns[2:]]
    for column in _COUNTS:
        table[column] = table[column].fillna(0).astype("int64")
    for column in ("revenue_from_assigned", "revenue_closed"):
        table[column] = table[column].fillna(0.0).astype("float64")
    table["median_days_to_sale"] = table["median_days_to_sale"].astype("float64")
    table["conversion_rate"] = (table["converted"] / table["assigned"].where(table["assigned"] > 0)).astype("float64")

    names = _display_names(rows["employee"], _column(counted, "employee_name"))
    table["employee"] = table["key"].map(names).astype(object)
    table["employee"] = table["employee"].where(table["key"].ne(""), None)
    table["month"] = table["month"].astype(object)
    table = table.sort_values(["month", "key"], key=_no_employee_last, kind="stable", ignore_index=True)
    return table[list(PERFORMANCE_COLUMNS)]


def _no_employee_last(column: pd.Series) -> pd.Series:
    # sorts "" (no employee) after every name; months sort as they are
    return column.replace("", "\U0010ffff") if column.name == "key" else column


def markdown_cell(text: object) -> str:
    """A value as a markdown table cell: a `|` in it would split the cell."""
    return str(text).replace("|", "\\|")


def top_employees_table(performance: pd.DataFrame, today: date, n: int = 5) -> str:
    """Markdown for the Dagster UI: the latest complete month's top `n` employees by conversions
    (then by conversion rate, revenue closed and name), with assigned, converted, rate and revenue closed."""
    if performance.empty:
        return "No sales performance yet."
    months = as_dates(performance["month"])
    complete_months = months[months < today.replace(day=1)]
    if complete_months.empty:
        return "No complete month yet."
    latest_month = complete_months.max()
    latest = performance[(months == latest_month).to_numpy()]
    ranked = latest.assign(
        _rate=latest["conversion_rate"].fillna(-1.0), _name=latest["employee"].fillna("\U0010ffff").astype(str)
    ).sort_values(
        ["converted", "_rate", "revenue_closed", "_name"], ascending=[False, False, False, True], kind="stable"
    )
    lines = [
        f"**Top employees, {latest_month:%B %Y}** (by conversions of the leads assigned that month)",
        "",
        "| employee | assigned | converted | conversion rate | revenue closed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for employee, assigned, converted, rate, revenue in ranked.head(n)[
        ["employee", "assigned", "converted", "conversion_rate", "revenue_closed"]
    ].itertuples(index=False):
        shown_rate = "" if pd.isna(rate) else f"{rate:.0%}"
        name = NO_EMPLOYEE if employee is None or pd.isna(employee) else employee
        lines.append(
            f"| {markdown_cell(name)} | {int(assigned):,} | {int(converted):,} | {shown_rate} | {revenue:,.0f} |"
        )
    return "\n".join(lines)
