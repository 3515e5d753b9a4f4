"""The service and the model side by side: every write goes to both, every read is
checked against the model."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema

from app.fuzzing.checks import (
    check_node,
    check_page,
    check_refused,
    check_succeeded,
    fail,
)
from app.fuzzing.discovery import (
    ConnectionField,
    Mutations,
    NodeField,
    discover_connections,
    discover_mutations,
    node_fields,
)
from app.fuzzing.model import (
    ABSENT,
    JSON,
    CursorInfo,
    Entity,
    ExpectedPage,
    ExpectedRefusal,
    ListRef,
    ModelSettings,
    PageRequest,
    World,
    link_values,
)
from app.fuzzing.operations import (
    Answer,
    Transport,
    create_mutation,
    delete_mutation,
    execute,
    request_page,
    update_mutation,
)
from app.fuzzing.registry import DEFAULT_REGISTRY, Registry


class Unsupported(Exception):
    """The connection cannot be fuzzed without a registry entry; the message says why."""


@dataclass
class FuzzTarget:
    """One connection of a running service, and how to fuzz it."""

    schema: GraphQLSchema
    connection: ConnectionField
    transport: Transport
    registry: Registry = DEFAULT_REGISTRY
    settings: ModelSettings = field(default_factory=ModelSettings)
    reset: Callable[[], None] | None = None
    """Empties the service's data; called before every example. Lists that no argument
    scopes (such as `organizations`) are then read once to learn what they hold (the
    caller's own organization, or everything when there is no reset); the fuzzer reads
    what it finds there but never writes to it."""
    set_total_count_cap: Callable[[int | None], None] | None = None
    """Changes the service's `total` cap (None restores it), for AT_LEAST runs."""
    total_count_cap: int | None = None
    """The service's cap when not changed, if known."""
    total_count_caps: tuple[int, ...] = (0, 1, 2, 3, 5)
    max_items: int = 10
    """Creates stop at this many items in the list under test (walks stay short)."""
    expanding_titles: bool = True
    """Draw titles that NFKD expands many times over."""
    connections: Sequence[ConnectionField] = field(default_factory=list)
    """Every discovered connection (for cursors of other lists); default: discovered."""

    def __post_init__(self) -> None:
        if not self.connections:
            self.connections = discover_connections(self.schema)


class Driver:
    """Writes through the API and into the model; reads checked against the model."""

    def __init__(self, target: FuzzTarget) -> None:
        self.target = target
        self.world = World(target.registry, target.settings)
        self.cursors: dict[str, CursorInfo] = {}
        self.cap: int | None = target.total_count_cap
        self._mutations: dict[str, Mutations] = {}
        self._owners = 0

    @property
    def transport(self) -> Transport:
        return self.target.transport

    def mutations(self, node_type: str) -> Mutations:
        if node_type not in self._mutations:
            found = discover_mutations(self.target.schema, node_type)
            if found is None:
                raise Unsupported(f"{node_type} has no `{node_type[:1].lower()}...Create` mutation")
            self._mutations[node_type] = found
        return self._mutations[node_type]

    def fields(self, node_type: str) -> tuple[NodeField, ...]:
        return node_fields(self.target.schema, node_type)

    def titled_field(self, node_type: str) -> str | None:
        """The create-input field the title strategies feed (a node field an ordering reads)."""
        ordered = {key.node_field for key in self.target.registry.order_keys.values()}
        for argument in self.mutations(node_type).required_inputs:
            if argument.name in ordered and argument.named_type == "String":
                return argument.name
        return None

    # --- writes ------------------------------------------------------------------------------

    def create(self, node_type: str, title: str, links: Mapping[str, str | None]) -> Entity | None:
        """Create an item; None when the model expects the title to be refused."""
        mutations = self.mutations(node_type)
        titled = self.titled_field(node_type)
        payload: JSON = {name: value for name, value in links.items() if value is not None}
        for argument in mutations.required_inputs:
            payload[argument.name] = title if argument.name == titled else _filler(argument)
        answer = execute(
            self.transport,
            create_mutation(mutations, self.fields(node_type)),
            {"input": payload},
        )
        stored = self.world.registry.text.title(title) if titled else None
        if titled and stored is None:
            check_refused(answer, frozenset({f"input.{titled}"}))
            return None
        node = check_succeeded(answer)["result"]["node"]
        node_names = {f.name for f in self.fields(node_type)}
        values: dict[str, Any] = {
            name: value
            for name, value in self.world.registry.created_values.items()
            if name in node_names
        }
        values.update(link_values(mutations.links, links))
        if titled:
            values[titled] = stored
        entity = Entity(node_type, node["id"], 1, values, dict(links))
        check_node(node, entity, answer)
        self.world.add(entity)
        return entity

    def update(self, entity: Entity, changes: Mapping[str, Any]) -> bool:
        """Update an item; False when the model expects the update to be refused."""
        mutations = self.mutations(entity.type)
        titled = self.titled_field(entity.type)
        payload = {"id": entity.id, "version": entity.version, **changes}
        answer = execute(
            self.transport,
            update_mutation(mutations, self.fields(entity.type)),
            {"input": payload},
        )
        values = dict(changes)
        if titled and titled in changes:
            stored = self.world.registry.text.title(changes[titled])
            if stored is None:
                check_refused(answer, frozenset({f"input.{titled}"}))
                return False
            values[titled] = stored
        node = check_succeeded(answer)["result"]["node"]
        entity.version += 1
        entity.values.update(values)
        check_node(node, entity, answer)
        return True

    def delete(self, entity: Entity) -> bool:
        """Delete an item; False when the model expects the delete to be refused."""
        mutations = self.mutations(entity.type)
        answer = execute(
            self.transport,
            delete_mutation(mutations),
            {"input": {"id": entity.id, "version": entity.version}},
        )
        if self.world.delete_refused(entity):
            rules = self.world.registry.delete_rules[entity.type]
            check_refused(answer, rules.refusal_fields)
            return False
        result = check_succeeded(answer)["result"]
        if "deletedId" in result and result["deletedId"] != entity.id:
            raise fail("`deletedId` is not the deleted item's", answer)
        self.world.remove(entity)
        return True

    # --- lists -------------------------------------------------------------------------------

    def owner(self, node_type: str) -> Entity:
        """A new entity of `node_type` to own or parent a list."""
        self._owners += 1
        links = {
            link.field: self.owner(link.target).id
            for link in self.mutations(node_type).links
            if link.required
        }
        entity = self.create(node_type, f"fuzz owner {self._owners}", links)
        assert entity is not None
        return entity

    def new_list(self, connection: ConnectionField) -> ListRef:
        """A new list of the connection: its owner and parent created, none of its items."""
        if connection.problems:
            raise Unsupported(f"{connection.key}: {'; '.join(connection.problems)}")
        links = {link.field: link for link in self.mutations(connection.node_type).links}
        arguments: dict[str, str] = {}
        bindings: dict[str, str] = {}
        for argument in connection.required:
            link = links.get(argument.name)
            if link is None:
                raise Unsupported(
                    f"{connection.key}: the required argument `{argument.name}` is no "
                    f"create-input link of {connection.node_type}"
                )
            arguments[argument.name] = bindings[argument.name] = self.owner(link.target).id
        parent = None
        if not connection.root:
            placement = self.target.registry.placements.get(connection.key)
            if placement is None:
                to_parent = [
                    link for link in links.values() if link.target == connection.parent_type
                ]
                if len(to_parent) != 1:
                    raise Unsupported(
                        f"{connection.key}: no single create-input link to "
                        f"{connection.parent_type}; register a placement"
                    )
                placement = to_parent[0].field
            parent = bindings[placement] = self.owner(connection.parent_type).id
        return ListRef(
            connection, parent, tuple(sorted(arguments.items())), tuple(sorted(bindings.items()))
        )

    def fresh_list(self, connection: ConnectionField) -> ListRef:
        """`new_list`, then what the list already holds learnt (`adopt`)."""
        ref = self.new_list(connection)
        self.adopt(ref)
        return ref

    def place(self, ref: ListRef, extra: Mapping[str, str | None] | None = None) -> dict[str, Any]:
        """The create-input links of an item of `ref` (with `extra` unbound links)."""
        return {**(extra or {}), **dict(ref.bindings)}

    def adopt(self, ref: ListRef) -> None:
        """Learn what a list holds before the fuzzer wrote to it (once, from the service).
        Only lists that no argument or parent scopes hold anything the fuzzer did not make."""
        if ref.connection.required or not ref.connection.root:
            return
        mutations = self.mutations(ref.connection.node_type)
        after: Any = ABSENT
        while True:
            answer = request_page(self.transport, ref, PageRequest(first=100, after=after))
            data = check_succeeded(answer)
            page = data["page"] if ref.connection.root else data["parent"]["page"]
            for edge in page["edges"]:
                node = edge["node"]
                if node["id"] in self.world.entities:
                    continue
                values = {
                    name: (value.get("id") if isinstance(value, dict) else value)
                    for name, value in node.items()
                    if name not in ("id", "version")
                }
                links = {link.field: values.get(link.node_field) for link in mutations.links}
                self.world.add(
                    Entity(
                        ref.connection.node_type,
                        node["id"],
                        node["version"],
                        values,
                        links,
                        adopted=True,
                    )
                )
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def saved_cursors(self, scope: str | None = None, *, same: bool = True) -> list[str]:
        """The cursors seen so far (of the list `scope`, or of other lists with `same`
        False), in a replayable order."""
        chosen = [
            (info.draw_order(), cursor)
            for cursor, info in self.cursors.items()
            if scope is None or (info.scope == scope) == same
        ]
        return [cursor for _, cursor in sorted(chosen)]

    # --- reads -------------------------------------------------------------------------------

    def read(self, ref: ListRef, request: PageRequest) -> JSON | None:
        """Request a page and check it against the model: the page, or None when the
        model expects (and the service answered) a VALIDATION_ERROR."""
        expected = self.world.expect(ref, request, self.cursors)
        answer = request_page(self.transport, ref, request)
        if isinstance(expected, ExpectedRefusal):
            check_refused(answer, expected.fields, ref)
            return None
        page = check_page(self.world, ref, answer, expected, total=request.total, cap=self.cap)
        self.remember(ref, expected, page, answer)
        return page

    def remember(self, ref: ListRef, expected: ExpectedPage, page: JSON, answer: Answer) -> None:
        """Record where each cursor of a checked page points."""
        for edge in page["edges"]:
            entity = self.world.entities[edge["node"]["id"]]
            info = CursorInfo(
                ref.scope,
                expected.ordering,
                self.world.key(entity, expected.ordering),
                entity.id,
                self.world.sequence[entity.id],
            )
            known = self.cursors.setdefault(edge["cursor"], info)
            if known != info:
                raise fail(f"one cursor names two positions: {known} and {info}", answer)


def _filler(argument: Any) -> Any:
    """A value for a required create-input field the fuzzer does not vary."""
    return {"String": "fuzz", "Boolean": True, "Int": 1, "Float": 1.0}.get(
        argument.named_type, "fuzz"
    )
