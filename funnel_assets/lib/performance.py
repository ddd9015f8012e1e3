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

import polars as pl
import pyarrow.compute as pc

from funnel_assets import catalogue
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.lib.reporting import as_dates, before_today, counted_sales, month_start, with_instants
from funnel_assets.lib.tables import declared_frame
from funnel_assets.lib.text import clean_text

PERFORMANCE_COLUMNS = catalogue.table("sales_performance_monthly").column_names
_COUNTS = ("assigned", "converted", "sales_closed")
NO_EMPLOYEE = "(no employee)"  # how the markdown summary shows the row without an employee
# sorts after every employee key: the row without an employee ("") comes last
_LAST = "\U0010ffff"


def calendar_days(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole Asia/Kolkata calendar days from each start instant to its end (float; null where either is missing)."""
    days = end.dt.convert_time_zone(TIMEZONE).dt.date() - start.dt.convert_time_zone(TIMEZONE).dt.date()
    return days.dt.total_days().cast(pl.Float64)


def _with_columns(frame: pl.DataFrame, **types: pl.DataType) -> pl.DataFrame:
    """The frame with each named column cast to its type (a column it lacks: all missing)."""
    return frame.with_columns(
        pl.col(c).cast(t, strict=False) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in types.items()
    )


def employee_names(names: pl.Series) -> pl.DataFrame:
    """(key, shown) of each employee name: shown trimmed, inner whitespace one space; the key that
    lower-cased as well. A blank or missing name has key "" and no name shown."""
    names = names.cast(pl.String).rename("name")
    # a sales team's few dozen names over a million rows: each distinct name is cleaned once
    distinct = names.drop_nulls().unique().to_frame()
    shown = distinct.select(shown=clean_text(pl.col("name")))["shown"]
    # Arrow's lower case, as the pandas rule's: Polars' to_lowercase maps a final sigma otherwise
    lowered = pc.utf8_lower(shown.to_arrow(compat_level=pl.CompatLevel.oldest()))
    forms = distinct.with_columns(key=pl.Series(lowered, dtype=pl.String), shown=shown)
    return (
        names.to_frame()
        .join(forms, on="name", how="left", maintain_order="left")
        .select(pl.col("key").fill_null(""), "shown")
    )


def _display_names(assignment_names: pl.DataFrame, sale_names: pl.DataFrame) -> pl.DataFrame:
    """(key, employee): each employee key's name shown, the assignments' most written spelling, else the
    sales'; on a tie, the first in code-point order. Takes the (key, shown) frames `employee_names` gives."""
    written = pl.concat(
        [names.with_columns(priority=pl.lit(priority)) for priority, names in enumerate((assignment_names, sale_names))]
    ).drop_nulls("shown")
    return (
        written.group_by("key", "priority", "shown")
        .agg(n=pl.len())
        .sort(["key", "priority", "n", "shown"], descending=[False, False, True, False])
        .unique("key", keep="first", maintain_order=True)
        .select("key", employee="shown")
    )


# the columns of the sales table the rule reads (a step may take only these)
SALES_READ = ("phone", "created_on", "net_amount", "status", "employee_name")


def performance_by_employee(assigned_monthly: pl.DataFrame, sales: pl.DataFrame, today: date) -> pl.DataFrame:
    """Month x employee: assigned leads, their conversions and revenue, and the sales each closed (D-1).

    See the module's docstring for every column's definition. Returns the columns of
    PERFORMANCE_COLUMNS: month (date), employee (text, null for no employee), assigned,
    converted, sales_closed (int64), conversion_rate, revenue_from_assigned,
    median_days_to_sale, revenue_closed (float64); ordered by month, then employee key (the row
    without an employee last).
    """
    rows = (
        with_instants(assigned_monthly, "first_assigned_on")
        .filter(before_today(pl.col("first_assigned_on"), today))
        .with_columns(pl.col("phone").cast(pl.String), pl.col("employee").cast(pl.String))
    )
    sales = with_instants(
        _with_columns(sales, phone=pl.String, net_amount=pl.Float64, employee_name=pl.String), "created_on"
    )
    counted = sales.filter(counted_sales(sales) & before_today(pl.col("created_on"), today))
    sale_names = employee_names(counted["employee_name"])
    counted = counted.with_columns(key=sale_names["key"])
    if rows.is_empty() and counted.is_empty():
        return declared_frame("sales_performance_monthly")

    assignment_names = employee_names(rows["employee"])
    assigned = rows.select(
        "phone",
        "first_assigned_on",
        month=as_dates(rows["month"]),
        key=assignment_names["key"],
    )
    # each phone's counted sales, one row per instant: the revenue from that instant on (a suffix sum), so that an
    # assignment finds its first sale at or after it and the revenue from then on in one as-of join, without
    # pairing every assignment of a phone with every sale of it (a busy phone's pairs run into millions)
    sales_from = (
        counted.lazy()
        .select("phone", first_sale="created_on", net_amount=pl.col("net_amount").fill_null(0.0))
        .drop_nulls("phone")
        .group_by("phone", "first_sale")
        .agg(pl.col("net_amount").sum())
        .sort("phone", "first_sale")
        .select("phone", "first_sale", revenue=pl.col("net_amount").cum_sum(reverse=True).over("phone"))
        .sort("first_sale")
    )
    per_row = (
        assigned.lazy()
        .sort("first_assigned_on")
        .join_asof(
            sales_from,
            left_on="first_assigned_on",
            right_on="first_sale",
            by="phone",
            strategy="forward",
            check_sortedness=False,
        )
    )
    from_assigned = (
        per_row.drop_nulls("month")
        .group_by("month", "key")
        .agg(
            assigned=pl.len(),
            converted=pl.col("first_sale").is_not_null().sum(),
            revenue_from_assigned=pl.col("revenue").fill_null(0.0).sum(),
            median_days_to_sale=calendar_days(pl.col("first_assigned_on"), pl.col("first_sale")).median(),
        )
    )
    closed = (
        counted.lazy()
        .select("net_amount", "key", month=month_start(pl.col("created_on")))
        .group_by("month", "key")
        .agg(sales_closed=pl.len(), revenue_closed=pl.col("net_amount").sum())
    )

    names = _display_names(assignment_names, sale_names)
    return (
        from_assigned.join(closed, on=["month", "key"], how="full", coalesce=True)
        .join(names.lazy(), on="key", how="left")
        .with_columns(
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in _COUNTS),
            *(pl.col(c).fill_null(0.0) for c in ("revenue_from_assigned", "revenue_closed")),
            pl.col("median_days_to_sale").cast(pl.Float64),
            employee=pl.when(pl.col("key") != "").then(pl.col("employee")),
        )
        .with_columns(
            conversion_rate=pl.when(pl.col("assigned") > 0).then(pl.col("converted") / pl.col("assigned")),
        )
        .sort("month", pl.col("key").replace("", _LAST))
        .select(PERFORMANCE_COLUMNS)
        .collect()
    )


