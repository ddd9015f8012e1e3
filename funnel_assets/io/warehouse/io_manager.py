"""The warehouse as the project's IO manager: every asset's returned table is persisted here,
and handed to the steps downstream.

`handle_output` writes the table (atomic swap, COPY on PostgreSQL, the CSV export) after
checking it against its declaration in the catalogue. Within one run's process the frame
is also kept in memory for the steps that take it as an input, and let go once the last
of them has it. A step that names the columns it takes (defs/table_assets.reads_columns) gets
only those, and a column none of the steps still to come takes is let go at once. A step that
runs elsewhere (a re-execution from failure, one asset materialised alone) gets the table (its
columns) read back from the warehouse instead.

An asset may return a pandas or a Polars frame; both pass the same checks and land as the same
values. Each step gets the kind of frame its input's annotation asks for (`pl.DataFrame`: Polars;
`pd.DataFrame` or none: pandas), converted by frame_conversion when the frame held or read back
is the other kind.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg
import pandas as pd
import polars as pl
import pyarrow as pa
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import make_url

from funnel_assets import catalogue
from funnel_assets.io import files
from funnel_assets.io.warehouse.backend import Described
from funnel_assets.io.warehouse.column_kinds import money_rounded, nan_as_null
from funnel_assets.io.warehouse.errors import WarehouseError
from funnel_assets.io.warehouse.frame_conversion import DECLARED_KINDS, as_wanted, frame_kinds, pandas_from_polars
from funnel_assets.io.warehouse.warehouse import Warehouse
from funnel_assets.lib.clock import TIMEZONE
from funnel_assets.memory import return_freed_memory
from funnel_assets.settings import WAREHOUSE_PASSWORD, secret

Frame = pd.DataFrame | pl.DataFrame
PREVIEW_ROWS = 10
# output metadata the `exported` check reads (defs/checks.py)
EXPORT_PATH, EXPORT_PROBLEM = "export", "export_problem"


def table_name(context: dg.InputContext | dg.OutputContext) -> str:
    return context.asset_key.path[-1]


def check_declared_columns(table: str, frame: Frame) -> None:
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


# the comment of a column an open table carries beyond its declaration
UNDECLARED_MEANING = "a column of the source that the catalogue does not declare, kept as the source sent it (as text)"


# The catalogue type of each warehouse kind (DECLARED_KINDS, in frame_conversion.py, is the other way), for
# the schema a materialization records (an undeclared column's kind may have no catalogue type)
CATALOGUE_TYPES = {kind: type_ for type_, kind in DECLARED_KINDS.items()} | {"timestamp": "timestamp without time zone"}


def described(table: str, columns: list[str]) -> Described:
    """The table's catalogue declaration as the warehouse keeps it: its description and grain as the table's
    comment, each column's meaning as the column's, and each declared column's kind (it is written as that kind,
    and refused when its values do not fit)."""
    declared = catalogue.table(table)
    meanings = {c.name: c.meaning for c in declared.columns}
    return Described(
        comment=f"{declared.description} Grain: {declared.grain}.",
        column_comments={c: meanings.get(c, UNDECLARED_MEANING) for c in columns},
        kinds={c.name: DECLARED_KINDS[c.type] for c in declared.columns},
    )


def written_schema(table: str, kinds: dict[str, str]) -> dg.TableSchema:
    """The table as the warehouse holds it (each column's type as the catalogue names it), with each column's
    meaning: what a materialization records under `dagster/column_schema`, as Dagster's own IO managers record
    the schema they wrote. For an open table it names the columns its source added too."""
    meanings = {c.name: c.meaning for c in catalogue.table(table).columns}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=CATALOGUE_TYPES[kind], description=meanings.get(name, UNDECLARED_MEANING))
            for name, kind in kinds.items()
        ]
    )


def _as_stored(frame: Frame, kinds: Mapping[str, str]) -> Frame:
    """The frame with its money columns as the warehouse stores them (to the paisa): the steps downstream
    that get it in memory see what they would read back (a re-executed step gives the same bytes). A Polars
    frame's NaN becomes null too: missing, as it reads back (pandas holds missing numbers as NaN already)."""
    money = [c for c, kind in kinds.items() if kind == "money" and c in frame.columns]
    polars = isinstance(frame, pl.DataFrame)
    if polars:
        frame = nan_as_null(frame)
        money = [c for c in money if frame.schema[c].is_numeric()]
    else:
        money = [c for c in money if pd.api.types.is_numeric_dtype(frame[c].dtype)]
    if not money:
        return frame
    try:
        rounded = {c: money_rounded(frame[c]) for c in money}
    except pa.ArrowInvalid:
        return frame  # an amount beyond what money holds: the write refuses it, naming the column
    return frame.with_columns(rounded.values()) if polars else frame.assign(**rounded)


DEFAULT_MIN_ROWS_RATIO = catalogue.DEFAULT_MIN_ROWS_RATIO
# the row guard compares with the largest of the table's last few good loads, so a source that shrinks a
# little each run (300 -> 180 -> 108, each above half the one before) is stopped all the same
RECENT_LOADS = catalogue.RECENT_GOOD_LOADS
MEANINGFUL_SHARE = catalogue.MEANINGFUL_SHARE
# set on a load written with the guard's setting at 0: the loads before it no longer count
GUARD_OFF = "guard_off_for_this_load"

KEY_HINTS = {
    catalogue.PHONE_KEY: (
        "that the source's phone column still holds the phones (a renamed or moved column, or a second, look-alike one)"
    ),
    catalogue.DATE_KEY: "that the source's date column still holds dates, in a format the product reads",
    catalogue.AMOUNT_KEY: "that the source's amount column still holds numbers",
}


def shrink_refusal(
    table: catalogue.Table, rows: int, previous: int, ratio: float, largest: int | None = None
) -> str | None:
    """Why a full rebuild of `rows` rows may not replace a table of `previous` rows, whose recent good loads
    had at most `largest` rows, or None when it may."""
    guard = table.guard
    largest = max(previous, largest or 0)
    if guard is None or largest == 0 or ratio <= 0 or rows >= largest * ratio:
        return None
    found = "nothing" if rows == 0 else f"{rows:,} rows ({rows / largest:.0%} of {largest:,}; the limit is {ratio:.0%})"
    held = (
        f"`{table.name}` holds {previous:,} rows"
        if largest == previous
        else (
            f"`{table.name}` had {largest:,} rows in one of its last {RECENT_LOADS} good loads "
            f"(it holds {previous:,} now)"
        )
    )
    return (
        f"The {table.source} gave {found}, but {held}: a full rebuild should not shrink like this, so the table is "
        f"kept as it was. Check {guard.what_to_check}. If the drop is real, set {guard.setting}=0 for one run."
    )


def usable_shares(frame: Frame, columns: list[str]) -> dict[str, float]:
    """Each column's share of rows with a value (a column the frame lacks has none); a Polars frame's NaN counts
    as no value, as pandas' does."""
    if isinstance(frame, pl.DataFrame):
        if frame.is_empty():
            return {}
        frame = nan_as_null(frame)
        return {c: float(frame[c].is_not_null().mean()) if c in frame.columns else 0.0 for c in columns}
    if frame.empty:
        return {}
    return {c: float(frame[c].notna().mean()) if c in frame.columns else 0.0 for c in columns}


def content_refusal(table: catalogue.Table, new: dict[str, float], old: dict[str, float], ratio: float) -> str | None:
    """Why a rebuild whose key columns are filled in `new` shares may not replace a table filled in `old`
    shares, or None when it may: a key column that was meaningfully filled and is now under `ratio` of that."""
    guard = table.guard
    if guard is None or ratio <= 0:
        return None
    emptied = [
        key
        for key in guard.key_columns
        if key.column in new
        and old.get(key.column, 0.0) >= MEANINGFUL_SHARE
        and new[key.column] < old[key.column] * ratio
    ]
    if not emptied:
        return None
    # the source's own header, for the person who will open the source
    read_from = {
        f.key.column: f" (read from `{f.header}`)"
        for s in catalogue.SOURCES
        if s.table == table.name
        for f in s.fields
        if f.key
    }
    parts = [
        f"`{key.column}`{read_from.get(key.column, '')} has a usable {key.kind} in {new[key.column]:.0%} of the rows, "
        f"against {old[key.column]:.0%} in the table it would replace"
        for key in emptied
    ]
    hints = "; ".join(dict.fromkeys(KEY_HINTS[key.kind] for key in emptied))
    return (
        f"The {table.source} came back with {'a key column' if len(emptied) == 1 else 'key columns'} mostly empty: "
        f"{'; '.join(parts)} (the limit is {ratio:.0%} "
        f"of the old share). The table is kept as it was. Check {hints}. If the change is real, set "
        f"{guard.setting}=0 for one run."
    )


def recent_row_counts(context: dg.OutputContext) -> list[int]:
    """Row counts of the table's last good loads, newest first, from the Dagster instance; back to the last
    load written with its guard off (a person accepted that size). Empty when the instance has no history."""
    try:
        instance = context.step_context.instance
    except dg.DagsterInvariantViolationError:
        return []
    counts = []
    for record in instance.fetch_materializations(context.asset_key, limit=RECENT_LOADS).records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        if "dagster/row_count" in metadata:
            counts.append(int(metadata["dagster/row_count"].value))
        if GUARD_OFF in metadata:
            break
    return counts


PANDAS_DTYPES = {
    catalogue.TEXT: object,
    catalogue.INTEGER: "Int64",
    catalogue.FLOAT: "float64",
    catalogue.MONEY: "float64",
    catalogue.BOOLEAN: "boolean",
    catalogue.DATE: object,
    catalogue.TIMESTAMP: pd.DatetimeTZDtype(tz=TIMEZONE),
}


def empty_table(table: str) -> pd.DataFrame:
    """A declared table with no rows, its columns typed as the warehouse would read them back."""
    return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.type]) for c in catalogue.table(table).columns})


