"""The installed Dagster packages come from one release line."""

from tools.release_line import installed_dagster_packages, release_line_mismatches


def test_installed_dagster_libraries_match_core():
    installed = installed_dagster_packages()
    assert {"dagster", "dagster-webserver", "dagster-postgres"} <= set(installed)
    assert release_line_mismatches(installed) == []


def test_a_2021_dagster_postgres_beside_a_new_core_is_caught():
    problems = release_line_mismatches(
        {"dagster": "1.13.28", "dagster-webserver": "1.13.28", "dagster-postgres": "0.11.14"}
    )
    assert problems == ["dagster-postgres 0.11.14 does not match dagster 1.13.28 (expected 0.29.28)"]


def test_a_webserver_one_patch_behind_is_caught():
    problems = release_line_mismatches(
        {"dagster": "1.13.27", "dagster-webserver": "1.13.26", "dagster-postgres": "0.29.27"}
    )
    assert problems == ["dagster-webserver 1.13.26 does not match dagster 1.13.27 (expected 1.13.27)"]
