"""Instants for small hand-made examples: written as India reads them, or as UTC with its `Z`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

INSTANT = pl.Datetime("us", "Asia/Kolkata")
KOLKATA = ZoneInfo("Asia/Kolkata")


def at(text: str | None) -> datetime | None:
    """The instant of an Asia/Kolkata wall-clock time ("2025-10-05 10:00"); None for none."""
    return datetime.fromisoformat(text).replace(tzinfo=KOLKATA) if text else None


def utc(text: str) -> datetime:
    """The instant an ISO text with its offset names ("2025-09-30T19:00:00Z")."""
    return datetime.fromisoformat(text)
