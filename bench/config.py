"""The benchmark's knobs, read from `BENCH_*` environment variables."""

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.settings import PROJECT_ROOT
from bench.scenarios import SCENARIOS

ENGINES = ("sqlite", "postgresql")


def size_label(size: int) -> str:
    """1000 -> "1k", 100000 -> "100k", 1000000 -> "1m"."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def _comma_separated(value: object) -> object:
    """`list,list_no_total` for a tuple setting, as the Makefile and a shell write it."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _comma_separated_numbers(value: object) -> object:
    """`1000,100_000`: underscores group digits, as in Python."""
    if isinstance(value, str):
        value = value.replace("_", "")
    return _comma_separated(value)


Numbers = Annotated[tuple[int, ...], NoDecode, BeforeValidator(_comma_separated_numbers)]
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)]


class BenchConfig(BaseSettings):
    """Every knob is the environment variable `BENCH_<NAME>`; unset or empty, the default."""

    model_config = SettingsConfigDict(env_prefix="BENCH_", env_ignore_empty=True, frozen=True)

    engines: Names = ENGINES
    sizes: Numbers = (1_000, 100_000, 1_000_000)
    matrix_size: int = 100_000
    """The size the full matrix (every scenario, worker count and client count) runs at;
    when it is not among `sizes`, the middle one of `sizes`."""
    workers: Numbers = (1, 2)
    connections: Numbers = (1, 16)
    flat_connections: Numbers = (1,)
    flat_runs: int = 7
    flat_duration: float = 3.0
    """The flat costs' runs: more and shorter than the matrix's, so that their medians
    (of single-client latencies, compared as ratios) ride out a few seconds in which
    the machine is slower."""
    scenarios: Names = ()
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

    @field_validator("engines", "scenarios")
    @classmethod
    def _known(cls, names: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        allowed = ENGINES if info.field_name == "engines" else tuple(SCENARIOS)
        unknown = set(names) - set(allowed)
        if unknown:
            raise ValueError(f"unknown {sorted(unknown)}; use {allowed}")
        return names

    @field_validator("data_dir", "output")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.resolve()

    @property
    def full_size(self) -> int:
        if self.matrix_size in self.sizes:
            return self.matrix_size
        return sorted(self.sizes)[len(self.sizes) // 2]

    @classmethod
    def from_environment(cls) -> "BenchConfig":
        try:
            return cls()
        except ValidationError as error:
            raise SystemExit(f"BENCH_* settings: {error}") from None

    def changed(self) -> dict[str, str]:
        """The knobs that differ from their defaults, as `BENCH_*` assignments."""
        changed = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value != type(self).model_fields[name].default:
                shown = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
                changed[f"BENCH_{name.upper()}"] = shown
        return changed