MASK = "•••"


def preview(table: str, frame: Frame) -> str:
    """The first rows as markdown, personal columns masked: the event log keeps previews for good and
    everyone with access to the UI reads them. A column the catalogue does not declare (an open table
    carries whatever its source adds, a parent's mobile say) is masked too: nobody has said it is not personal.
    A Polars frame's first rows are shown as their pandas form (the same markdown as the same pandas frame's)."""
    if isinstance(frame, pl.DataFrame):
        head = frame.head(PREVIEW_ROWS)
        frame = pandas_from_polars(head, frame_kinds(table, head))
    declared = catalogue.table(table)
    hidden = [c for c in frame.columns if c in declared.personal_columns or c not in declared.column_names]
    shown = frame.head(PREVIEW_ROWS).copy()
    for column in hidden:
        # as text: a masked number is no longer a number (an Int64 column refuses the mask)
        shown[column] = shown[column].astype(object).where(shown[column].isna(), MASK)
    return shown.to_markdown(index=False)


def wants_polars(context: dg.InputContext) -> bool:
    """Whether the step's input is annotated `pl.DataFrame` (alone, or with None): Dagster gives the annotation
    as the input's `dagster_type.typing_type` (`typing.Any` for an input without one)."""
    try:
        wanted = context.dagster_type.typing_type
    except (AttributeError, dg.DagsterInvariantViolationError):
        return False
    options = typing.get_args(wanted) if typing.get_origin(wanted) in (typing.Union, type(pl.DataFrame | None)) else ()
    return any(isinstance(t, type) and issubclass(t, pl.DataFrame) for t in (wanted, *options))


