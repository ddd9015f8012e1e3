"""One clock: the true instant, shown in Asia/Kolkata, whatever zone the server runs in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from funnel_assets.lib.clock import TIMEZONE, now, today


def test_now_is_the_true_instant_in_asia_kolkata():
    instant = now()
    assert str(instant.tz) == TIMEZONE
    assert abs((instant - datetime.now(UTC)).total_seconds()) < 5
    assert today() == instant.date()


def test_a_server_clock_in_utc_does_not_shift_the_stamp():
    """The Docker image runs in UTC: the stamp must be the same instant as on a server set to India."""
    script = "from funnel_assets.lib.clock import now; import time; print(now().timestamp() - time.time())"
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        out = subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "TZ": zone}, capture_output=True, text=True, check=True
        )
        assert abs(float(out.stdout)) < 5, zone
