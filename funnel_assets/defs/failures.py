"""How a step fails: with the project's own message for a person, retried only when trying again may help."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from funnel_assets.io import files
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import MappingError

# a source that is down may be back in a minute; a step retry re-reads this run's landing file
SOURCE_RETRY = dg.RetryPolicy(max_retries=2, delay=30)


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
    except (MissingColumnsError, MappingError, files.UnsafePathError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