# the type key of an input a step only waits for (Dagster's Nothing type; a test runs such a step)
NOTHING = "Nothing"
# an input's metadata naming the only columns its step takes (defs/table_assets.reads_columns)
READS_COLUMNS = "reads_columns"

# a reader of a table in this run: (its step, its input), and the columns it takes (None: all)
Reader = tuple[str, str]


def _columns_read(definition_metadata: Mapping[str, typing.Any] | None) -> frozenset[str] | None:
    columns = (definition_metadata or {}).get(READS_COLUMNS)
    return None if columns is None else frozenset(columns)


def _readers_in_this_run(context: dg.OutputContext) -> dict[Reader, frozenset[str] | None]:
    """The steps of this run that load this output as an input, with the columns each takes (empty when the plan
    cannot say). A step that only waits for the table (`deps`, an input of type Nothing) never loads it: counted,
    the frame would be held to the run's end."""
    try:
        plan = context.step_context.execution_plan
        graph = context.step_context.job_def.graph
        produced = (context.step_key, context.name)
        return {
            (step.key, step_input.name): _columns_read(
                graph.get_node(step.node_handle).definition.input_def_named(step_input.name).metadata
            )
            for step in plan.get_steps_to_execute_in_topo_order()
            for step_input in step.step_inputs
            if step_input.dagster_type_key != NOTHING
            and any(
                (handle.step_key, handle.output_name) == produced
                for handle in step_input.get_step_output_handle_dependencies()
            )
        }
    except (AttributeError, dg.DagsterInvariantViolationError):
        return {}


