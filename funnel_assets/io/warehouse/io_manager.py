"""The warehouse as the project's IO manager: every asset's returned table is persisted here,
and handed to the steps downstream.

`handle_output` writes the table (atomic swap, COPY on PostgreSQL, the CSV export) after
checking it against its declaration in the catalogue. Within one run's process the frame
is also kept in memory for the steps that take it as an input, and let go once the last
of them has it; a step that runs elsewhere (a re-execution from failure, one asset
materialised alone) gets the table read back from the warehouse instead.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import make_url

from funnel_assets import catalogue
from funnel_assets.io import files
from funnel_assets.io.warehouse.columns import WarehouseError
from funnel_assets.io.warehouse.warehouse import Warehouse
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.settings import WAREHOUSE_PASSWORD, secret

PREVIEW_ROWS = 10
# output metadata the `exported` check reads (defs/checks.py)
EXPORT_PATH, EXPORT_PROBLEM = "export", "export_problem"


def table_name(context: dg.InputContext | dg.OutputContext) -> str:
    return context.asset_key.path[-1]


def check_declared_columns(table: str, frame: pd.DataFrame) -> None:
    """The frame has every column its declaration lists, and no other unless the table is open to more."""
    declared = catalogue.table(table)
    columns = [str(c) for c in frame.columns]
    missing = [c for c in declared.column_names if c not in columns]
    undeclared = [c for c in columns if c not in declared.column_names]
    # an open table carries what its source sends: a known column the source left out is not an error
    if (missing or undeclared) and not declared.open_columns:
        raise WarehouseError(
            f"Table '{table}' does not match its declaration in funnel_assets/catalogue.py: "
            f"missing {missing or 'nothing'}, undeclared {undeclared or 'nothing'}."
        )


DEFAULT_MIN_ROWS_RATIO = 0.5


def shrink_refusal(table: catalogue.Table, rows: int, previous: int, ratio: float) -> str | None:
    """Why a full rebuild of `rows` rows may not replace a table of `previous` rows, or None when it may."""
    guard = table.guard
    if guard is None or previous == 0 or ratio <= 0 or rows >= previous * ratio:
        return None
    found = "nothing" if rows == 0 else f"{rows:,} rows ({rows / previous:.0%} of it; the limit is {ratio:.0%})"
    return (
        f"The {table.source} gave {found}, but `{table.name}` holds {previous:,} rows: a full rebuild should not "
        f"shrink like this, so the table is kept as it was. Check {guard.what_to_check}. If the drop is real, "
        f"set {guard.setting}=0 for one run."
    )


PANDAS_DTYPES = {
    catalogue.TEXT: object,
    catalogue.INTEGER: "Int64",
    catalogue.FLOAT: "float64",
    catalogue.BOOLEAN: "boolean",
    catalogue.DATE: object,
    catalogue.TIMESTAMP: pd.DatetimeTZDtype(tz=TIMEZONE),
}


def empty_table(table: str) -> pd.DataFrame:
    """A declared table with no rows, its columns typed as the warehouse would read them back."""
    return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.type]) for c in catalogue.table(table).columns})


MASK = "•••"


def preview(table: str, frame: pd.DataFrame) -> str:
    """The first rows as markdown, personal columns masked: the event log keeps previews for good and
    everyone with access to the UI reads them. A column the catalogue does not declare (an open table
    carries whatever its source adds, a parent's mobile say) is masked too: nobody has said it is not personal."""
    declared = catalogue.table(table)
    hidden = [c for c in frame.columns if c in declared.personal_columns or c not in declared.column_names]
    shown = frame.head(PREVIEW_ROWS).copy()
    for column in hidden:
        shown[column] = shown[column].where(shown[column].isna(), MASK)
    return shown.to_markdown(index=False)


def _readers_in_this_run(context: dg.OutputContext) -> int:
    """How many steps of this run take this output as an input (0 when the plan cannot say)."""
    try:
        plan = context.step_context.execution_plan
        produced = (context.step_key, context.name)
        return sum(
            (handle.step_key, handle.output_name) == produced
            for step in plan.get_steps_to_execute_in_topo_order()
            for step_input in step.step_inputs
            for handle in step_input.get_step_output_handle_dependencies()
        )
    except (AttributeError, dg.DagsterInvariantViolationError):
        return 0


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Persists every funnel table in the warehouse (SQLite by default, PostgreSQL in production)."""

    url: str = Field(
        description="SQLAlchemy URL of the warehouse (FUNNEL_WAREHOUSE_URL, or FUNNEL_WAREHOUSE_HOST/PORT/DB/USER); "
        "FUNNEL_WAREHOUSE_PASSWORD, when set, is added when connecting."
    )
    schema_name: str = Field(default="funnel", description="PostgreSQL schema of the output tables (FUNNEL_WAREHOUSE_SCHEMA).")
    export_dir: str | None = Field(
        default=None, description="Also write every table as <table>.csv into this folder (FUNNEL_EXPORT_DIR)."
    )

    min_rows_ratios: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Per guard setting (FUNNEL_LEADS_MIN_ROWS_RATIO, CRM_MIN_ROWS_RATIO, ...): a full rebuild with fewer rows "
            "than this share of the table it would replace is refused (default 0.5; 0 accepts any shrink)."
        ),
    )

    _warehouse: Warehouse | None = PrivateAttr(default=None)
    # (run id, table) -> [frame, readers still to come]
    _held: dict[tuple[str, str], list] = PrivateAttr(default_factory=dict)

    @property
    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            url = make_url(self.url)
            password = secret(WAREHOUSE_PASSWORD)
            if password and url.password is None:
                # the password is read when connecting, never from configuration a run could override
                url = url.set(password=password)
            self._warehouse = Warehouse(
                url=url.render_as_string(hide_password=False), schema_name=self.schema_name, export_dir=self.export_dir
            )
            try:
                self._warehouse.backend  # noqa: B018 - opens the SQLite file's folder now: a link there is refused once
            except files.UnsafePathError as exc:
                self._warehouse = None
                raise dg.Failure(description=str(exc), allow_retries=False) from None  # a retry would find the same link
        return self._warehouse

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        table = table_name(context)
        check_declared_columns(table, obj)
        self._refuse_a_sharp_shrink(table, len(obj))
        rows = self.warehouse.write_table(table, obj)
        context.add_output_metadata({"dagster/row_count": rows, "preview": dg.MetadataValue.md(preview(table, obj))})
        export = self.warehouse.export_of(table)
        if export is not None:  # a failed export never fails the table: the `exported` check reports it
            context.add_output_metadata({EXPORT_PATH: dg.MetadataValue.path(str(export.path)), EXPORT_PROBLEM: export.problem or ""})
            if export.problem:
                context.log.error(export.problem)
        readers = _readers_in_this_run(context)
        if readers:
            self._held[(context.run_id, table)] = [obj, readers]

    def _refuse_a_sharp_shrink(self, table: str, rows: int) -> None:
        """A full rebuild from an outside source may not replace a table with far fewer rows: the last good
        table stays, and the step fails saying what to check and how to accept a real shrink."""
        guard = catalogue.table(table).guard
        if guard is None or not self.warehouse.table_exists(table):
            return
        ratio = self.min_rows_ratios.get(guard.setting, DEFAULT_MIN_ROWS_RATIO)
        previous = self.warehouse.row_count(table)
        refusal = shrink_refusal(catalogue.table(table), rows, previous, ratio)
        if refusal:
            raise dg.Failure(description=refusal, metadata={"rows": rows, "rows_in_last_good_table": previous}, allow_retries=False)

    def read_last_good(self, table: str, log=None) -> pd.DataFrame:
        """The table as it last landed, for a step that must not wait on it; empty (with its declared
        columns) before it first did, as when the other part has never run here."""
        if not self.warehouse.table_exists(table):
            if log is not None:
                log.warning(f"Table '{table}' is not in the warehouse yet; it is read as empty.")
            return empty_table(table)
        return self.warehouse.read_table(table)

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = table_name(context)
        # the run that produced the input: this run, or (re-executing from failure) the one before
        producer = context.upstream_output.run_id if context.upstream_output is not None else None
        held = self._held.get((producer, table))
        if held is None:
            return self.read_last_good(table, context.log)
        frame, held[1] = held[0], held[1] - 1
        if held[1] <= 0:
            del self._held[(producer, table)]
            return frame
        # a reader that adds or replaces columns must not change what the next reader sees
        return frame.copy(deep=False)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._held.clear()
        if self._warehouse is not None:
            self._warehouse.dispose()
