"""The load generator: wrk, outside the Python process, driven by a generated Lua script.

The script posts the scenario's GraphQL requests, counts answers that are not HTTP 200
or carry `errors`, and prints one `BENCH_RESULT {json}` line with wrk's own latency
distribution (microseconds). Updates keep a queue of (id, version) per wrk thread and
take each next version from the previous answer, so no update meets a CONFLICT.
"""

import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.scenarios import Kind, Scenario, Targets, template

LUA = r"""
local steps = STEPS
local pools = POOLS
local token = TOKEN

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

graphql_errors = 0
http_errors = 0
starved = 0
first_error = ""
local step = 0
local counter = 0
local free = {}
local prepared = {}
-- Only a script with updates reads its answers for the next version. Scanning every
-- answer with those patterns cost wrk 0.14 ms of CPU per list answer (0.05 without),
-- taken from the two cores the service shares with it.
local reads_versions = false

function init(args)
  wrk.method = "POST"
  wrk.path = "/graphql"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  for index, s in ipairs(steps) do
    if s.kind == "static" then prepared[index] = wrk.format(nil, nil, nil, s.body) end
    s.at = thread_number
    if s.kind == "update" then reads_versions = true end
  end
  for _, entry in ipairs(pools[thread_number] or {}) do table.insert(free, entry) end
end

local function fill(text, values)
  return (text:gsub("@(%u+)@", values))
end

function request()
  step = step % #steps + 1
  local s = steps[step]
  if s.kind == "static" then return prepared[step] end
  counter = counter + 1
  local n = thread_number .. "-" .. counter
  if s.kind == "ids" then
    s.at = s.at % #s.ids + 1
    return wrk.format(nil, nil, nil, fill(s.template, {ID = s.ids[s.at]}))
  elseif s.kind == "create" then
    return wrk.format(nil, nil, nil, fill(s.template, {N = n}))
  end
  local entry = table.remove(free, 1)
  if entry == nil then
    starved = starved + 1
    return wrk.format(nil, nil, nil, '{"query": "{ __typename }"}')
  end
  return wrk.format(nil, nil, nil, fill(s.template, {ID = entry[1], V = entry[2], N = n}))
end

function response(status, headers, body)
  if status ~= 200 then
    http_errors = http_errors + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
    return
  end
  if body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    if first_error == "" then first_error = body:sub(1, 300) end
  end
  if not reads_versions then return end
  local id, version = body:match(
    '"integrationUpdate":%s*{%s*"integration":%s*{%s*"id":%s*"([^"]+)",%s*"version":%s*(%d+)')
  if not id then
    -- A CONFLICT (counted above) names the integration and its current version: the
    -- integration goes back into the queue at that version.
    id = body:match("Integration '([^']+)'")
    version = body:match('"currentVersion":%s*(%d+)')
  end
  if id and version then table.insert(free, {id, version}) end
end

function done(summary, latency, requests)
  local g, h, s = 0, 0, 0
  for _, thread in ipairs(threads) do
    g = g + thread:get("graphql_errors")
    h = h + thread:get("http_errors")
    s = s + thread:get("starved")
    local sample = thread:get("first_error")
    if sample ~= "" then io.write("BENCH_ERROR " .. sample:gsub("\n", " ") .. "\n") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "socket_errors": %d, "timeouts": %d, ' ..
    '"graphql_errors": %d, "http_errors": %d, "starved": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    e.connect + e.read + e.write, e.timeout, g, h, s))
end
"""


def _lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def _lua_value(value: Any) -> str:
    if isinstance(value, str):
        return _lua_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_lua_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua_value(item) for item in value) + "}"
    raise TypeError(f"no Lua form for {value!r}")


