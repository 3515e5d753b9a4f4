"""The benchmark's knobs, read from `BENCH_*` environment variables."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from app.settings import PROJECT_ROOT
from bench.scenarios import SCENARIOS

ENGINES = ("sqlite", "postgresql")


def size_label(size: int) -> str:
    """1000 -> "1k", 100000 -> "100k", 1000000 -> "1m"."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class BenchConfig:
    engines: tuple[str, ...] = ENGINES
    sizes: tuple[int, ...] = (1_000, 100_000, 1_000_000)
    matrix_size: int = 100_000
    """The size the full matrix (every scenario, worker count and client count) runs at;
    when it is not among `sizes`, the middle one of `sizes`."""
    workers: tuple[int, ...] = (1, 2)
    connections: tuple[int, ...] = (1, 16)
    flat_connections: tuple[int, ...] = (1,)
    scenarios: tuple[str, ...] = ()
    """Only these (names from bench/scenarios.py); empty: all of them."""
    duration: float = 5.0
    runs: int = 3
    warmup: float = 1.0
    wrk_threads: int = 1
    seed: int = 42
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    """The PostgreSQL server; the benchmark creates its own databases `bench_<size>`."""
    data_dir: Path = PROJECT_ROOT / "data" / "bench"
    output: Path = PROJECT_ROOT / "docs" / "benchmarks.md"
    soak_seconds: float = 600.0
    soak_interval: float = 10.0
    soak_engine: str = "postgresql"
    soak_size: int = 100_000
    soak_workers: int = 2
    soak_connections: int = 16

    @property
    def full_size(self) -> int:
        if self.matrix_size in self.sizes:
            return self.matrix_size
        return sorted(self.sizes)[len(self.sizes) // 2]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "BenchConfig":
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = environ.get(f"BENCH_{field.name.upper()}")
            if raw is None or not raw.strip():
                continue
            default = field.default
            if field.name in ("engines", "scenarios"):
                names = tuple(part.strip() for part in raw.split(",") if part.strip())
                allowed = ENGINES if field.name == "engines" else tuple(SCENARIOS)
                unknown = set(names) - set(allowed)
                if unknown:
                    raise SystemExit(
                        f"BENCH_{field.name.upper()}: unknown {sorted(unknown)}; use {allowed}"
                    )
                values[field.name] = names
            elif isinstance(default, tuple):
                values[field.name] = _numbers(raw)
            elif isinstance(default, bool):
                values[field.name] = raw.lower() in ("1", "true", "yes")
            elif isinstance(default, int):
                values[field.name] = int(raw.replace("_", ""))
            elif isinstance(default, float):
                values[field.name] = float(raw)
            elif isinstance(default, Path):
                values[field.name] = Path(raw).resolve()
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def changed(self) -> dict[str, str]:
        """The knobs that differ from their defaults, as `BENCH_*` assignments."""
        default = BenchConfig()
        changed = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value != getattr(default, field.name):
                shown = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
                changed[f"BENCH_{field.name.upper()}"] = shown
        return changed
