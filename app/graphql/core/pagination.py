"""Relay cursor connections over a keyset ordering, shared by every list in the API.

Every list is ordered by a `(sort_key, id)` keyset, so a page is an indexed range scan
whatever its depth (never OFFSET), and a walk by cursor neither repeats nor skips items
that existed for the whole walk. The key is stored as a head and a rarely used tail, and
each kind of row is read through an index of its own (`Keyset`), so that the scan is as
long as the page even inside a run of one title.

Both `pageInfo` flags are exact. The one the page's own direction answers comes from
fetching one item more than asked; the other (`hasPreviousPage` with `after`,
`hasNextPage` with `before`) from a column of the same statement that reads the nearest
item beyond the cursor through the index, added only when that cursor is given: every
page is one statement.
"""

from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import sqlalchemy as sa
from cachetools import LRUCache
from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode
from graphql.execution.collect_fields import should_include_node
from sqlalchemy.sql.elements import False_
from sqlmodel import SQLModel

from app.database import PreparedRead
from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import RequestContext, context_of
from app.graphql.core.cursors import CursorCodec, Position
from app.graphql.core.errors import ValidationError
from app.graphql.core.filters import NO_FILTERS, Condition, Filters
from app.graphql.core.ordering import split_sort_key
from app.models import row_columns, row_type_of, table_of
from generated.enums import CountPrecision, OrderDirection


@dataclass(frozen=True)
class PageArguments:
    """Validated `first`/`after`/`last`/`before`: exactly one of first and last is set."""

    first: int | None
    last: int | None
    after: Position | None
    before: Position | None

    @property
    def forward(self) -> bool:
        return self.last is None