def lua_script(scenarios: Sequence[Scenario], targets: Targets, token: str, threads: int) -> str:
    """A wrk script that sends `scenarios` in turn (one scenario: that one only)."""
    steps: list[dict[str, Any]] = []
    for scenario in scenarios:
        text = template(scenario, targets)
        if scenario.kind is Kind.STATIC:
            steps.append({"kind": "static", "body": text})
        elif scenario.kind is Kind.IDS:
            steps.append({"kind": "ids", "template": text, "ids": targets.read_ids})
        else:
            steps.append({"kind": scenario.kind.value, "template": text})
    # Each wrk thread updates integrations of its own.
    pools: list[list[tuple[str, int]]] = [[] for _ in range(threads)]
    for index, entry in enumerate(targets.pool):
        pools[index % threads].append(entry)
    script = LUA.replace("STEPS", _lua_value(steps), 1)
    script = script.replace("POOLS", _lua_value(pools), 1)
    return script.replace("TOKEN", _lua_value(token), 1)


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    """Socket errors, timeouts, non-200 answers and answers with GraphQL errors."""
    starved: int
    error_samples: list[str]
    uneven: bool = False
    """Measured although the workers held its connections unevenly (`balanced`)."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Measurement:
    """The median of several runs, each figure on its own."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    runs: list[dict[str, float]]
    error_samples: list[str]
    uneven_runs: int = 0
    """Runs measured although the workers held their connections unevenly."""

    @classmethod
    def of(cls, runs: Sequence[WrkRun]) -> "Measurement":
        return cls(
            rps=statistics.median(run.rps for run in runs),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=statistics.median(run.p99_ms for run in runs),
            errors=sum(run.errors for run in runs),
            runs=[
                {"rps": run.rps, "p50_ms": run.p50_ms, "p99_ms": run.p99_ms, "errors": run.errors}
                for run in runs
            ],
            error_samples=[sample for run in runs for sample in run.error_samples][:3],
            uneven_runs=sum(run.uneven for run in runs),
        )


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing (the benchmark runs as
    root on the project's machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    if subprocess.call(["apt-get", "install", "-y", "-q", "wrk"]) != 0:
        subprocess.check_call(["apt-get", "update", "-q"])
        subprocess.check_call(["apt-get", "install", "-y", "-q", "wrk"])
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed; install it and run again")
    return found


def wrk_version() -> str:
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (result.stdout or result.stderr).strip().splitlines()
    return first[0].split(" [")[0].removeprefix("wrk ").strip() if first else "unknown"


BALANCE_WAIT_SECONDS = 1.0
"""How long `run_wrk` waits for every connection to be accepted before it judges them."""
BALANCE_ATTEMPTS = 5
"""Runs started for one measurement when the workers hold wrk's connections unevenly;
the last is measured as it comes (`WrkRun.uneven`)."""


def run_wrk(
    url: str,
    script: Path,
    *,
    connections: int,
    threads: int,
    seconds: float,
    accepted: Callable[[], list[int]] | None = None,
    stop_if_uneven: bool = True,
) -> WrkRun | None:
    """One wrk run. With `accepted` (the connections each worker holds), a run whose
    connections the workers hold unevenly (`balanced`) is stopped at its start (None),
    or, without `stop_if_uneven`, measured and marked `uneven`."""
    threads = max(1, min(threads, connections))
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--latency", "--timeout", "10s", "-s", str(script), f"{url}/graphql",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if accepted is not None:
        deadline = time.monotonic() + BALANCE_WAIT_SECONDS
        held = accepted()
        while sum(held) < connections and time.monotonic() < deadline:
            time.sleep(0.02)
            held = accepted()
        uneven = not balanced(held, connections)
        if uneven and stop_if_uneven:
            process.kill()
            process.communicate()
            return None
    else:
        uneven = False
    stdout, stderr = process.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({process.returncode}): {stderr or stdout}")
    data = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    return WrkRun(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=data["socket_errors"]
        + data["timeouts"]
        + data["http_errors"]
        + data["graphql_errors"],
        starved=data["starved"],
        error_samples=[
            line.removeprefix("BENCH_ERROR ")
            for line in stdout.splitlines()
            if line.startswith("BENCH_ERROR ")
        ],
        uneven=uneven,
    )


def balanced(held: list[int], connections: int) -> bool:
    """Whether the workers hold wrk's connections about evenly. uvicorn's workers accept
    from one shared socket and wrk keeps its connections for the whole run, so the
    kernel can hand most or all of them to one worker (16 to 0 in 2 of 6 runs of
    `{ __typename }` at 2 workers): such a run measures one worker, not two. Connections
    beyond wrk's (the benchmark's own client, kept alive) widen the allowance."""
    others = sum(held) - connections
    return others >= 0 and max(held) - min(held) <= max(2, connections // 4) + others