def markdown_cell(text: object) -> str:
    """A value as a markdown table cell: a `|` in it would split the cell."""
    return str(text).replace("|", "\\|")


def top_employees_table(performance: pl.DataFrame, today: date, n: int = 5) -> str:
    """Markdown for the Dagster UI: the latest complete month's top `n` employees by conversions
    (then by conversion rate, revenue closed and name), with assigned, converted, rate and revenue closed."""
    if performance.is_empty():
        return "No sales performance yet."
    months = as_dates(performance["month"])
    complete_months = months.filter(months < today.replace(day=1))
    if complete_months.is_empty():
        return "No complete month yet."
    latest_month = complete_months.max()
    ranked = (
        performance.filter(months == latest_month)
        .with_columns(
            _rate=pl.col("conversion_rate").fill_nan(None).fill_null(-1.0),
            _name=pl.col("employee").fill_null(_LAST),
        )
        .sort(
            ["converted", "_rate", "revenue_closed", "_name"],
            descending=[True, True, True, False],
            maintain_order=True,
        )
    )
    lines = [
        f"**Top employees, {latest_month:%B %Y}** (by conversions of the leads assigned that month)",
        "",
        "| employee | assigned | converted | conversion rate | revenue closed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for employee, assigned, converted, rate, revenue in (
        ranked.head(n).select("employee", "assigned", "converted", "conversion_rate", "revenue_closed").iter_rows()
    ):
        shown_rate = "" if rate is None or rate != rate else f"{rate:.0%}"
        name = NO_EMPLOYEE if employee is None else employee
        lines.append(
            f"| {markdown_cell(name)} | {int(assigned):,} | {int(converted):,} | {shown_rate} | {revenue:,.0f} |"
        )
    return "\n".join(lines)
