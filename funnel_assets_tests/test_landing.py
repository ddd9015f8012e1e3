"""Each run's downloads are kept by day, and days older than the setting are pruned; nothing else is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from funnel_assets.io.sources.landing import landing_path, prune_landing
from funnel_assets.lib.clock import today


def test_old_day_folders_are_pruned_and_nothing_else(tmp_path):
    landing = tmp_path / "landing"
    on = date(2026, 3, 10)
    for day in (on - timedelta(days=31), on - timedelta(days=30), on - timedelta(days=1)):
        (landing / day.isoformat() / "run-x").mkdir(parents=True)
    (landing / "notes").mkdir()  # not a day folder: left alone
    removed = prune_landing(landing, 30, on)
    assert [p.name for p in removed] == [(on - timedelta(days=31)).isoformat()]
    assert sorted(p.name for p in landing.iterdir()) == sorted(
        [(on - timedelta(days=30)).isoformat(), (on - timedelta(days=1)).isoformat(), "notes"]
    )
    assert prune_landing(landing, 0, on + timedelta(days=400)) == [], "0 keeps every day"


def test_a_new_download_prunes_and_a_retried_step_finds_its_file(tmp_path):
    landing = tmp_path / "landing"
    stale = landing / (today() - timedelta(days=90)).isoformat() / "old-run"
    stale.mkdir(parents=True)
    path = landing_path(landing, "run-1", "leads.csv", keep_days=30)
    assert not stale.exists() and path.parent.name == "run-1"
    path.parent.mkdir(parents=True)
    path.write_text("x")
    assert landing_path(landing, "run-1", "leads.csv", keep_days=30) == path


def test_a_download_deadline_is_recorded_once_per_run_and_never_through_a_link(tmp_path):
    from funnel_assets.io.sources.landing import first_try_started

    dest = tmp_path / "landing" / "2026-03-10" / "run-1" / "crm_sales.csv"
    first = first_try_started(dest, "run-1")
    assert first_try_started(dest, "run-1") == first, "a retried step of the run keeps the first try's clock"
    assert first_try_started(dest, "run-2") >= first, "a re-execution (another run) gets its own"
    kept = tmp_path / "kept.txt"
    kept.write_text("keep")
    (dest.parent / "crm_sales.csv.run-3.started").symlink_to(kept)
    with pytest.raises(OSError):
        first_try_started(dest, "run-3")
    assert kept.read_text() == "keep"
