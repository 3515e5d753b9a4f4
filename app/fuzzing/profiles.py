"""Hypothesis budgets for connection fuzzing, chosen by `HYPOTHESIS_PROFILE`.

- `connections` (the default): small and derandomized, so that CI is fast and stable; no
  example database.
- `fuzz`: a large, random budget (minutes per connection) that keeps hypothesis'
  example database under `.hypothesis/` in the working directory, so a failure found
  once replays first on the next run until it is fixed.

Both are registered as hypothesis profiles too (`--hypothesis-profile fuzz`), but the
fuzz tests apply them explicitly, so loading this module changes no other test's
settings.
"""

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

DEFAULT_PROFILE = "connections"
FUZZ_PROFILE = "fuzz"
PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"


@dataclass(frozen=True)
class Budget:
    machine_examples: int
    """State machine runs per connection."""
    steps: int
    """Rules per state machine run."""
    argument_examples: int
    """Examples of the arbitrary-argument property per connection."""


BUDGETS = {
    DEFAULT_PROFILE: Budget(machine_examples=20, steps=30, argument_examples=200),
    FUZZ_PROFILE: Budget(machine_examples=200, steps=50, argument_examples=3000),
}

_SLOW_IS_FINE = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
]

settings.register_profile(
    DEFAULT_PROFILE,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.register_profile(
    FUZZ_PROFILE,
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)


def profile_name() -> str:
    """The profile `HYPOTHESIS_PROFILE` names, when it is one of ours."""
    name = os.environ.get(PROFILE_VARIABLE, DEFAULT_PROFILE)
    return name if name in BUDGETS else DEFAULT_PROFILE


def budget() -> Budget:
    return BUDGETS[profile_name()]


def machine_settings() -> settings:
    """Settings for `run_state_machine_as_test`."""
    chosen = budget()
    return settings(
        settings.get_profile(profile_name()),
        max_examples=chosen.machine_examples,
        stateful_step_count=chosen.steps,
    )


def argument_settings() -> settings:
    """Settings for the arbitrary-argument property."""
    return settings(settings.get_profile(profile_name()), max_examples=budget().argument_examples)