def _only(frame: Frame, columns: frozenset[str] | None) -> Frame:
    """The frame's columns among `columns`, in the frame's order (all of them for None): a table open to its
    source's columns may lack one a step can do without."""
    if columns is None:
        return frame
    kept = [c for c in frame.columns if c in columns]
    return frame.select(kept) if isinstance(frame, pl.DataFrame) else frame[kept]


@dataclass
class _Held:
    """A table written in this run, kept for the steps still to read it: as they do, the columns none of the rest
    takes are let go, and the whole frame with the last of them."""

    frame: Frame
    readers: dict[Reader, frozenset[str] | None]

    def __post_init__(self) -> None:
        self._keep_what_is_still_taken()

    def _keep_what_is_still_taken(self) -> None:
        still = self.readers.values()
        self.frame = _only(self.frame, None if None in still else frozenset().union(*still))

    def take(self, reader: Reader) -> tuple[Frame, bool]:
        """The frame for `reader` (only its columns, when it names them), and whether it was the last reader."""
        columns = self.readers.pop(reader, None)
        given = _only(self.frame, columns)
        if self.readers:
            self._keep_what_is_still_taken()
        return given, not self.readers


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Persists every funnel table in the warehouse (SQLite by default, PostgreSQL in production)."""

    url: str = Field(
        description="SQLAlchemy URL of the warehouse (FUNNEL_WAREHOUSE_URL, or FUNNEL_WAREHOUSE_HOST/PORT/DB/USER); "
        "FUNNEL_WAREHOUSE_PASSWORD, when set, is added when connecting."
    )
    schema_name: str = Field(
        default="funnel", description="PostgreSQL schema of the output tables (FUNNEL_WAREHOUSE_SCHEMA)."
    )
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

    max_miscellaneous_share: float = Field(
        default=catalogue.DEFAULT_MAX_MISCELLANEOUS_SHARE,
        description=(
            "A table's miscellaneous_share check, run as the table is written, warns when more than this share of its "
            "rows is in Other Sources (Miscellaneous) (FUNNEL_MAX_MISCELLANEOUS_SHARE)."
        ),
    )

    _warehouse: Warehouse | None = PrivateAttr(default=None)
    # (run id, table) -> the frame and the readers still to come
    _held: dict[tuple[str, str], _Held] = PrivateAttr(default_factory=dict)

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
                raise dg.Failure(
                    description=str(exc), allow_retries=False
                ) from None  # a retry would find the same link
        return self._warehouse

    def handle_output(self, context: dg.OutputContext, obj: Frame | None) -> None:
        if obj is None:
            return
        table = table_name(context)
        check_declared_columns(table, obj)
        declaration = described(table, [str(c) for c in obj.columns])
        obj = _as_stored(obj, declaration.kinds)
        self._refuse_a_sharp_change(context, table, obj)
        rows = self.warehouse.write_table(table, obj, declaration)
        context.add_output_metadata(
            {
                "dagster/row_count": rows,
                "dagster/column_schema": written_schema(table, self.warehouse.column_kinds(table)),
                "preview": dg.MetadataValue.md(preview(table, obj)),
            }
        )
        export = self.warehouse.export_of(table)
        if export is not None:  # a failed export never fails the table: the `exported` check reports it
            context.add_output_metadata(
                {EXPORT_PATH: dg.MetadataValue.path(str(export.path)), EXPORT_PROBLEM: export.problem or ""}
            )
            if export.problem:
                context.log.error(export.problem)
        readers = _readers_in_this_run(context)
        if readers:
            self._held[(context.run_id, table)] = _Held(obj, readers)
        return_freed_memory()  # what the write's batches took

    def _refuse_a_sharp_change(self, context: dg.OutputContext, table: str, frame: Frame) -> None:
        """A full rebuild from an outside source may not replace a table with far fewer rows than its recent good
        loads, nor one whose key columns (phone, date, amount) were filled with mostly empty ones: the last good
        table stays, and the step fails saying what to check and how to accept a real change."""
        declared = catalogue.table(table)
        guard = declared.guard
        if guard is None or not self.warehouse.table_exists(table):
            return
        ratio = self.min_rows_ratios.get(guard.setting, DEFAULT_MIN_ROWS_RATIO)
        if ratio <= 0:
            context.add_output_metadata({GUARD_OFF: f"{guard.setting}={ratio:g}: later loads compare with this one"})
            return
        columns = [key.column for key in guard.key_columns]
        previous, filled = self.warehouse.usable_counts(table, columns)
        recent = recent_row_counts(context)
        refusal = shrink_refusal(declared, len(frame), previous, ratio, max(recent, default=0))
        if refusal:
            metadata = {
                "rows": len(frame),
                "rows_in_last_good_table": previous,
                "largest_recent_load": max([previous, *recent]),
            }
            raise dg.Failure(description=refusal, metadata=metadata, allow_retries=False)
        new = usable_shares(frame, columns)
        old = {c: n / previous for c, n in filled.items()} if previous else {}
        refusal = content_refusal(declared, new, old, ratio)
        if refusal:
            metadata = {f"{c}_filled": f"{new[c]:.0%} (was {old[c]:.0%})" for c in new if c in old}
            raise dg.Failure(description=refusal, metadata=metadata, allow_retries=False)
        if new:
            context.add_output_metadata({"key_columns_filled": {c: round(share, 4) for c, share in new.items()}})

    def read_last_good(
        self, table: str, log=None, *, polars: bool = False, columns: frozenset[str] | None = None
    ) -> Frame:
        """The table as it last landed, for a step that must not wait on it; empty (with its declared
        columns) before it first did, as when the other part has never run here. A Polars frame when
        `polars` (for a step whose rule is Polars), pandas otherwise; only the table's columns among `columns`
        when given."""
        if not self.warehouse.table_exists(table):
            if log is not None:
                log.warning(f"Table '{table}' is not in the warehouse yet; it is read as empty.")
            return as_wanted(_only(empty_table(table), columns), table, polars)
        present = None if columns is None else [c for c in self.warehouse.column_kinds(table) if c in columns]
        return self.warehouse.read_table(table, present, polars=polars)

    def load_input(self, context: dg.InputContext) -> Frame:
        table = table_name(context)
        polars = wants_polars(context)
        columns = _columns_read(context.definition_metadata)
        # the run that produced the input: this run, or (re-executing from failure) the one before
        producer = context.upstream_output.run_id if context.upstream_output is not None else None
        held = self._held.get((producer, table))
        if held is None:
            return self.read_last_good(table, context.log, polars=polars, columns=columns)
        frame, last = held.take((context.step_context.step.key, context.name))
        if last:
            del self._held[(producer, table)]
        wanted = as_wanted(frame, table, polars)
        if last or wanted is not frame:  # the last reader, or converted: a frame of its own already
            return wanted
        # a reader that adds or replaces columns (pandas in place, Polars with insert_column and the like) must not
        # change what the next reader sees
        return frame.copy(deep=False) if isinstance(frame, pd.DataFrame) else frame.clone()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._held.clear()
        if self._warehouse is not None:
            self._warehouse.dispose()
