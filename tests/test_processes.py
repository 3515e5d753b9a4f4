"""The service as it runs in production: `uvicorn app.main:app` in a process of its own,
stopped with SIGTERM while it works, and several workers starting together on one new
database."""

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Service
from tests.factories import create_integration, create_organization
from tests.processes import (
    READ_INTEGRATION,
    UPDATE_INTEGRATION,
    gql,
    integration_locked,
    race_updates,
    service_process,
)


def test_sigterm_lets_the_request_in_flight_finish(service: Service, tmp_path: Path) -> None:
    """A write waiting for a lock when SIGTERM arrives still completes and answers in
    full; the process exits cleanly after it."""
    assert service.actor is not None
    integration = create_integration(service, create_organization(service)["id"])
    update = {"input": {"id": integration["id"], "version": 1, "title": "Finished"}}
    url = service.settings.database_url
    results: list[httpx.Response] = []

    with (
        service_process(tmp_path, {"DATABASE_URL": url}) as running,
        running.client(service.actor.token) as client,
    ):
        with integration_locked(url, integration["id"]):
            sender = threading.Thread(
                target=lambda: results.append(gql(client, UPDATE_INTEGRATION, update))
            )
            sender.start()
            time.sleep(1.0)  # the update now waits for the lock
            assert not results
            running.process.terminate()  # SIGTERM
            time.sleep(1.0)
            assert running.process.poll() is None, "exited with a request in flight"
            assert not results
        # The lock is gone: the update runs, answers, and only then the process ends.
        sender.join(timeout=30)
        exit_code = running.process.wait(timeout=30)

    # uvicorn shuts down cleanly, then re-raises the signal it caught (exit status -15).
    assert exit_code in (0, -signal.SIGTERM), running.output()
    assert "Application shutdown complete" in running.output()
    assert "Traceback" not in running.output()
    assert len(results) == 1 and results[0].status_code == 200, results
    answered = results[0].json()
    assert answered == {
        "data": {
            "integrationUpdate": {
                "integration": {"id": integration["id"], "version": 2, "title": "Finished"}
            }
        }
    }
    stored = service.data(READ_INTEGRATION, {"id": integration["id"]})["integration"]
    assert stored == answered["data"]["integrationUpdate"]["integration"]


def test_workers_start_together_on_a_new_database(service: Service, tmp_path: Path) -> None:
    """Four workers make their first start at once on one new SQLite database: they
    migrate it once and create one root actor between them; then 16 clients race."""
    if service.backend != "sqlite":
        pytest.skip(
            "on PostgreSQL this runs in test_faults.py, on a new database of its own cluster"
        )
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with service_process(tmp_path, {"DATABASE_URL": url}, workers=4) as running:
        assert len(running.root_keys()) == 1, running.output()
        race_updates(running, running.root_keys()[0], clients=16)
