"""Recording a request's SQL for the database floor (bench/floor.py replays it).

The SQL is not written by hand: the service runs the request in this process (its
FastAPI app over an in-memory transport, on the same database) while a SQLAlchemy event
listener records every statement with its driver-level parameters, and the transaction
boundaries. A request's own SQL is what it ran less the statements `{ __typename }` ran
(the authentication the two share), in the transactions the service ran it in, so it
follows the service as it changes.

Each request is recorded twice with different values (another ID, version, title) to
find which parameters vary; the replay fills those with fresh values each time.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from sqlalchemy import event

from app.main import create_app
from app.settings import Settings
from bench.floor import TRANSACTION_CONTROL, FloorError, Plan, Slot

Recorded = list[tuple[str, tuple[Any, ...]]]


async def _record(
    settings: Settings,
    token: str,
    bodies: Sequence[dict[str, Any]],
) -> list[tuple[Recorded, dict[str, Any]]]:
    """Each body's statements, in order, and its answer."""
    app = create_app(settings)
    engine = app.state.engine.sync_engine
    recorded: Recorded = []

    def on_execute(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        # SQLite's BEGIN is issued from the "begin" event, recorded below.
        if statement.strip().upper() not in TRANSACTION_CONTROL:
            recorded.append((statement, tuple(parameters or ())))

    def control(name: str) -> Callable[[Any], None]:
        return lambda _conn: recorded.append((name, ()))

    event.listen(engine, "before_cursor_execute", on_execute)
    for name in TRANSACTION_CONTROL:
        event.listen(engine, name.lower(), control(name))
    results = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):
        for body in bodies:
            recorded.clear()
            response = await client.post("/graphql", json=body)
            answer = response.json()
            if response.status_code != 200 or answer.get("errors"):
                raise FloorError(f"recording {body['query'][:60]}…: {response.text[:300]}")
            results.append((list(recorded), answer))
    return results


def _without(statements: Recorded, shared: Recorded) -> Recorded:
    """`statements` less one occurrence of each statement (by text) of `shared` other than
    transaction control, and less the transactions left empty by that."""
    remaining = [text for text, _ in shared if text not in TRANSACTION_CONTROL]
    kept: Recorded = []
    for text, parameters in statements:
        if text in remaining:
            remaining.remove(text)
        elif kept and kept[-1][0] == "BEGIN" and text in ("COMMIT", "ROLLBACK"):
            kept.pop()
        else:
            kept.append((text, parameters))
    return kept


def _form(value: Any, id_value: str) -> str | None:
    if isinstance(value, uuid.UUID):
        return "uuid" if str(value) == id_value else None
    if value == id_value:
        return "dashed"
    if value == id_value.replace("-", ""):
        return "hex"
    return None


def _slots(first: Recorded, second: Recorded, known: Sequence[dict[str, Any]]) -> list[Slot]:
    """The parameters that differ between two recordings, each named by the known value
    it held in both."""
    if [text for text, _ in first] != [text for text, _ in second]:
        raise FloorError("two recordings of one request ran different statements")
    slots = []
    for index, ((_, one), (_, two)) in enumerate(zip(first, second, strict=True)):
        for position, (a, b) in enumerate(zip(one, two, strict=True)):
            if a == b:
                continue
            for name in known[0]:
                if name == "id":
                    form = _form(a, known[0]["id"])
                    if form and _form(b, known[1]["id"]) == form:
                        slots.append(Slot(index, position, name, form))
                        break
                elif a == known[0][name] and b == known[1][name]:
                    slots.append(Slot(index, position, name, "plain"))
                    break
            else:
                raise FloorError(f"statement {index} parameter {position} varies: {a!r}, {b!r}")
    return slots


Variant = tuple[dict[str, Any], dict[str, Any]]
"""A request body and the values it was given (`id` None: the ID its answer names)."""


async def record_plans(
    database_url: str,
    token: str,
    typename: dict[str, Any],
    requests: dict[str, tuple[Variant, ...]],
) -> dict[str, Plan]:
    """The plan of each named request, from one variant or two."""
    settings = Settings(database_url=database_url, log_level="WARNING")
    for name in ("app", "httpx"):  # the request log lines of the recorded requests
        logging.getLogger(name).setLevel(logging.WARNING)
    order = list(requests)
    bodies = [typename] + [body for name in order for body, _ in requests[name]]
    results = await _record(settings, token, bodies)
    shared = results[0][0]
    plans: dict[str, Plan] = {}
    at = 1
    for name in order:
        variants = requests[name]
        recordings, known = [], []
        for (_, values), (statements, answer) in zip(
            variants, results[at : at + len(variants)], strict=True
        ):
            values = dict(values)
            if "id" in values and values["id"] is None:
                payload = next(iter(answer["data"].values()))
                values["id"] = payload["integration"]["id"]
            recordings.append(_without(statements, shared))
            known.append(values)
        at += len(variants)
        slots = _slots(recordings[0], recordings[1], known) if len(recordings) > 1 else []
        plans[name] = Plan(recordings[0], slots)
    return plans
