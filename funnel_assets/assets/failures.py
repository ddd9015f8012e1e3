"""How a bad source shows in the Dagster UI: one readable sentence, retried only when it may help."""

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
