"""How a bad source shows in the Dagster UI, and which run's landing files a step reads."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.dump_guard import ShrunkDumpError
from funnel_assets.lib.funnel_mapping import MappingError
from funnel_assets.sources.errors import SourceError


@contextmanager
def readable_failures() -> Iterator[None]:
    """Turn the project's own errors into a Dagster Failure whose description is the message.

    A wrong token, a missing file or a broken mapping fails at once (a step retry would
    only repeat it); a server still down after the HTTP retries may be retried by the
    asset's RetryPolicy.
    """
    try:
        yield
    except SourceError as exc:
        raise dg.Failure(description=str(exc), allow_retries=exc.retryable) from None
    except (MissingColumnsError, MappingError, ShrunkDumpError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


def landing_run(context: dg.AssetExecutionContext) -> str:
    """The run whose landing files this step reads: a re-execution of a failed run (from the UI's
    "re-execute from failure") reuses what the original run downloaded; a new run downloads afresh."""
    return context.run.root_run_id or context.run.run_id
