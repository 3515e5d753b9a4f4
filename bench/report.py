"""The machine, the versions, and the Markdown tables written into `docs/benchmarks.md`.

Only the parts between the generated markers are replaced; the hand-written method and
the profile summary around them stay as they are.
"""

import asyncio
import os
import platform
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg

from app.database import async_database_url
from bench.config import BenchConfig, size_label
from bench.scenarios import DEEP_NO_TOTAL, INTEGRATION, LIST, LIST_NO_TOTAL, MATRIX, NODE, SCENARIOS
from bench.wrk import BALANCE_ATTEMPTS, wrk_version

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PACKAGES = (
    "ariadne", "graphql-core", "fastapi", "starlette", "uvicorn", "uvloop", "httptools",
    "sqlalchemy", "sqlmodel", "asyncpg", "aiosqlite", "pydantic",
)  # fmt: skip

# Targets of the list request without total at 16 clients, PostgreSQL, 2 workers.
TARGET_SHARE_OF_DB_FLOOR = 0.30
TARGET_P99_MS = 60.0
TARGET_DEEP_OVER_FIRST = 1.2
TARGET_TOTAL_LARGEST_OVER_SMALLEST = 1.5


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "kernel": f"{platform.system()} {platform.release()}",
    }


async def _postgres_version(url: str) -> str:
    dsn = async_database_url(url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def versions(config: BenchConfig) -> dict[str, str]:
    found = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    if "postgresql" in config.engines:
        try:
            found["PostgreSQL"] = asyncio.run(_postgres_version(config.postgres_url + "/postgres"))
        except Exception as error:
            found["PostgreSQL"] = f"unreachable ({type(error).__name__})"
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    found["wrk"] = wrk_version()
    return found


# --- tables -----------------------------------------------------------------------------


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _share(ours: float | None, floor: float | None) -> str:
    if not ours or not floor:
        return "-"
    return f"{ours / floor:.0%}"


UNEVEN_MARK = " ‡"
UNEVEN_NOTE = (
    f"{UNEVEN_MARK.strip()} At least one of its runs was measured with one worker holding most "
    f"of wrk's connections: all {BALANCE_ATTEMPTS} starts allowed for it were uneven (Method)."
)


def _cell(cells: list[dict[str, Any]], **key: Any) -> dict[str, Any] | None:
    for cell in cells:
        if all(cell[name] == value for name, value in key.items()):
            found: dict[str, Any] = cell
            return found
    return None


def _requests_table(results: dict[str, Any], engine: str, size: int) -> list[str]:
    lines = [
        "| request | workers | clients | req/s | p50 ms | p99 ms | `__typename` req/s | "
        "% of `__typename` | DB floor req/s | DB floor p50 / p99 ms | % of DB floor | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    cells = [c for c in results["cells"] if c["engine"] == engine and c["size"] == size]
    order = [scenario.name for scenario in MATRIX]
    cells.sort(key=lambda c: (order.index(c["scenario"]) if c["scenario"] in order else 99,
                              c["workers"], c["connections"]))  # fmt: skip
    uneven = False
    for cell in cells:
        if cell["scenario"] not in order:
            continue
        ours = cell["ours"]
        uneven = uneven or bool(ours.get("uneven_runs"))
        framework = _cell(
            results["cells"],
            engine=engine,
            size=size,
            workers=cell["workers"],
            connections=cell["connections"],
            scenario="typename",
        )
        framework_rps = framework["ours"]["rps"] if framework else None
        floor = cell.get("floor")
        is_framework = cell["scenario"] == "typename"
        lines.append(
            "| "
            + " | ".join(
                [
                    SCENARIOS[cell["scenario"]].label,
                    str(cell["workers"]),
                    str(cell["connections"]),
                    _number(ours["rps"], 0) + (UNEVEN_MARK if ours.get("uneven_runs") else ""),
                    _number(ours["p50_ms"], 2),
                    _number(ours["p99_ms"], 2),
                    "" if is_framework else _number(framework_rps, 0),
                    "" if is_framework else _share(ours["rps"], framework_rps),
                    _number(floor["rps"], 0) if floor else "-",
                    f"{floor['p50_ms']:.2f} / {floor['p99_ms']:.2f}" if floor else "-",
                    _share(ours["rps"], floor["rps"]) if floor else "-",
                    str(ours["errors"] + (floor["errors"] if floor else 0)),
                ]
            )
            + " |"
        )
    if uneven:
        lines += ["", UNEVEN_NOTE]
    return lines


def _targets(results: dict[str, Any], size: int) -> list[str]:
    cell = _cell(
        results["cells"],
        engine="postgresql",
        size=size,
        workers=2,
        connections=16,
        scenario=LIST_NO_TOTAL.name,
    )
    if cell is None or not cell.get("floor"):
        return ["Not measured in this run (needs PostgreSQL, 2 workers, 16 clients)."]
    share = cell["ours"]["rps"] / cell["floor"]["rps"] if cell["floor"]["rps"] else 0.0
    p99 = cell["ours"]["p99_ms"]
    uneven = cell["ours"].get("uneven_runs", 0)
    framework = _cell(
        results["cells"], engine="postgresql", size=size, workers=2, connections=16,
        scenario="typename",
    )  # fmt: skip
    return [
        f"List request without `total`, 16 clients, PostgreSQL, {size_label(size)} "
        "integrations, 2 workers:",
        "",
        f"- throughput {share:.0%} of the database floor (target at least "
        f"{TARGET_SHARE_OF_DB_FLOOR:.0%}): **{'met' if share >= TARGET_SHARE_OF_DB_FLOOR else 'not met'}**",
        f"- p99 {p99:.1f} ms (target under {TARGET_P99_MS:.0f} ms): "
        f"**{'met' if p99 < TARGET_P99_MS else 'not met'}**",
        *(
            [f"- {uneven} of its runs measured with one worker holding most connections"]
            if uneven
            else []
        ),
        *(_list_work_budget(cell, framework, results["meta"]["machine"]) if framework else []),
    ]


def _list_work_budget(
    cell: dict[str, Any], framework: dict[str, Any], machine: dict[str, str]
) -> list[str]:
    """The list's own work against what the throughput target leaves it.

    The workers, wrk and the database share the machine's cores, and each run keeps them
    busy, so a request's cost to the machine is the cores over the requests per second.
    A list request pays at least what `{ __typename }` costs through the same server and
    what its SQL costs through the driver (the two floors); the rest is the list's own
    work: executing the page, its rows, cursors and JSON, and what the database layer
    adds to the driver. With that work at nothing, the list would serve the ceiling
    named here: the most any change to the list's own code could reach. The cores are
    those of the machine the run was on (`machine()`, in the results' `meta`)."""
    cores = int(machine["cores"]) if machine.get("cores", "").isdigit() else 1
    ours, framework_rps, floor_rps = (
        cell["ours"]["rps"], framework["ours"]["rps"], cell["floor"]["rps"]
    )  # fmt: skip
    if not (ours and framework_rps and floor_rps):
        return []
    fixed_us = cores * 1e6 * (1 / framework_rps + 1 / floor_rps)
    own_us = cores * 1e6 / ours - fixed_us
    allowed_us = cores * 1e6 / (TARGET_SHARE_OF_DB_FLOOR * floor_rps) - fixed_us
    ceiling = 1 / (1 / framework_rps + 1 / floor_rps)
    return [
        f"- the list's own work: {own_us:,.0f} µs of the machine ({cores} cores) a request, "
        f"over {fixed_us:,.0f} µs for the two floors; {TARGET_SHARE_OF_DB_FLOOR:.0%} leaves "
        f"it {allowed_us:,.0f} µs. With it at nothing the list would serve "
        f"{ceiling:,.0f} req/s, {ceiling / floor_rps:.0%} of the database floor",
    ]


def _flat_table(results: dict[str, Any], engine: str, connections: int) -> list[str]:
    flat = results["flat"]
    sizes = sorted({c["size"] for c in flat if c["engine"] == engine})
    lines = [
        "| integrations | first page p50 ms | deep page p50 ms | deep / first | "
        "list + total p50 ms | vs smallest | `integration(id)` p50 ms | `node(id)` p50 ms |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    smallest_total = None
    for size in sizes:

        def p50(scenario: str, size: int = size) -> float | None:
            cell = _cell(
                flat,
                engine=engine,
                size=size,
                workers=1,
                connections=connections,
                scenario=scenario,
            )
            return float(cell["ours"]["p50_ms"]) if cell else None

        first, deep, total = p50(LIST_NO_TOTAL.name), p50(DEEP_NO_TOTAL.name), p50(LIST.name)
        if smallest_total is None:
            smallest_total = total
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{size:,}",
                    _number(first, 2),
                    _number(deep, 2),
                    f"{deep / first:.2f}" if first and deep else "-",
                    _number(total, 2),
                    f"{total / smallest_total:.2f}" if total and smallest_total else "-",
                    _number(p50(INTEGRATION.name), 2),
                    _number(p50(NODE.name), 2),
                ]
            )
            + " |"
        )
    return lines


