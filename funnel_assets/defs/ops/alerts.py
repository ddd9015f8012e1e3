"""Alerts: a failed run, or a source whose data for yesterday is missing, reaches a person.

With FUNNEL_ALERT_WEBHOOK_URL set, a JSON message `{"text": ...}` is posted there: Slack
and Google Chat incoming webhooks take it as is, and so does any URL accepting JSON.
Without it, the alert is only logged. The webhook URL is a secret: it is never logged. It is
read by the HTTP client's own parser like every outbound address (no backslash, no user
name or password), must be https:// (or this machine), and a redirect is not followed: the
alert's text would go wherever the webhook's server said.
"""

import dagster as dg
import requests

from funnel_assets.defs.checks import EXPORT_CHECK, STALE_CHECK
from funnel_assets.io.sources.errors import SourceError
from funnel_assets.io.sources.http import HttpLimits, TransientError, bounded_retry, client_url, is_this_machine
from funnel_assets.settings import ALERT_WEBHOOK_URL, secret


def run_link(ui_url: str, run_id: str) -> str:
    return f"{ui_url}/runs/{run_id}"


def failure_text(event: dg.DagsterEvent) -> str | None:
    """What went wrong in words: the project's own message when it raised one (not Python's class name)."""
    data = event.step_failure_data
    if data is None:
        return None
    if data.user_failure_data and data.user_failure_data.description:
        return data.user_failure_data.description
    return data.error.message if data.error else None


def first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0][:300] if lines else "(no message)"


# an alert is small and waited for by nobody: three tries, at most ten seconds apart
ALERT_RETRY = HttpLimits(max_attempts=3, backoff_seconds=1.0, max_wait_seconds=10.0)


def webhook_url(url: str) -> str:
    """The webhook's address as the HTTP client reads it; SourceError naming the setting (never the URL) otherwise."""
    parsed = client_url(url, ALERT_WEBHOOK_URL)
    if parsed.scheme != "https" and not is_this_machine(parsed.host or ""):
        raise SourceError(
            f"{ALERT_WEBHOOK_URL} is a plain http:// address to another machine: use its https:// address."
        )
    return parsed.url


def _post(url: str, text: str) -> None:
    """One try; an error names only its kind, since the URL (a secret) is in its text."""
    try:
        response = requests.post(url, json={"text": text}, timeout=(5, 15), allow_redirects=False)
    except requests.RequestException as exc:
        raise TransientError(exc.__class__.__name__) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"HTTP {response.status_code}")
    if response.is_redirect:
        raise requests.HTTPError(
            f"HTTP {response.status_code}, a redirect, which is not followed: set the final address"
        )
    if response.status_code >= 400:
        raise requests.HTTPError(f"HTTP {response.status_code}")  # a wrong or deleted webhook: trying again won't help


def send_alert(text: str, log) -> bool:
    """Post the alert to the webhook if one is configured; True when it was delivered."""
    log.warning(f"ALERT: {text}")
    url = secret(ALERT_WEBHOOK_URL)
    if not url:
        return False
    try:
        url = webhook_url(url)
        for attempt in bounded_retry(ALERT_RETRY, "the alert webhook (FUNNEL_ALERT_WEBHOOK_URL)"):
            with attempt:
                _post(url, text)
    except (TransientError, requests.HTTPError, SourceError) as exc:
        log.error(f"The alert webhook (FUNNEL_ALERT_WEBHOOK_URL) did not accept the alert: {exc}")
        return False
    return True


def _failed_checks(instance: dg.DagsterInstance, run_id: str, check_name: str) -> list:
    """The evaluations of `check_name` in the run that failed."""
    found = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.asset_check_evaluation_data
        if evaluation.check_name == check_name and not evaluation.passed:
            found.append(evaluation)
    return found


def failed_exports(instance: dg.DagsterInstance, run_id: str) -> str:
    """The CSV exports the run could not write, each with its file and why; empty when there were none."""
    failed = _failed_checks(instance, run_id, EXPORT_CHECK)
    if not failed:
        return ""
    tables = ", ".join(e.asset_key.to_user_string() for e in failed)
    return f"CSV exports not written for {tables}. {first_line(failed[0].description)}"


def run_failure_alert(ui_url: str) -> dg.RunStatusSensorDefinition:
    """The `alert_on_run_failure` sensor, its links to runs in the UI at `ui_url` (FUNNEL_UI_URL)."""

    @dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING, monitor_all_code_locations=False)
    def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
        """A run failed: which job, which steps, the error's first line, and a link to the run."""
        run = context.dagster_run
        failed_steps = [
            f"{event.step_key}: {first_line(failure_text(event))}" for event in context.get_step_failure_events()
        ]
        detail = "; ".join(failed_steps) or first_line(context.failure_event.message)
        exports = failed_exports(context.instance, run.run_id)
        also = f" Also: {exports}" if exports else ""
        send_alert(
            f"Funnel run failed: {run.job_name}. {detail}{also} Open: {run_link(ui_url, run.run_id)}", context.log
        )

    return alert_on_run_failure


def missing_yesterday_alert(ui_url: str) -> dg.RunStatusSensorDefinition:
    """The `alert_on_missing_yesterday` sensor, its links to runs in the UI at `ui_url` (FUNNEL_UI_URL)."""

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, default_status=dg.DefaultSensorStatus.RUNNING)
    def alert_on_missing_yesterday(context: dg.RunStatusSensorContext) -> None:
        """A run succeeded but a source sent no data for yesterday (its `has_yesterdays_data` check failed), or a
        table's CSV export could not be written (its `exported` check failed: the table itself landed)."""
        run_id = context.dagster_run.run_id
        stale = []
        for evaluation in _failed_checks(context.instance, run_id, STALE_CHECK):
            newest = evaluation.metadata.get("newest")
            stale.append(f"{evaluation.asset_key.to_user_string()} (newest: {newest.value if newest else 'none'})")
        if stale:
            send_alert(
                f"Yesterday's data is missing for: {', '.join(stale)}. Check the source, then re-run. "
                f"Open: {run_link(ui_url, run_id)}",
                context.log,
            )
        exports = failed_exports(context.instance, run_id)
        if exports:
            send_alert(
                f"Funnel run {context.dagster_run.job_name}: the warehouse tables were refreshed, but {exports} "
                f"Open: {run_link(ui_url, run_id)}",
                context.log,
            )

    return alert_on_missing_yesterday
