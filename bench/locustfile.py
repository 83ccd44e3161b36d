"""The leaders bench/load.py sends (Locust; run by bench/load.py, not on its own).

Each simulated leader signs in, then, with a pause to read between acts (LOAD_THINK, seconds
"min-max"), opens /cases, the overview or /stations, or changes /cases' county filter — each act
the requests the browser made for it, recorded by bench/load.py in the file LOAD_SCRIPT: the
page, Dash's layout and dependencies, every callback the page fired (named by its outputs), and
the map frame the map callback points to. A filter change posts the filter bar's callback with
another county, then every panel's callback with the filters it answered, as the renderer does.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

SCRIPT = json.loads(open(os.environ["LOAD_SCRIPT"], encoding="utf-8").read())
THINK = [float(x) for x in os.environ.get("LOAD_THINK", "5-15").split("-")]
PASSWORD = os.environ.get("LOAD_PASSWORD", "hrss-demo")


def _name(body: dict) -> str:
    """A callback's name in the figures: its outputs without the page prefix noise."""
    return "cb " + body["output"].strip(".").replace("...", " + ")


class Leader(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.client.post("/login", data={"username": SCRIPT["username"], "password": PASSWORD},
                         allow_redirects=False, name="POST /login")

    def _headers(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("_csrf_token", "")}

    def _callback(self, body: dict) -> dict | None:
        body = dict(body)
        url = body.pop("url", "/_dash-update-component")  # as the renderer asked (its query included)
        with self.client.post(url, json=body, headers=self._headers(), name=_name(body),
                              catch_response=True) as answer:
            if answer.status_code == 204:  # PreventUpdate: nothing to change, a right answer
                answer.success()
                return None
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
                return None
            return answer.json().get("response")

    def _frames(self, response: dict | None) -> None:
        """The map frame a callback pointed an iframe to, as the browser loads it."""
        for outputs in (response or {}).values():
            src = outputs.get("src") if isinstance(outputs, dict) else None
            if isinstance(src, str) and src.startswith("/maps/"):
                self.client.get(src, name="GET " + src.split("?")[0] + " (frame)")

    def _open(self, page: dict) -> None:
        self.client.get(page["path"], name="GET " + page["path"])
        self.client.get("/_dash-layout", name="GET /_dash-layout")
        self.client.get("/_dash-dependencies", name="GET /_dash-dependencies")
        for body in page["callbacks"]:
            self._frames(self._callback(body))

    @task(3)
    def open_cases(self) -> None:
        self._open(SCRIPT["pages"]["/cases"])

    @task(2)
    def open_overview(self) -> None:
        self._open(SCRIPT["pages"]["/"])

    @task(1)
    def open_stations(self) -> None:
        self._open(SCRIPT["pages"]["/stations"])

    @task(4)
    def change_county(self) -> None:
        change = SCRIPT["change"]
        bar = json.loads(json.dumps(change["bar"]))
        for item in bar["inputs"]:
            if item["id"] == change["county_input"]:
                item["value"] = random.choice(change["counties"])
        bar["changedPropIds"] = [change["county_input"] + ".value"]
        response = self._callback(bar) or {}
        filters = (response.get(change["store"]) or {}).get("data")
        if filters is None:
            return
        for body in change["panels"]:
            body = json.loads(json.dumps(body))
            for item in body["inputs"] + body.get("state", []):
                if item["id"] == change["store"]:
                    item["value"] = filters
            body["changedPropIds"] = [change["store"] + ".data"]
            self._frames(self._callback(body))
