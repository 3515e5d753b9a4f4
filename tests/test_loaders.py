"""`Loaders.load_alone` against a stand-in database that counts its reads: it shares the
entity loader's cache both ways, waits for a load in flight and keeps no failure."""

import asyncio
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from app.database import PreparedRead
from app.graphql.core.loaders import Loaders


class CountingDatabase:
    """Answers reads of organizations by ID from `rows`; `fail` makes the next read raise."""

    def __init__(self, *ids: str) -> None:
        self.rows = {id_: SimpleNamespace(id=id_) for id_ in ids}
        self.reads: list[list[str]] = []
        self.fail: Exception | None = None
        self.release = asyncio.Event()
        self.release.set()

    async def values(self, _read: PreparedRead, parameters: Mapping[str, Any]) -> list[Any]:
        wanted = [parameters["id"]] if "id" in parameters else list(parameters["ids"])
        self.reads.append(wanted)
        await self.release.wait()
        if self.fail is not None:
            failure, self.fail = self.fail, None
            raise failure
        return [(self.rows[id_],) for id_ in wanted if id_ in self.rows]


def loaders_over(db: CountingDatabase) -> Loaders:
    return Loaders(db)  # type: ignore[arg-type]


async def lookup_in_flight(
    db: CountingDatabase,
) -> tuple[Loaders, "asyncio.Future[Any]"]:
    """A lone lookup of `o1` whose statement has started and waits for `db.release`."""
    db.release.clear()
    loaders = loaders_over(db)
    alone = asyncio.ensure_future(loaders.load_alone("Organization", "o1"))
    await asyncio.sleep(0)
    assert db.reads[-1] == ["o1"]
    return loaders, alone


def test_a_miss_reads_once_and_later_loads_take_it_from_the_cache() -> None:
    async def scenario() -> None:
        db = CountingDatabase("o1")
        loaders = loaders_over(db)
        row = await loaders.load_alone("Organization", "o1")
        assert row is db.rows["o1"]
        assert await loaders.load_alone("Organization", "o1") is row
        assert loaders.get("Organization", "o1") is row
        assert await loaders.entity("Organization").load("o1") is row
        assert db.reads == [["o1"]]

    asyncio.run(scenario())


def test_an_unknown_id_is_kept_as_none() -> None:
    async def scenario() -> None:
        db = CountingDatabase()
        loaders = loaders_over(db)
        assert await loaders.load_alone("Organization", "nope") is None
        assert await loaders.load_alone("Organization", "nope") is None
        assert loaders.get("Organization", "nope") is None
        assert db.reads == [["nope"]]

    asyncio.run(scenario())


def test_a_load_in_flight_is_awaited_not_read_again() -> None:
    async def scenario() -> None:
        db = CountingDatabase("o1")
        loaders, alone = await lookup_in_flight(db)
        # Both ways in while the statement runs: the loader's and another lone lookup.
        batched = loaders.entity("Organization").load("o1")
        second = asyncio.ensure_future(loaders.load_alone("Organization", "o1"))
        await asyncio.sleep(0)
        db.release.set()
        rows = await asyncio.gather(alone, batched, second)
        assert list(rows) == [db.rows["o1"]] * 3
        assert db.reads == [["o1"]]

    asyncio.run(scenario())


def test_a_batched_load_in_flight_is_awaited_by_a_lone_lookup() -> None:
    async def scenario() -> None:
        db = CountingDatabase("o1", "o2")
        db.release.clear()
        loaders = loaders_over(db)
        batched = [loaders.entity("Organization").load(id_) for id_ in ("o1", "o2")]
        alone = asyncio.ensure_future(loaders.load_alone("Organization", "o2"))
        await asyncio.sleep(0)
        db.release.set()
        assert await alone is db.rows["o2"]
        assert list(await asyncio.gather(*batched)) == [db.rows["o1"], db.rows["o2"]]
        assert db.reads == [["o1", "o2"]]

    asyncio.run(scenario())


def test_a_failed_read_is_not_kept_and_reaches_every_waiter() -> None:
    async def scenario() -> None:
        db = CountingDatabase("o1")
        db.fail = RuntimeError("connection lost")
        loaders, alone = await lookup_in_flight(db)
        waiting = loaders.entity("Organization").load("o1")
        db.release.set()
        for pending in (alone, waiting):
            with pytest.raises(RuntimeError, match="connection lost"):
                await pending
        assert "o1" not in loaders.entity("Organization").loaded
        assert await loaders.load_alone("Organization", "o1") is db.rows["o1"]
        assert db.reads == [["o1"], ["o1"]]

    asyncio.run(scenario())


def test_a_cancelled_lookup_is_not_kept() -> None:
    async def scenario() -> None:
        db = CountingDatabase("o1")
        loaders, alone = await lookup_in_flight(db)
        alone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await alone
        assert "o1" not in loaders.entity("Organization").loaded
        db.release.set()
        assert await loaders.load_alone("Organization", "o1") is db.rows["o1"]

    asyncio.run(scenario())
