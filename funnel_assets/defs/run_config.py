"""What a person launching a run may set (the Launchpad's config): the date everything is counted before."""

from __future__ import annotations

from datetime import date

import dagster as dg
from pydantic import Field

from funnel_assets.lib.clock import today


class AsOfConfig(dg.Config):
    as_of: str = Field(
        default="",
        description="Count everything before this date (YYYY-MM-DD); empty means today in Asia/Kolkata (D-1).",
    )

    def today(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of.strip() else today()