def _memory_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| engine | integrations | workers | peak resident memory per worker (MiB) |",
        "|---|--:|--:|---|",
    ]
    for entry in results["memory"]:
        peaks = ", ".join(f"{peak / 1024:.0f}" for peak in entry["peak_kib"])
        lines.append(
            f"| {ENGINE_NAMES[entry['engine']]} | {entry['size']:,} | {entry['workers']} | {peaks} |"
        )
    return lines


def _statements(results: dict[str, Any]) -> list[str]:
    lines = []
    for engine, plans in results.get("statements", {}).items():
        lines += [
            "<details>",
            f"<summary>{ENGINE_NAMES[engine]}: the SQL each request runs besides "
            "authentication (what the database floor replays)</summary>",
            "",
        ]
        for name, statements in plans.items():
            queries = [text for text in statements if text not in ("BEGIN", "COMMIT", "ROLLBACK")]
            lines.append(
                f"**{SCENARIOS[name].label}**: {len(queries)} statements "
                f"({len(statements) - len(queries)} of transaction control besides)"
            )
            lines.append("")
            lines.append("```sql")
            lines += [re.sub(r"\s+", " ", text).strip() for text in statements]
            lines.append("```")
            lines.append("")
        lines += ["</details>", ""]
    return lines


def results_markdown(results: dict[str, Any], config: BenchConfig) -> str:
    meta = results["meta"]
    lines = [
        f"Run {meta['date']}, `{meta['command']}`"
        + (
            f" with {', '.join(f'`{k}={v}`' for k, v in meta['knobs'].items())}"
            if meta["knobs"]
            else ""
        )
        + f"; {config.runs} run{'s' if config.runs != 1 else ''} of {config.duration:g} s "
        f"after {config.warmup:g} s of warm-up, medians (flat costs: {config.flat_runs} runs "
        f"of {config.flat_duration:g} s, every request at every size in turn)"
        + (
            f"; {results['unbalanced_runs']} "
            f"{'run' if results['unbalanced_runs'] == 1 else 'runs'} started again because "
            "one worker held most of wrk's connections (Method)."
            if results.get("unbalanced_runs")
            else "."
        ),
        "",
        "**Machine:** " + ", ".join(f"{k} {v}" for k, v in meta["machine"].items()) + ".",
        "",
        "**Versions:** " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
    ]
    if results["seed"]:
        lines += ["**Seeding** (`make seed`, one organization):", ""]
        lines += [
            f"- {ENGINE_NAMES[entry['engine']]}, {entry['size']:,} integrations: "
            + (f"{entry['seconds']:.1f} s" if entry["seconds"] is not None else "already loaded")
            for entry in results["seed"]
        ]
        lines.append("")
    size = config.full_size
    for engine in config.engines:
        lines += [
            f"### {ENGINE_NAMES[engine]}, {size:,} integrations in one organization",
            "",
            *_requests_table(results, engine, size),
            "",
        ]
    lines += ["### Targets", "", *_targets(results, size), ""]
    for connections in config.flat_connections:
        for engine in config.engines:
            lines += [
                f"### Flat costs, {ENGINE_NAMES[engine]}, 1 worker, {connections} "
                f"client{'s' if connections != 1 else ''}",
                "",
                *_flat_table(results, engine, connections),
                "",
            ]
    lines += ["### Memory", "", *_memory_table(results), "", *_statements(results)]
    return "\n".join(lines).rstrip() + "\n"