def page_arguments(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    scope: str,
    ordering: str,
    cursors: CursorCodec,
    default_size: int,
    max_size: int,
) -> PageArguments:
    if first is not None and last is not None:
        raise ValidationError(
            "`first` and `last` cannot be used together; page forward with `first` "
            "or backward with `last`.",
            field="last",
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= max_size:
            raise ValidationError(
                f"`{name}` must be between 0 and {max_size}; it is {value}.", field=name
            )
    positions: dict[str, Position | None] = {}
    for name, cursor in (("after", after), ("before", before)):
        positions[name] = None
        if cursor is not None:
            positions[name] = cursors.decode(cursor, scope, ordering)
            if positions[name] is None:
                raise ValidationError(
                    f"`{name}` is not a cursor of this list under this ordering.", field=name
                )
    if first is None and last is None:
        first = default_size
    return PageArguments(first, last, positions["after"], positions["before"])


@dataclass(frozen=True)
class Through:
    """A table that holds each listed row's ordering key once per scope the row is in,
    with an ordering index that starts with the scope (`app.models.OrganizationReach`:
    each organization under each of its ancestors). A list whose scope is no column of
    its rows reads its range there, joined to the rows."""

    table: sa.Table
    row_id: str
    """The column that names the listed row."""

    def source(self, rows: sa.Table) -> Any:
        return self.table.join(rows, rows.c.id == self.table.c[self.row_id])


@dataclass(frozen=True)
class Keyset:
    """A `(sort key, id)` ordering of one table in one direction.

    The sort key is stored as an indexed head and a tail
    (`app.graphql.core.ordering.split_sort_key`), and the tail is empty unless the key
    is longer than the head holds. Rows of the two kinds never share a head (a head
    with a tail is as long as a head can be, a shorter one is the whole key), so the
    ordering is read as two parts, each through an index that serves its order whole:
    the rows without a tail in `(head, id)` order, from the ordering index, and those
    with one in `(head, tail, id)` order, from a partial index that holds them alone.
    Ordered by `(head, tail, id)` in one scan, a run of equal heads (integrations of
    one title) was read and sorted whole for every page that touched it.
    """

    model: type[SQLModel]
    direction: OrderDirection
    tails_index: sa.Index
    """The partial index of the rows with a tail, named to SQLite (`read_part`)."""
    through: Through | None = None
    """Where the key is read, when not from the rows' own table."""

    @property
    def keyed_table(self) -> sa.Table:
        """The table whose indexes serve the ordering."""
        return table_of(self.model) if self.through is None else self.through.table

    @property
    def columns(self) -> tuple[Any, Any, Any]:
        table = self.keyed_table
        row_id = "id" if self.through is None else self.through.row_id
        return table.c.sort_key, table.c.sort_key_tail, table.c[row_id]

    @property
    def source(self) -> Any:
        """What a page reads from: the rows' table, or the keyed table joined to it."""
        rows = table_of(self.model)
        return rows if self.through is None else self.through.source(rows)

    @staticmethod
    def sort_key_of(row: Any) -> str:
        """A row's whole sort key, head and tail."""
        sort_key: str = row.sort_key + row.sort_key_tail
        return sort_key

    @staticmethod
    def has_tail(position: Position) -> bool:
        """Whether the position's key is longer than an indexed head: the page's
        statement compares it differently (`PageShape.after_tail`)."""
        return bool(split_sort_key(position.sort_key)[1])

    def parameters(self, name: str, position: Position) -> dict[str, str]:
        """The values of the parameters that `after(name)` and `before(name)` compare
        with, for `position`."""
        head, tail = split_sort_key(position.sort_key)
        return {f"{name}_sort_key": head, f"{name}_sort_key_tail": tail, f"{name}_id": position.id}

    def part(self, *, tails: bool) -> Any:
        """The rows of one part: those whose key has a tail, or those whose key has none.
        The empty string is written into the SQL, so that the database matches the
        condition with the partial index's."""
        tail = self.columns[1]
        empty: Any = sa.literal_column("''")  # the condition of `app.models.HAS_TAIL`
        return tail != empty if tails else tail == empty

    def _compare(
        self, name: str, *, tails: bool, cursor_tail: bool, greater: bool, inclusive: bool
    ) -> Any:
        """Rows of one part that come after (`greater`) or before the position `name`,
        in ascending key order, written so that the part's index starts the scan there."""
        sort_key, sort_key_tail, id_ = self.columns
        head = sa.bindparam(f"{name}_sort_key", type_=sort_key.type)
        if tails and cursor_tail:
            # Both have tails: the whole comparison. The index's range starts at the
            # head; the tail and the ID filter within the run of that head.
            columns = sa.tuple_(sort_key, sort_key_tail, id_)
            row = sa.tuple_(
                head,
                sa.bindparam(f"{name}_sort_key_tail", type_=sort_key_tail.type),
                sa.bindparam(f"{name}_id", type_=id_.type),
            )
        elif not tails and not cursor_tail:
            # Neither has a tail: `(head, id)`, the ordering index's own order.
            columns = sa.tuple_(sort_key, id_)
            row = sa.tuple_(head, sa.bindparam(f"{name}_id", type_=id_.type))
        elif tails:
            # A row with a tail against a position without one: an equal head puts the
            # row after the position, whose empty tail comes first.
            return sort_key >= head if greater else sort_key < head
        else:
            # A row without a tail against a position with one: an equal head puts the
            # row before the position.
            return sort_key > head if greater else sort_key <= head
        if greater:
            return columns >= row if inclusive else columns > row
        return columns <= row if inclusive else columns < row

    def before(self, name: str, *, tails: bool, cursor_tail: bool, inclusive: bool = False) -> Any:
        """Rows of one part (`part(tails=...)`) that come before the position named
        `name` (see `parameters`) in this ordering, or are it; `cursor_tail` says whether
        the position's key has a tail."""
        ascending = self.direction is OrderDirection.ASC
        return self._compare(
            name, tails=tails, cursor_tail=cursor_tail, greater=not ascending, inclusive=inclusive
        )

    def after(self, name: str, *, tails: bool, cursor_tail: bool, inclusive: bool = False) -> Any:
        """Rows of one part that come after the position named `name` in this ordering,
        or are it."""
        ascending = self.direction is OrderDirection.ASC
        return self._compare(
            name, tails=tails, cursor_tail=cursor_tail, greater=ascending, inclusive=inclusive
        )

    def order_by(
        self, *, tails: bool = True, reverse: bool = False, columns: Any = None
    ) -> list[Any]:
        """This ordering (reversed when `reverse`) of one part; with `tails`, the whole
        `(head, tail, id)`, which is also the order of both parts together. `columns`
        are the same three of another selectable (the page's two parts, joined)."""
        ascending = (self.direction is OrderDirection.ASC) != reverse
        sort_key, sort_key_tail, id_ = columns if columns is not None else self.columns
        chosen = (sort_key, sort_key_tail, id_) if tails else (sort_key, id_)
        return [column.asc() if ascending else column.desc() for column in chosen]

    def read_part(
        self, columns: list[Any], conditions: list[Any], *, tails: bool, reverse: bool, limit: int
    ) -> sa.Select[Any]:
        """The first `limit` rows of one part that meet `conditions`, in this ordering
        (reversed when `reverse`), read through the part's index."""
        select = (
            sa.select(*columns)
            .select_from(self.source)
            .where(*conditions, self.part(tails=tails))
            .order_by(*self.order_by(tails=tails, reverse=reverse))
            .limit(_written(limit))
        )
        never = any(isinstance(condition, False_) for condition in conditions)
        if tails and not never:
            # SQLite plans without knowing how few rows a partial index holds: for the
            # children of one organization it read every child through the ordering
            # index to find those with a tail. PostgreSQL counts them. (A condition that
            # never holds, an empty `parentIds`, makes SQLAlchemy write the whole WHERE
            # as `0 = 1`, and SQLite refuses an index whose condition it cannot see.)
            hint = f"INDEXED BY {self.tails_index.name}"
            select = select.with_hint(self.keyed_table, hint, dialect_name="sqlite")
        return select

    def any_of(self, conditions: Callable[[bool], list[Any]], *, reverse: bool) -> Any:
        """Whether any row meets `conditions(tails)` in either part, asked in each part
        as its first such row in this ordering (reversed when `reverse`): the part's
        index answers it in one probe from where the conditions start, whatever plan the
        database keeps."""
        probes = [
            self.read_part(
                [self.columns[-1]], conditions(tails), tails=tails, reverse=reverse, limit=1
            )
            .scalar_subquery()
            .is_not(None)
            for tails in (False, True)
        ]
        return sa.or_(*probes)


@dataclass
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass
class Edge:
    cursor: str
    node: Any


@dataclass
class CountInfo:
    count: int
    precision: CountPrecision


class CountWhenAwaited:
    """A `total` counted only if graphql-core awaits it, for a selection that does not
    name `total` (`PageRequest.total_selected`). No coroutine exists before that, so a
    connection whose `total` is not selected leaves nothing unawaited behind."""

    __slots__ = ("_count",)

    def __init__(self, count: Callable[[], Coroutine[Any, Any, CountInfo]]) -> None:
        self._count = count

    def __await__(self) -> Generator[Any, None, CountInfo]:
        return self._count().__await__()


@dataclass
class Connection:
    edges: list[Edge]
    page_info: PageInfo
    total: CountInfo | CountWhenAwaited | Exception = field(repr=False)
    """Read as an attribute, and when selected counted before the connection is
    completed, so that the executor's short path completes it with the rest (an
    awaitable field sends the whole connection to graphql-core's path). A count that
    failed is its exception, which graphql-core reports at `total`, as it would a
    failing resolver's: the page is still answered."""

    @property
    def nodes(self) -> list[Any]:
        return [edge.node for edge in self.edges]


class Ordering(Protocol):
    """An `XOrder` input: every list orders by TITLE today, the field names the cursor."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> OrderDirection: ...


@dataclass(frozen=True)
class PageRequest:
    """A validated request for one page of one list under one ordering."""

    scope: str
    ordering: str
    direction: OrderDirection
    arguments: PageArguments
    total_selected: bool
    """Whether the selection names `total`, where `@skip` and `@include` leave it in."""


def page_request(
    info: GraphQLResolveInfo,
    *,
    scope: str,
    order: Ordering | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageRequest:
    """Validate the pagination arguments of a list (VALIDATION_ERROR naming the argument).

    `scope` names the list, so that a cursor made for one list is refused by another;
    `order` None is the default order, TITLE ascending.
    """
    context = context_of(info)
    direction = order.direction if order is not None else OrderDirection.ASC
    ordering = f"{order.field.value if order is not None else 'TITLE'}:{direction.value}"
    arguments = page_arguments(
        first=first,
        after=after,
        last=last,
        before=before,
        scope=scope,
        ordering=ordering,
        cursors=context.cursors,
        default_size=context.settings.default_page_size,
        max_size=context.settings.max_page_size,
    )
    return PageRequest(scope, ordering, direction, arguments, _selects_total(info))


def _selects_total(info: GraphQLResolveInfo) -> bool:
    """Whether the connection's selection names `total`, itself or in its fragments, where
    `@skip` and `@include` leave it in (as graphql-core decides when it collects fields)."""

    def included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        return not node.directives or should_include_node(info.variable_values, node)

    pending = [node.selection_set for node in info.field_nodes]
    spread: set[str] = set()
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value == "total" and included(selection):
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if included(selection):
                    pending.append(selection.selection_set)
            elif (
                isinstance(selection, FragmentSpreadNode)
                and selection.name.value not in spread
                and included(selection)
            ):
                spread.add(selection.name.value)
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return False


STATEMENTS_PER_LISTING = 256
"""Page statements, and counts, kept per listing: one per shape, page size (or cap)
and set of filters in use."""


def _written(limit: int) -> Any:
    """`limit` as a number in the SQL's text (`PageShape.limit` says why)."""
    return sa.literal_column(str(int(limit)))


@dataclass(frozen=True)
class PageShape:
    """What a page statement's SQL depends on; the rest are its parameters."""

    direction: OrderDirection
    forward: bool
    after: bool
    before: bool
    limit: int
    """Written into the SQL, not bound: PostgreSQL's generic plan for a bound `LIMIT`
    assumes a tenth of the rows are read, so it never beats the custom plan and every
    execution is planned anew; with the number in the text one plan serves them all."""
    after_tail: bool = False
    """Whether the `after` position's key has a tail (`Keyset.has_tail`)."""
    before_tail: bool = False
    """Whether the `before` position's key has a tail."""


@dataclass(frozen=True, eq=False)
class Listing:
    """The rows of one list: a table and the condition that scopes them (such as the
    integrations of one organization), written with bound parameters, so that each
    shape of page statement, and the count, is built once and reused (building one cost
    about as much as running it). A request's own conditions (`Filters`) are written
    with bound parameters too: statements are kept per set of them.

    Written on the table's columns (`app.models.table_of`), not the model's attributes:
    a page is only read, and is read as values (`PreparedRead`), made into the model's
    row type (`app.models.row_type_of`).
    """

    model: type[SQLModel]
    scope: Any
    tails_index: sa.Index
    """The partial index that holds the list's rows whose key has a tail, in the order
    of the index that serves the list (`app.models`)."""
    through: Through | None = None
    """The table the list's keys are read from, when its scope is no column of its rows
    (`Through`)."""
    _statements: LRUCache[tuple[PageShape, tuple[Condition, ...]], "PageStatement"] = field(
        default_factory=lambda: LRUCache(maxsize=STATEMENTS_PER_LISTING), repr=False
    )
    _counts: LRUCache[tuple[int, tuple[Condition, ...]], PreparedRead] = field(
        default_factory=lambda: LRUCache(maxsize=STATEMENTS_PER_LISTING), repr=False
    )

    def keyset(self, direction: OrderDirection) -> Keyset:
        return Keyset(self.model, direction, self.tails_index, self.through)

    def page_statement(self, shape: PageShape, filters: Filters) -> "PageStatement":
        key = (shape, filters.conditions)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = PageStatement.build(self, shape, filters)
        return statement

    def count_statement(self, cap: int, filters: Filters) -> PreparedRead:
        """The count of the rows that match `filters`, up to one past `cap`: the cost
        stays bounded on large lists."""
        key = (cap, filters.conditions)
        read = self._counts.get(key)
        if read is None:
            rows = table_of(self.model)
            if self.through is None:
                source: Any = rows
            elif filters:
                source = self.through.source(rows)
            else:  # no condition names a column of the rows: the keyed table alone
                source = self.through.table
            capped = (
                sa.select(sa.literal(1))
                .select_from(source)
                .where(self.scope, *filters.clauses)
                .limit(_written(cap + 1))
            )
            read = self._counts[key] = PreparedRead(
                sa.select(sa.func.count()).select_from(capped.subquery())
            )
        return read


@dataclass(frozen=True)
class PageStatement:
    """A page's statement and, when a cursor is given, the flags it answers in passing:
    the table's columns, then one column per flag."""

    read: PreparedRead
    """A row of the model's row type, then the flags."""
    flags: tuple[str, ...]
    """The far-side flags (`previous`, `next`), as the last columns of `read`."""
    flags_alone: PreparedRead | None
    """The flags without the page, for a page that has no row to carry them."""

    @classmethod
    def build(cls, listing: Listing, shape: PageShape, filters: Filters) -> "PageStatement":
        keyset = listing.keyset(shape.direction)
        conditions = [listing.scope, *filters.clauses]

        def window(tails: bool) -> list[Any]:
            """The conditions of the rows of one part that the page may hold."""
            rows = list(conditions)
            if shape.after:
                rows.append(keyset.after("after", tails=tails, cursor_tail=shape.after_tail))
            if shape.before:
                rows.append(keyset.before("before", tails=tails, cursor_tail=shape.before_tail))
            return rows

        # The flag the page's direction does not answer: is anything beyond a cursor on
        # its far side? Asked in the page's own statement, as uncorrelated subqueries that
        # the database evaluates once, so a page after a cursor costs no more statements
        # than the first page. Each reads the nearest row beyond the cursor in the order
        # that walks away from it, rather than asking EXISTS: PostgreSQL drops an
        # EXISTS's order, and its generic plan for one scanned the table until a row
        # matched (8,500 of 100,000 rows, 1.9 ms, for the page after the first item).
        beyond: dict[str, Any] = {}
        if shape.after:
            beyond["previous"] = keyset.any_of(  # walking back from the cursor
                lambda tails: [
                    *conditions,
                    keyset.before(
                        "after", tails=tails, cursor_tail=shape.after_tail, inclusive=True
                    ),
                ],
                reverse=True,
            )
        if shape.before:
            beyond["next"] = keyset.any_of(
                lambda tails: [
                    *conditions,
                    keyset.after(
                        "before", tails=tails, cursor_tail=shape.before_tail, inclusive=True
                    ),
                ],
                reverse=False,
            )
        flag_columns = [expr.label(f"beyond_{name}") for name, expr in beyond.items()]
        # Each part is read as far as the page reaches, in its own index's order; the
        # page is the first rows of the two together.
        table_columns = list(table_of(listing.model).columns)
        parts = []
        for tails in (False, True):
            part = keyset.read_part(
                table_columns,
                window(tails),
                tails=tails,
                reverse=not shape.forward,
                limit=shape.limit,
            ).subquery()
            parts.append(sa.select(*part.c))
        both = sa.union_all(*parts).subquery("page")
        ordering = (both.c.sort_key, both.c.sort_key_tail, both.c.id)
        computed = row_columns(listing.model, computed=False)[len(table_columns) :]
        select = (
            sa.select(*both.c, *computed, *flag_columns)
            .order_by(*keyset.order_by(reverse=not shape.forward, columns=ordering))
            .limit(_written(shape.limit))
        )
        flags_alone = PreparedRead(sa.select(*flag_columns)) if flag_columns else None
        page = PreparedRead(select, entities=(row_type_of(listing.model),))
        return cls(page, tuple(beyond), flags_alone)


async def paginate(
    context: RequestContext,
    listing: Listing,
    *,
    page: PageRequest,
    parameters: dict[str, Any],
    filters: Filters = NO_FILTERS,
    scope_size: int | None = None,
) -> Connection:
    """The requested page of the rows of `listing` (its scope's bound `parameters`
    given) that match `filters`.

    `scope_size` is the number of rows in the scope, where the database keeps it (an
    organization's `integration_count`): without filters, `total` is then that number,
    capped as a count would be, and costs no statement."""
    arguments, scope, ordering = page.arguments, page.scope, page.ordering
    keyset = listing.keyset(page.direction)
    size = arguments.first if arguments.forward else arguments.last
    assert size is not None
    shape = PageShape(
        page.direction,
        arguments.forward,
        arguments.after is not None,
        arguments.before is not None,
        limit=size + 1,
        after_tail=arguments.after is not None and keyset.has_tail(arguments.after),
        before_tail=arguments.before is not None and keyset.has_tail(arguments.before),
    )
    statement = listing.page_statement(shape, filters)
    bound = {**parameters, **filters.values}
    values = dict(bound)
    if arguments.after is not None:
        values |= keyset.parameters("after", arguments.after)
    if arguments.before is not None:
        values |= keyset.parameters("before", arguments.before)

    found = await context.db.values(statement.read, values)
    found_beyond: dict[str, bool] = {}
    if statement.flags:
        if found:
            flags = found[0][-len(statement.flags) :]
        else:  # no row to carry the flags: asked on their own
            assert statement.flags_alone is not None
            (flags,) = await context.db.values(statement.flags_alone, values)
        found_beyond = dict(zip(statement.flags, map(bool, flags), strict=True))
    more_in_direction = len(found) > size
    rows = [row[0] for row in found[:size]]
    if not arguments.forward:
        rows.reverse()

    if arguments.forward:
        has_next = more_in_direction or found_beyond.get("next", False)
        has_previous = found_beyond.get("previous", False)
    else:
        has_previous = more_in_direction or found_beyond.get("previous", False)
        has_next = found_beyond.get("next", False)

    encode = context.cursors.encoder(scope, ordering)
    edges = [Edge(encode(keyset.sort_key_of(row), row.id), row) for row in rows]

    cap = context.settings.total_count_cap

    async def count_total() -> CountInfo:
        count = listing.count_statement(cap, filters)
        ((counted,),) = await context.db.values(count, bound)
        return _capped(counted, cap)

    total: CountInfo | CountWhenAwaited | Exception
    if scope_size is not None and not filters:
        total = _capped(scope_size, cap)
    elif page.total_selected:
        try:
            total = await count_total()
        except Exception as error:
            total = error
    else:
        total = CountWhenAwaited(count_total)
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total=total,
    )


def _capped(counted: int, cap: int) -> CountInfo:
    """A count of up to one past `cap` (or an exact one) as the contract answers it."""
    if counted > cap:
        return CountInfo(cap, CountPrecision.AT_LEAST)
    return CountInfo(counted, CountPrecision.EXACT)


class ConnectionType(SourcedObjectType):
    """The bindable of an `XConnection` type. Its fields read `Connection`'s attributes;
    `total` is counted only when selected (`CountWhenAwaited`)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, Connection)


class EdgeType(SourcedObjectType):
    """The bindable of an `XEdge` type."""

    def __init__(self, name: str) -> None:
        super().__init__(name, Edge)
