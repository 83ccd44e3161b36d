"""Dash callbacks through the HTTP endpoint (/_dash-update-component), as the renderer calls them
(for tests, and for bench/stations.py)."""

from __future__ import annotations


def csrf_header(client) -> dict:
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no CSRF cookie yet: make a request first"
    return {"X-CSRFToken": cookie.value}


def callback_body(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
                  state: list[tuple[str, str, object]] = ()) -> dict:
    """The request body of one callback, named by its (id, property) outputs, inputs and states."""
    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        spec = {"id": outputs[0][0], "property": outputs[0][1]}
    else:  # "..a.children...b.figure.."
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        spec = [{"id": i, "property": p} for i, p in outputs]
    return {"output": output, "outputs": spec, "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}


def call(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
         state: list[tuple[str, str, object]] = ()) -> dict:
    """Post one callback (see callback_body); the answer per output id."""
    body = callback_body(outputs, inputs, state)
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.data[:300]
    return response.json["response"]


def find_callback(app, output_id: str, input_ids: set[str] | None = None) -> tuple[str, dict]:
    """The registered callback that writes `output_id` (and reads `input_ids`): its key and spec."""
    for key, spec in app.extensions["dash"].callback_map.items():
        outputs = [o.strip(".") for o in key.strip(".").split("...")]
        if any(o.rsplit(".", 1)[0] == output_id for o in outputs) and (
                input_ids is None or input_ids <= {i["id"] for i in spec["inputs"] + spec["state"]}):
            return key, spec
    raise KeyError(output_id)


def dash(client, app, output_id: str, values: dict, *, changed: str | None = None) -> dict:
    """Call the callback that writes `output_id` (and reads the inputs in `values`, given as
    {"id.property": value}) the way the browser would; returns its response by output id."""
    key, spec = find_callback(app, output_id, {k.rsplit(".", 1)[0] for k in values})
    outputs = [dict(zip(("id", "property"), o.strip(".").rsplit(".", 1), strict=True))
               for o in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]],
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in spec["state"]],
            "changedPropIds": [changed or next(iter(values))]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code in (200, 204), response.data[:300]
    return response.json["response"] if response.status_code == 200 else {}
