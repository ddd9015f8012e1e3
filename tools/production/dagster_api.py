"""The Dagster webserver's GraphQL API, as the UI uses it: the asset graph, runs, schedules, sensors,
the daemon's health, and launching a run."""

from __future__ import annotations

from dataclasses import dataclass

import requests


class GraphQLError(RuntimeError):
    pass


@dataclass(frozen=True)
class Run:
    run_id: str
    job: str
    status: str
    tags: dict[str, str]
    start: float | None
    end: float | None


RUN_FIELDS = "runId jobName status startTime endTime tags { key value }"


class DagsterUI:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.location: str | None = None
        self.repository: str | None = None

    def query(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        response = requests.post(self.url, json={"query": query, "variables": variables or {}}, timeout=timeout)
        response.raise_for_status()
        payload = response.json()
        if payload.get("errors"):
            raise GraphQLError("; ".join(error.get("message", str(error)) for error in payload["errors"]))
        return payload["data"]

    # -- the code location

    def locations(self) -> list[dict]:
        data = self.query(
            """{ workspaceOrError { __typename ... on Workspace { locationEntries {
                   name loadStatus
                   locationOrLoadError { __typename ... on PythonError { message }
                     ... on RepositoryLocation { repositories { name } } } } }
                 ... on PythonError { message } } }"""
        )["workspaceOrError"]
        if data["__typename"] != "Workspace":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data["locationEntries"]

    def loaded_repository(self) -> tuple[str, str] | None:
        """(location, repository) once the code location has loaded; None while it loads."""
        for entry in self.locations():
            loaded = entry["locationOrLoadError"]
            if entry["loadStatus"] == "LOADED" and loaded and loaded["__typename"] == "RepositoryLocation":
                self.location, self.repository = entry["name"], loaded["repositories"][0]["name"]
                return self.location, self.repository
            if loaded and loaded["__typename"] == "PythonError":
                raise GraphQLError(f"code location {entry['name']} failed to load: {loaded['message'][:2000]}")
        return None

    def _selector(self, **name) -> dict:
        return {"repositoryLocationName": self.location, "repositoryName": self.repository, **name}

    # -- what the UI shows

    def asset_nodes(self) -> list[dict]:
        return self.query("{ assetNodes { assetKey { path } groupName jobNames dependencyKeys { path } } }")[
            "assetNodes"
        ]

    def repository_contents(self) -> dict:
        data = self.query(
            """query($selector: RepositorySelector!) { repositoryOrError(repositorySelector: $selector) {
                 __typename ... on Repository { jobs { name } schedules { name cronSchedule executionTimezone }
                 sensors { name } } ... on PythonError { message } } }""",
            {"selector": self._selector()},
        )["repositoryOrError"]
        if data["__typename"] != "Repository":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data

    def runs(self) -> list[Run]:
        data = self.query(
            f"{{ runsOrError(limit: 200) {{ __typename ... on Runs {{ results {{ {RUN_FIELDS} }} }} }} }}"
        )
        return [
            Run(
                r["runId"],
                r["jobName"],
                r["status"],
                {t["key"]: t["value"] for t in r["tags"]},
                r["startTime"],
                r["endTime"],
            )
            for r in data["runsOrError"]["results"]
        ]

    def schedule(self, name: str) -> dict:
        data = self.query(
            """query($selector: ScheduleSelector!) { scheduleOrError(scheduleSelector: $selector) {
                 __typename ... on Schedule { name cronSchedule scheduleState { id selectorId status
                   ticks(limit: 20) { status timestamp runIds } } } ... on PythonError { message } } }""",
            {"selector": self._selector(scheduleName=name)},
        )["scheduleOrError"]
        if data["__typename"] != "Schedule":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data

    def sensor(self, name: str) -> dict:
        data = self.query(
            """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
                 __typename ... on Sensor { name sensorState { status ticks(limit: 20) { """
            """status timestamp runIds skipReason } } }
                 ... on PythonError { message } } }""",
            {"selector": self._selector(sensorName=name)},
        )["sensorOrError"]
        if data["__typename"] != "Sensor":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data

    def daemons(self) -> list[dict]:
        return self.query(
            "{ instance { daemonHealth { allDaemonStatuses { daemonType required healthy lastHeartbeatTime } } } }"
        )["instance"]["daemonHealth"]["allDaemonStatuses"]

    # -- what a person does in the UI

    def start_schedule(self, name: str) -> str:
        data = self.query(
            """mutation($selector: ScheduleSelector!) { startSchedule(scheduleSelector: $selector) { __typename
                 ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }""",
            {"selector": self._selector(scheduleName=name)},
        )["startSchedule"]
        if data["__typename"] != "ScheduleStateResult":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data["scheduleState"]["status"]

    def stop_schedule(self, name: str) -> str:
        state = self.schedule(name)["scheduleState"]
        data = self.query(
            """mutation($origin: String!, $selector: String!) {
                 stopRunningSchedule(scheduleOriginId: $origin, scheduleSelectorId: $selector) { __typename
                 ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }""",
            {"origin": state["id"], "selector": state["selectorId"]},
        )["stopRunningSchedule"]
        if data["__typename"] != "ScheduleStateResult":
            raise GraphQLError(data.get("message", data["__typename"]))
        return data["scheduleState"]["status"]

    def launch_run(self, job: str) -> Run:
        data = self.query(
            f"""mutation($params: ExecutionParams!) {{ launchRun(executionParams: $params) {{ __typename
                 ... on LaunchRunSuccess {{ run {{ {RUN_FIELDS} }} }} ... on PythonError {{ message }}
                 ... on InvalidStepError {{ invalidStepKey }} """
            f"""... on RunConfigValidationInvalid {{ errors {{ message }} }} }} }}""",
            {"params": {"selector": self._selector(jobName=job), "runConfigData": {}}},
        )["launchRun"]
        if data["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"launchRun {job}: {data}")
        r = data["run"]
        return Run(
            r["runId"],
            r["jobName"],
            r["status"],
            {t["key"]: t["value"] for t in r["tags"]},
            r["startTime"],
            r["endTime"],
        )
