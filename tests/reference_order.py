"""Moved to `app.fuzzing.reference_order`, so that the connection fuzzer (and test suites
outside this project) can use it; this module keeps the tests' imports working."""

from app.fuzzing.reference_order import (
    Run,
    SortKey,
    Titled,
    fold,
    ordered,
    ordered_ids,
    runs,
    sort_key,
)

__all__ = ["Run", "SortKey", "Titled", "fold", "ordered", "ordered_ids", "runs", "sort_key"]