def soak_markdown(soak: dict[str, Any]) -> str:
    samples: Sequence[dict[str, Any]] = soak["samples"]
    lines = [
        f"Run {soak['date']}, `{soak['command']}`: {ENGINE_NAMES[soak['engine']]}, "
        f"{soak['size']:,} integrations, {soak['workers']} workers, {soak['connections']} "
        f"clients, {soak['seconds']:.0f} s of every request kind in turn "
        f"({soak['requests']:,} requests, {soak['errors']} errors).",
        "",
        "| worker | resident after warm-up (MiB) | at the end (MiB) | growth (MiB) | peak (MiB) |",
        "|---|--:|--:|--:|--:|",
    ]
    for pid, growth in soak["growth"].items():
        lines.append(
            f"| {pid} | {growth['start_kib'] / 1024:.1f} | {growth['end_kib'] / 1024:.1f} | "
            f"{(growth['end_kib'] - growth['start_kib']) / 1024:+.1f} | {growth['peak_kib'] / 1024:.1f} |"
        )
    lines += ["", "Resident memory of each worker (MiB) by minute:", ""]
    pids = list(soak["growth"])
    lines.append("| second | " + " | ".join(pids) + " |")
    lines.append("|--:|" + "--:|" * len(pids))
    # The first sample of each minute and the last; a last one that rounds to the
    # second of the row before replaces that row rather than repeating it.
    rows: dict[str, list[str]] = {}
    last_minute = -1
    for sample in samples:
        minute = int(sample["second"] // 60)
        if minute == last_minute and sample is not samples[-1]:
            continue
        last_minute = minute
        values = [f"{sample['resident_kib'].get(pid, 0) / 1024:.1f}" for pid in pids]
        rows[f"{sample['second']:.0f}"] = values
    lines += [f"| {second} | " + " | ".join(values) + " |" for second, values in rows.items()]
    return "\n".join(lines) + "\n"


def write_section(path: Path, marker: str, body: str) -> None:
    """Replace what stands between `<!-- marker:begin -->` and `<!-- marker:end -->`."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    text = path.read_text() if path.exists() else f"{begin}\n{end}\n"
    if begin not in text or end not in text:
        text = text.rstrip() + f"\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{begin}\n{body}{end}{tail}")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
