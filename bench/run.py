"""`make bench`: the matrix, the floors, the flat costs; `make bench-soak`: memory over
time. Knobs are `BENCH_*` variables (bench/config.py, README: Benchmarks)."""

import asyncio
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.database import async_database_url
from app.graphql.core.ordering import title_columns
from bench import datasets, report
from bench.config import BenchConfig, size_label
from bench.datasets import Api, Dataset
from bench.floor import Connect, FloorError, Plan, run_floor
from bench.recording import Variant, record_plans
from bench.scenarios import (
    CREATE,
    FLAT,
    MATRIX,
    UPDATE,
    Kind,
    Scenario,
    Targets,
    body,
)
from bench.server import Server
from bench.wrk import BALANCE_ATTEMPTS, Measurement, WrkRun, ensure_wrk, lua_script, run_wrk

# After these the table is tidied as autovacuum would (`datasets.tidy_after_writes`).
WRITES = (CREATE, UPDATE)

# Updates in the floor change the title as the load generator's do, so that the ordering
# index changes with it.
FLOOR_TITLES: list[dict[str, Any]] = [
    dict(title_columns(f"Bench floor {number}")) for number in range(1000)
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def estimate_seconds(config: BenchConfig) -> float:
    """Roughly how long the measurements take (seeding, start-ups and set-up aside)."""
    wrk_cell = config.warmup + config.runs * (config.duration + 0.3) + 0.5
    floor_cell = config.warmup + config.runs * config.duration + 3  # processes start
    matrix = len(MATRIX) * len(config.workers) * len(config.connections)
    floors = (len(MATRIX) - 1) * len(
        {
            (min(workers, clients), clients)
            for workers in config.workers
            for clients in config.connections
        }
    )
    flat_cell = config.warmup + config.flat_runs * (config.flat_duration + 0.3) + 0.5
    flat = len(FLAT) * len(config.flat_connections) * len(config.sizes)
    return len(config.engines) * (matrix * wrk_cell + flat * flat_cell + floors * floor_cell)


class Bench:
    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self.cells: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.flat: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.floors: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.memory: list[dict[str, Any]] = []
        self.seed: list[dict[str, Any]] = []
        self.statements: dict[str, dict[str, list[str]]] = {}
        self.scripts = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
        self.recorded: dict[tuple[str, int], dict[str, Plan]] = {}
        self.unbalanced = 0
        """wrk runs started again because the workers held their connections unevenly."""

    # --- load generator ---------------------------------------------------------------

    def _runner(
        self,
        server: Server,
        scenario: Scenario,
        targets: Targets,
        token: str,
        connections: int,
        refresh: Callable[[], None],
    ) -> Callable[[float], WrkRun]:
        """One run of `scenario` for the given seconds; `refresh` reads the update pool's
        versions anew."""
        config = self.config
        script = self.scripts / f"{scenario.name}.lua"

        def once(seconds: float) -> WrkRun:
            # Several workers: a run whose connections one of them holds most of is
            # started again (`bench.wrk.balanced`); the last attempt is measured as it
            # comes, and marked when it is uneven too.
            judged = server.workers > 1 and connections >= 2 * server.workers
            attempts_left = BALANCE_ATTEMPTS
            while True:
                attempts_left -= 1
                if scenario.kind is Kind.UPDATE:  # the versions moved on in the run before
                    refresh()
                script.write_text(lua_script([scenario], targets, token, config.wrk_threads))
                run = run_wrk(
                    server.url,
                    script,
                    connections=connections,
                    threads=config.wrk_threads,
                    seconds=seconds,
                    accepted=server.connections_per_worker if judged else None,
                    stop_if_uneven=attempts_left > 0,
                )
                if run is not None:
                    return run
                self.unbalanced += 1
                log(f"  the workers hold wrk's {connections} connections unevenly: again")

        return once

    def _in_turn(
        self, runners: dict[Any, Callable[[float], WrkRun]], *, runs: int, seconds: float
    ) -> dict[Any, Measurement]:
        """Each runner's warm-up, then the runs in turn (the first runner's first run, the
        second's first run, ..., then every second run): figures that are compared with
        each other, such as a deep page against the first, or a list at 1,000,000 rows
        against the same at 1,000, then come from the same minutes, not from windows
        minutes apart in which the machine may be slower."""
        if self.config.warmup > 0:
            for once in runners.values():
                once(self.config.warmup)
        measured: dict[Any, list[WrkRun]] = {key: [] for key in runners}
        for _ in range(runs):
            for key, once in runners.items():
                measured[key].append(once(seconds))
        return {key: Measurement.of(found) for key, found in measured.items()}

    # --- database floor ---------------------------------------------------------------

    def plans(self, dataset: Dataset, api: Api, targets: Targets, token: str) -> dict[str, Plan]:
        if len(targets.pool) < 2 or len(targets.read_ids) < 2:
            raise FloorError("too few integrations to record two variants")
        (first, first_version), (second, second_version) = targets.pool[:2]
        if first_version == second_version:  # the version must tell the two apart
            api.data(
                UPDATE.document,
                {"input": {"id": second, "version": second_version, "title": "Bench pool 1"}},
            )
            second_version += 1

        def update(id_: str, version: int, title: str) -> Variant:
            values = {"id": id_, "version": version, "title": title}
            known = {"id": id_, "version": version, **title_columns(title)}
            return body(UPDATE, targets, values), known

        requests: dict[str, tuple[Variant, ...]] = {}
        for scenario in MATRIX:
            if not scenario.has_floor:
                continue
            if scenario.kind is Kind.STATIC:
                requests[scenario.name] = ((body(scenario, targets, {}), {}),)
            elif scenario.kind is Kind.IDS:
                requests[scenario.name] = tuple(
                    (body(scenario, targets, {"id": id_}), {"id": id_})
                    for id_ in targets.read_ids[:2]
                )
            elif scenario.kind is Kind.CREATE:
                values = {"title": "Bench floor"}
                requests[scenario.name] = ((body(scenario, targets, values), {"id": None}),) * 2
            else:
                requests[scenario.name] = (
                    update(first, first_version, "Bench floor A"),
                    update(second, second_version, "Bench floor B"),
                )
        typename = {"query": "{ __typename }"}
        plans = asyncio.run(record_plans(dataset.url, token, typename, requests))
        datasets.tidy_after_writes(dataset, targets)
        return plans

    def floor(
        self,
        dataset: Dataset,
        plan: Plan,
        scenario: Scenario,
        targets: Targets,
        *,
        connections: int,
        processes: int,
        refresh: Callable[[], None],
    ) -> dict[str, Any]:
        config = self.config
        url = async_database_url(dataset.url)
        if url.get_backend_name() == "postgresql":
            target = url.set(drivername="postgresql").render_as_string(hide_password=False)
        else:
            target = str(url.database)
        connect = Connect(url.get_backend_name(), target)
        if scenario.kind is Kind.UPDATE:  # the load generator moved the versions on
            refresh()
        runs = run_floor(
            connect,
            plan,
            kind=scenario.kind.value,
            clients=connections,
            processes=processes,
            ids=targets.read_ids,
            pool=targets.pool,
            titles=FLOOR_TITLES,
            warmup=config.warmup,
            duration=config.duration,
            runs=config.runs,
        )
        return {
            "rps": statistics.median(run.rps for run in runs),
            "p50_ms": statistics.median(run.p50_ms for run in runs),
            "p99_ms": statistics.median(run.p99_ms for run in runs),
            "errors": sum(run.errors for run in runs),
            "processes": min(processes, connections),
            "runs": [asdict(run) for run in runs],
        }

    # --- one server -------------------------------------------------------------------

    def session(self, dataset: Dataset, workers: int, scenarios: tuple[Scenario, ...],
                connections: tuple[int, ...]) -> None:  # fmt: skip
        """One server's measurements: the matrix's cells with their floors."""
        config = self.config
        if config.scenarios:
            scenarios = tuple(s for s in scenarios if s.name in config.scenarios)
        if all(
            (dataset.engine, dataset.size, workers, scenario.name, clients) in self.cells
            for scenario in scenarios
            for clients in connections
        ):
            return
        log_path = config.data_dir / "logs" / f"{dataset.engine}_{dataset.label}_w{workers}.log"
        token = datasets.mint_key(dataset.url)
        server = Server(dataset.url, workers, log_path)
        log(f"start: uvicorn --workers {workers} on {dataset.engine} {dataset.label}")
        server.start()
        api = Api(server.url, token)
        try:
            targets = datasets.targets(config, dataset, api)
            datasets.tidy_after_writes(dataset, targets)  # and what an earlier run left

            def refresh() -> None:
                targets.pool = datasets.settled_pool(api, [id_ for id_, _ in targets.pool])

            plans: dict[str, Plan] = {}
            plan_key = (dataset.engine, dataset.size)
            try:
                plans = self.recorded.get(plan_key) or self.plans(dataset, api, targets, token)
                self.recorded[plan_key] = plans
                self.statements.setdefault(dataset.engine, {}).update(
                    {name: [text for text, _ in plan.statements] for name, plan in plans.items()}
                )
            except FloorError as error:
                log(f"no database floor: {error}")
            for scenario in scenarios:
                for clients in connections:
                    key = (dataset.engine, dataset.size, workers, scenario.name, clients)
                    if key not in self.cells:
                        once = self._runner(server, scenario, targets, token, clients, refresh)
                        ours = self._in_turn(
                            {scenario: once}, runs=config.runs, seconds=config.duration
                        )[scenario]
                        if scenario in WRITES:
                            datasets.tidy_after_writes(dataset, targets)
                        self._keep(self.cells, dataset, workers, scenario, clients, ours)
                    plan = plans.get(scenario.name)
                    if plan is None:
                        continue
                    processes = min(workers, clients)
                    floor_key = (
                        dataset.engine,
                        dataset.size,
                        processes,
                        scenario.name,
                        clients,
                    )
                    if floor_key not in self.floors:
                        self.floors[floor_key] = self.floor(
                            dataset,
                            plan,
                            scenario,
                            targets,
                            connections=clients,
                            processes=processes,
                            refresh=refresh,
                        )
                        if scenario in WRITES:
                            datasets.tidy_after_writes(dataset, targets)
                        found = self.floors[floor_key]
                        log(
                            f"  database floor ({processes} process"
                            f"{'es' if processes > 1 else ''}): {found['rps']:,.0f} req/s, "
                            f"p50 {found['p50_ms']:.2f} ms, p99 {found['p99_ms']:.2f} ms, "
                            f"errors {found['errors']}"
                        )
                    self.cells[key]["floor"] = self.floors[floor_key]
            self._note_memory(dataset, server)
        finally:
            api.close()
            server.stop()

    def _note_memory(self, dataset: Dataset, server: Server) -> None:
        peaks = sorted((memory.peak_kib for memory in server.memory()), reverse=True)
        for entry in self.memory:
            if (entry["engine"], entry["size"], entry["workers"]) == (
                dataset.engine,
                dataset.size,
                server.workers,
            ):  # the same server again (flat costs after the matrix): the larger peaks
                entry["peak_kib"] = [
                    max(a, b) for a, b in zip(entry["peak_kib"], peaks, strict=False)
                ]
                break
        else:
            self.memory.append(
                {
                    "engine": dataset.engine,
                    "size": dataset.size,
                    "workers": server.workers,
                    "peak_kib": peaks,
                }
            )

    def flat_costs(self, found: list[Dataset]) -> None:
        """The flat costs of one engine: a server of 1 worker per size, all started at
        once, and every request at every size measured in turn (`_in_turn`), so that the
        comparisons across sizes compare the same minutes too. Kept apart from the
        matrix's cells."""
        config = self.config
        scenarios = tuple(s for s in FLAT if not config.scenarios or s.name in config.scenarios)
        assert not any(scenario in WRITES for scenario in scenarios)
        if all(
            (dataset.engine, dataset.size, 1, scenario.name, clients) in self.flat
            for dataset in found
            for scenario in scenarios
            for clients in config.flat_connections
        ):
            return
        started: list[tuple[Dataset, Server, Api, Targets, str]] = []
        try:
            for dataset in found:
                log_path = config.data_dir / "logs" / f"{dataset.engine}_{dataset.label}_flat.log"
                token = datasets.mint_key(dataset.url)
                server = Server(dataset.url, 1, log_path)
                log(f"start: uvicorn --workers 1 on {dataset.engine} {dataset.label}")
                server.start()
                api = Api(server.url, token)
                targets = datasets.targets(config, dataset, api)
                datasets.tidy_after_writes(dataset, targets)  # what the matrix left
                started.append((dataset, server, api, targets, token))
            for clients in config.flat_connections:
                runners = {
                    (dataset, scenario): self._runner(
                        server, scenario, targets, token, clients, refresh=lambda: None
                    )
                    for dataset, server, _, targets, token in started
                    for scenario in scenarios
                }
                measured = self._in_turn(
                    runners, runs=config.flat_runs, seconds=config.flat_duration
                )
                for (dataset, scenario), ours in measured.items():
                    self._keep(self.flat, dataset, 1, scenario, clients, ours)
            for dataset, server, *_ in started:
                self._note_memory(dataset, server)
        finally:
            for _, server, api, *_ in started:
                api.close()
                server.stop()

    def _keep(
        self,
        cells: dict[tuple[Any, ...], dict[str, Any]],
        dataset: Dataset,
        workers: int,
        scenario: Scenario,
        clients: int,
        ours: Measurement,
    ) -> None:
        key = (dataset.engine, dataset.size, workers, scenario.name, clients)
        cells[key] = {
            "engine": dataset.engine,
            "size": dataset.size,
            "workers": workers,
            "scenario": scenario.name,
            "connections": clients,
            "ours": asdict(ours),
            "floor": None,
        }
        log(
            f"{dataset.engine} {dataset.label} w{workers} c{clients} "
            f"{scenario.name}: {ours.rps:,.0f} req/s, p50 {ours.p50_ms:.2f} ms, "
            f"p99 {ours.p99_ms:.2f} ms, errors {ours.errors}"
            + (f", {ours.uneven_runs} run(s) uneven" if ours.uneven_runs else "")
        )
        for sample in ours.error_samples:
            log(f"  error: {sample}")

    def run(self) -> dict[str, Any]:
        config = self.config
        for engine in config.engines:
            found = []
            for size in sorted(config.sizes):
                dataset = datasets.prepare(config, engine, size)
                found.append(dataset)
                self.seed.append({"engine": engine, "size": size, "seconds": dataset.seed_seconds})
                if size == config.full_size:
                    for workers in config.workers:
                        self.session(dataset, workers, MATRIX, config.connections)
            self.flat_costs(found)
        return {
            "cells": list(self.cells.values()),
            "flat": list(self.flat.values()),
            "memory": self.memory,
            "seed": self.seed,
            "statements": self.statements,
            "unbalanced_runs": self.unbalanced,
        }


def _meta(config: BenchConfig, command: str) -> dict[str, Any]:
    return {
        "date": report.now(),
        "command": command,
        "knobs": config.changed(),
        "machine": report.machine(),
        "versions": report.versions(config),
    }


def _quiet() -> None:
    # Importing the app configures logging for the service; the benchmark's own requests
    # need no log line each.
    for name in ("app", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> int:
    _quiet()
    config = BenchConfig.from_environment()
    ensure_wrk()
    minutes = estimate_seconds(config) / 60
    log(
        f"benchmark: engines {','.join(config.engines)}, sizes "
        f"{','.join(size_label(size) for size in config.sizes)}, full matrix at "
        f"{size_label(config.full_size)}; about {minutes:.0f} minutes besides seeding"
    )
    results = Bench(config).run()
    results["meta"] = _meta(config, "make bench")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    raw = config.data_dir / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    raw.write_text(json.dumps(results, indent=1))
    report.write_section(config.output, "results", report.results_markdown(results, config))
    log(f"written: {config.output} (raw figures: {raw})")
    return 0


def soak() -> int:
    _quiet()
    config = BenchConfig.from_environment()
    ensure_wrk()
    dataset = datasets.prepare(config, config.soak_engine, config.soak_size)
    token = datasets.mint_key(dataset.url)
    server = Server(dataset.url, config.soak_workers, config.data_dir / "logs" / "soak.log")
    server.start()
    api = Api(server.url, token)
    bench = Bench(config)
    try:
        targets = datasets.targets(config, dataset, api)
        mixed = (*MATRIX[1:], FLAT[1], FLAT[-1])  # every request kind but the floor's
        script = bench.scripts / "soak.lua"
        script.write_text(lua_script(mixed, targets, token, config.wrk_threads))
        log(f"soak: {config.soak_seconds:.0f} s, memory every {config.soak_interval:.0f} s")
        # The first minute (at most a tenth of the run) warms up: caches fill, pools open.
        warmup = min(60.0, config.soak_seconds / 10)
        run_wrk(
            server.url,
            script,
            connections=config.soak_connections,
            threads=config.wrk_threads,
            seconds=warmup,
        )
        targets.pool = datasets.settled_pool(api, [id_ for id_, _ in targets.pool])
        script.write_text(lua_script(mixed, targets, token, config.wrk_threads))
        outcome: dict[str, Any] = {}

        def load() -> None:
            outcome["run"] = run_wrk(
                server.url,
                script,
                connections=config.soak_connections,
                threads=config.wrk_threads,
                seconds=config.soak_seconds,
            )

        thread = threading.Thread(target=load)
        started = time.monotonic()
        thread.start()
        samples: list[dict[str, Any]] = []
        while thread.is_alive():
            memories = server.memory()
            samples.append(
                {
                    "second": time.monotonic() - started,
                    "resident_kib": {str(m.pid): m.resident_kib for m in memories},
                    "peak_kib": {str(m.pid): m.peak_kib for m in memories},
                }
            )
            log("soak: " + ", ".join(f"{m.pid} {m.resident_kib / 1024:.1f} MiB" for m in memories))
            thread.join(config.soak_interval)
        final = server.memory()
        samples.append(
            {
                "second": time.monotonic() - started,
                "resident_kib": {str(m.pid): m.resident_kib for m in final},
                "peak_kib": {str(m.pid): m.peak_kib for m in final},
            }
        )
        datasets.tidy_after_writes(dataset, targets)
    finally:
        api.close()
        server.stop()
    run: WrkRun = outcome["run"]
    for sample in run.error_samples[:3]:
        log(f"  error: {sample}")
    growth = {
        pid: {
            "start_kib": samples[0]["resident_kib"][pid],
            "end_kib": samples[-1]["resident_kib"].get(pid, 0),
            "peak_kib": max(sample["peak_kib"].get(pid, 0) for sample in samples),
        }
        for pid in samples[0]["resident_kib"]
    }
    soak_result = {
        "date": report.now(),
        "command": "make bench-soak",
        "engine": config.soak_engine,
        "size": config.soak_size,
        "workers": config.soak_workers,
        "connections": config.soak_connections,
        "seconds": run.seconds,
        "requests": run.requests,
        "errors": run.errors,
        "samples": samples,
        "growth": growth,
    }
    raw = config.data_dir / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    raw.write_text(json.dumps(soak_result, indent=1))
    report.write_section(config.output, "soak", report.soak_markdown(soak_result))
    log(f"written: {config.output} (raw figures: {raw})")
    return 0
