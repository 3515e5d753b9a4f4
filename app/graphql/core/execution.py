"""graphql-core's executor with a short path for fields that need no resolve info.

graphql-core gives every field a resolve-info object, an argument coercion, a resolver
call and a completion pass with several type checks. Most fields of a response need none
of that: leaves that read one attribute of their parent (an integration's `title`, an
edge's `cursor`), objects read the same way (an edge's `node`), and objects whose
resolver only needs the request's context (an integration's `organization`, from the
data loader). On a page of 20 integrations that machinery was most of the request's
execution time.

So fields without arguments are marked when the schema is built (`mark_short_paths`):

- `LeafAttribute`: a scalar or enum read by Ariadne's default (or name-converting)
  resolver; read and serialized in place.
- `ObjectAttribute`: an object type (not a list, not abstract) read the same way.
- `ObjectListAttribute`: a list of such objects read the same way.
- `ContextResolver`: an object-typed field whose resolver takes `(source, context)`,
  declared with `context_resolver`; it must be cheap and may be called twice.

A present object of such a type (each item of such a list) is completed as graphql-core
would complete it, by executing its selection, without the resolve info, which
completion reads for nothing but the error of a null in a non-null field; errors are
reported where graphql-core reports them. Each selection set is looked up and classified
once per request (`_SelectionPlan`), then served for every object of a list. Anything
out of the ordinary (a null, an awaitable, a callable attribute, a value that does not
serialize, a list item that is not a present object) takes graphql-core's own path,
which reports it exactly as before; with field middleware, every field does.

`is_awaitable` is decided per type of value: graphql-core's default looks for an
`__await__` attribute on every value, and on a SQLModel row that miss goes through
pydantic's `__getattr__` and an exception.
"""

import asyncio
from collections.abc import Callable, Mapping
from inspect import CO_ITERABLE_COROUTINE
from types import GeneratorType
from typing import Any, cast

from ariadne.resolvers import resolve_parent_field
from cachetools import LRUCache
from graphql import (
    ExecutionContext,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_non_null_type,
    located_error,
)
from graphql.execution.execute import default_field_resolver
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    Visitor,
    visit,
)
from graphql.pyutils import Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_int, serialize_string

from app.graphql.core.completers import (
    LEAF_INT,
    LEAF_SERIALIZED,
    LEAF_UNCHANGED,
    OBJECT,
    OBJECT_LIST,
    SLOW,
    TYPENAME,
    CompleteFn,
    CompleterCache,
    FieldShape,
    SelectionShape,
)

_AWAITABLE_BY_TYPE: dict[type, bool] = {}


def is_awaitable(value: Any) -> bool:
    """Whether `value` can be awaited; decided once per type."""
    value_type = type(value)
    known = _AWAITABLE_BY_TYPE.get(value_type)
    if known is not None:
        return known
    if value_type is GeneratorType:  # a generator-based coroutine, or not: per value
        return bool(value.gi_code.co_flags & CO_ITERABLE_COROUTINE)
    # Looked up on the type: an instance's own `__getattr__` never decides.
    known = _AWAITABLE_BY_TYPE[value_type] = hasattr(value_type, "__await__")
    return known


class _Attribute:
    """A resolver that reads one attribute (or mapping key) of its parent, as Ariadne's
    default resolvers do."""

    __slots__ = ("attribute",)

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def __call__(self, parent: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        # Ariadne's default resolver: a callable attribute is called.
        value = resolve_parent_field(parent, self.attribute)
        if callable(value):
            return value(info, **kwargs)
        return value


# The standard scalars' serializers that return a value of exactly this type unchanged:
# such a value needs no call. (Int checks its range, so it is called.)
_UNCHANGED_BY_SERIALIZER: dict[Callable[[Any], Any], type] = {
    serialize_string: str,
    serialize_id: str,
    serialize_boolean: bool,
}


class LeafAttribute(_Attribute):
    """A leaf field's attribute resolver, with what the short path needs."""

    __slots__ = ("non_null", "serialize", "unchanged")

    def __init__(self, attribute: str, *, non_null: bool, serialize: Callable[[Any], Any]) -> None:
        super().__init__(attribute)
        self.non_null = non_null
        self.serialize = serialize
        self.unchanged: type | None = _UNCHANGED_BY_SERIALIZER.get(serialize)
        """The type of value that serializes to itself, if any."""


class ObjectAttribute(_Attribute):
    """An object-typed field's attribute resolver."""

    __slots__ = ()


class ObjectListAttribute(_Attribute):
    """The attribute resolver of a field that is a list of objects."""

    __slots__ = ()


class ContextResolver:
    """An object-typed field's resolver that needs only its source and the request's
    context: `resolve(source, context)`."""

    __slots__ = ("resolve",)

    def __init__(self, resolve: Callable[[Any, Any], Any]) -> None:
        self.resolve = resolve

    def __call__(self, parent: Any, info: GraphQLResolveInfo) -> Any:
        return self.resolve(parent, info.context)


def context_resolver(resolve: Callable[[Any, Any], Any]) -> ContextResolver:
    """Declare a resolver of `(source, context)` for the short path. It may be called
    twice for one field (once more when its value needs graphql-core's own path), so it
    must only read, cheaply, such as from a data loader."""
    return ContextResolver(resolve)


def _attribute_read(field_name: str, field: GraphQLField) -> str | None:
    """The attribute a field's resolver reads, when it is one of Ariadne's defaults."""
    resolve = field.resolve
    if resolve is None or resolve is default_field_resolver:
        return field_name
    if getattr(resolve, "_ariadne_alias_resolver", False):
        # `resolve_to(attr_name)`, as `convert_names_case` sets it.
        cells = dict(zip(resolve.__code__.co_freevars, resolve.__closure__ or (), strict=True))
        attribute = cells.get("attr_name")
        if attribute is not None and isinstance(attribute.cell_contents, str):
            return attribute.cell_contents
    return None


def _nullable(graphql_type: Any) -> Any:
    return graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type


def _plain_object(graphql_type: Any) -> bool:
    """Whether a type is an object type (possibly non-null) that checks no `is_type_of`."""
    graphql_type = _nullable(graphql_type)
    return isinstance(graphql_type, GraphQLObjectType) and graphql_type.is_type_of is None


def _single_object(field: GraphQLField) -> bool:
    """Whether a field returns one object of a concrete type that checks no `is_type_of`."""
    return _plain_object(field.type)


def _object_list(field: GraphQLField) -> bool:
    """Whether a field returns a list of objects of such a type (not a list of lists)."""
    field_type = _nullable(field.type)
    return isinstance(field_type, GraphQLList) and _plain_object(field_type.of_type)


def mark_short_paths(schema: GraphQLSchema) -> None:
    """Mark every argument-less field the short path serves (see the module's text)."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            if field.args:
                continue
            named = get_named_type(field.type)
            attribute = _attribute_read(field_name, field)
            if isinstance(named, GraphQLScalarType | GraphQLEnumType) and attribute is not None:
                field.resolve = LeafAttribute(
                    attribute, non_null=is_non_null_type(field.type), serialize=named.serialize
                )
            elif _single_object(field) and attribute is not None:
                field.resolve = ObjectAttribute(attribute)
            elif _object_list(field) and attribute is not None:
                field.resolve = ObjectListAttribute(attribute)
            elif isinstance(field.resolve, ContextResolver) and not _single_object(field):
                raise TypeError(f"{type_name}.{field_name}: a context resolver returns one object")


_MAPPING_BY_TYPE: dict[type, bool] = {}
_SLOW_PATH = object()

# How `execute_fields` serves a field (see `_SelectionPlan`).
_LEAF, _OBJECT, _OBJECT_LIST, _OTHER = 0, 1, 2, 3


def _read_leaf(resolve: LeafAttribute, value: Any) -> Any:
    """The serialized `value` of a leaf field, or `_SLOW_PATH` when graphql-core must
    decide."""
    if value is None:
        return _SLOW_PATH if resolve.non_null else None
    if callable(value):
        return _SLOW_PATH
    try:
        serialized = resolve.serialize(value)
    except Exception:  # reported by graphql-core's own path
        return _SLOW_PATH
    if serialized is None or serialized is Undefined:
        return _SLOW_PATH
    return serialized


_Subfields = dict[str, list[FieldNode]]
_SelectionStep = tuple[
    str,
    list[FieldNode],
    GraphQLField | None,
    int,
    str | None,
    type | None,
    GraphQLObjectType | None,
    _Subfields | None,
]
"""A selected field: its response name, nodes, definition, how it is served; for a leaf
the attribute it reads and the type of value that serializes to itself; for an object or
a list of objects, the objects' type and their selection."""


_COMPLETERS = CompleterCache()


def _leaf_shape(response_name: str, resolve: LeafAttribute) -> FieldShape:
    nullable = not resolve.non_null
    if resolve.serialize is serialize_int:
        return (response_name, LEAF_INT, nullable, resolve.attribute)
    if resolve.unchanged is not None:
        return (response_name, LEAF_UNCHANGED, nullable, resolve.attribute, resolve.unchanged)
    return (response_name, LEAF_SERIALIZED, nullable, resolve.attribute, resolve.serialize)


class _SelectionPlan:
    """How one selection set of one object type is served: the fields looked up and
    classified once per request, then reused for every object of a list; and, when every
    field is one the short path serves, the selection's shape and its completer
    (`app.graphql.core.completers`)."""

    __slots__ = ("completer", "fields", "parent_type", "shape", "steps")

    def __init__(
        self,
        parent_type: GraphQLObjectType,
        fields: _Subfields,
        collect_subfields: Callable[[GraphQLObjectType, list[FieldNode]], _Subfields],
        plan_for: Callable[[GraphQLObjectType, _Subfields], "_SelectionPlan"],
    ) -> None:
        self.parent_type = parent_type
        self.fields = fields  # held, so that its id is not reused while the plan is kept
        type_fields = parent_type.fields
        steps: list[_SelectionStep] = []
        field_shapes: list[FieldShape] | None = []
        nested: dict[int, CompleteFn] = {}
        for response_name, field_nodes in fields.items():
            field_name = field_nodes[0].name.value
            field = type_fields.get(field_name)
            resolve = field.resolve if field is not None else None
            kind, attribute, unchanged, object_type, subfields = _OTHER, None, None, None, None
            field_shape: FieldShape | None = None
            if isinstance(resolve, LeafAttribute):
                kind, attribute, unchanged = _LEAF, resolve.attribute, resolve.unchanged
                field_shape = _leaf_shape(response_name, resolve)
            elif isinstance(resolve, ObjectAttribute | ContextResolver | ObjectListAttribute):
                kind = _OBJECT_LIST if isinstance(resolve, ObjectListAttribute) else _OBJECT
                object_type = cast(GraphQLObjectType, get_named_type(field.type))
                subfields = collect_subfields(object_type, field_nodes)
                if field_shapes is not None:
                    below = plan_for(object_type, subfields)
                    if below.completer is not None:
                        nested[len(field_shapes)] = below.completer
                        field_shape = (
                            response_name,
                            OBJECT_LIST if kind == _OBJECT_LIST else OBJECT,
                            not is_non_null_type(field.type),
                            getattr(resolve, "attribute", None),
                            resolve.resolve if isinstance(resolve, ContextResolver) else None,
                            below.shape,
                        )
            elif field is None and field_name == "__typename":
                field_shape = (response_name, TYPENAME, False)
            if field_shape is None:
                field_shapes = None
            elif field_shapes is not None:
                field_shapes.append(field_shape)
            steps.append(
                (
                    response_name,
                    field_nodes,
                    field,
                    kind,
                    attribute,
                    unchanged,
                    object_type,
                    subfields,
                )
            )
        self.steps = steps
        self.shape: SelectionShape | None = None
        self.completer: CompleteFn | None = None
        if field_shapes is not None:
            self.shape = (parent_type.name, tuple(field_shapes))
            self.completer = _COMPLETERS.completer(self.shape, nested)


class _SharedCaches:
    """What executions of one operation share: its collected selections (graphql-core's
    `_subfields_cache`) and their plans."""

    __slots__ = ("fragments", "operation", "plans", "subfields")

    def __init__(
        self, operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> None:
        # Held: the caches' keys are ids of their nodes.
        self.operation = operation
        self.fragments = tuple(fragments.values())
        self.plans: dict[int, _SelectionPlan] = {}
        self.subfields: dict[tuple[Any, ...], _Subfields] = {}


class _DirectiveVariables(Visitor):
    """Finds a variable read inside a directive's arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self._in_directive = 0

    def enter_directive(self, *_: Any) -> None:
        self._in_directive += 1

    def leave_directive(self, *_: Any) -> None:
        self._in_directive -= 1

    def enter_variable(self, *_: Any) -> None:
        self.found = self.found or self._in_directive > 0


class _OperationCaches:
    """The shared caches of the operations executed lately (parsed documents are kept,
    so the same text executes the same operation node), the least recently used
    dropped beyond `size`."""

    def __init__(self, size: int = 512) -> None:
        self._caches: LRUCache[int, _SharedCaches | OperationDefinitionNode] = LRUCache(
            maxsize=size
        )

    def caches(
        self, operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> _SharedCaches | None:
        """The operation's shared caches; None when a directive reads a variable (`@skip`
        or `@include` then decides per execution which fields are selected)."""
        key = id(operation)
        found = self._caches.get(key)
        if found is not None:
            held = found.operation if isinstance(found, _SharedCaches) else found
            if held is operation:
                return found if isinstance(found, _SharedCaches) else None
        finder = _DirectiveVariables()
        for node in (operation, *fragments.values()):
            visit(node, finder)
        made: _SharedCaches | OperationDefinitionNode = (
            operation if finder.found else _SharedCaches(operation, fragments)
        )
        self._caches[key] = made
        return made if isinstance(made, _SharedCaches) else None


_OPERATION_CACHES = _OperationCaches()


class FieldExecutionContext(ExecutionContext):
    """graphql-core's execution, with the short path for marked fields."""

    is_awaitable = staticmethod(is_awaitable)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By the selection's id: graphql-core keeps one `fields` per selection set and
        # type for the whole execution (its `_subfields_cache`), and the plan holds it.
        # When the operation's selections do not depend on its variables, both caches
        # are the operation's own, shared by every execution of it. The root selection
        # is collected anew by every execution: its plan stays with the execution, or
        # the shared plans would gain one per request.
        self._plans: dict[int, _SelectionPlan] = {}
        self._shared_plans = self._plans
        shared = _OPERATION_CACHES.caches(self.operation, self.fragments)
        if shared is not None:
            self._shared_plans = shared.plans
            self._subfields_cache = shared.subfields

    def _plan(
        self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]], root: bool = False
    ) -> _SelectionPlan:
        plans = self._plans if root else self._shared_plans
        plan = plans.get(id(fields))
        if plan is None or plan.fields is not fields or plan.parent_type is not parent_type:
            plan = plans[id(fields)] = _SelectionPlan(
                parent_type, fields, self.collect_subfields, self._plan
            )
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        # graphql-core's `execute_fields`, with marked fields served in place.
        if self.middleware_manager is not None:  # middleware wraps every resolver call
            return super().execute_fields(parent_type, source_value, path, fields)
        source_type = type(source_value)
        is_mapping = _MAPPING_BY_TYPE.get(source_type)
        if is_mapping is None:
            is_mapping = _MAPPING_BY_TYPE[source_type] = issubclass(source_type, Mapping)
        plan = self._plan(parent_type, fields, root=path is None)
        if plan.completer is not None and not is_mapping:
            completed = plan.completer(source_value, self.context_value)
            if completed is not SLOW:
                return completed
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for step in plan.steps:
            (
                response_name,
                field_nodes,
                field,
                kind,
                attribute,
                unchanged,
                object_type,
                subfields,
            ) = step
            if kind == _LEAF:
                try:
                    value = (
                        source_value.get(attribute)
                        if is_mapping
                        else getattr(source_value, attribute, None)  # type: ignore[arg-type]
                    )
                except Exception:  # reported by graphql-core's own path
                    value = _SLOW_PATH
                if type(value) is unchanged:
                    results[response_name] = value
                    continue
                if value is not _SLOW_PATH:
                    value = _read_leaf(field.resolve, value)  # type: ignore[union-attr,arg-type]
                    if value is not _SLOW_PATH:
                        results[response_name] = value
                        continue
            field_path = Path(path, response_name, parent_type.name)
            result: Any = _SLOW_PATH
            if kind in (_OBJECT, _OBJECT_LIST):
                result = self._complete_objects(
                    source_value,
                    is_mapping,
                    field,  # type: ignore[arg-type]
                    object_type,  # type: ignore[arg-type]
                    subfields,  # type: ignore[arg-type]
                    field_nodes,
                    field_path,
                )
            if result is _SLOW_PATH:
                result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:  # awaited in place: gather would add a task
                (name,) = awaitable_fields
                results[name] = await results[name]
                return results
            awaited = await asyncio.gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _complete_objects(
        self,
        source: Any,
        is_mapping: bool,
        field: GraphQLField,
        object_type: GraphQLObjectType,
        subfields: _Subfields,
        field_nodes: list[FieldNode],
        path: Path,
    ) -> Any:
        """`execute_field` for an `ObjectAttribute`, `ContextResolver` or
        `ObjectListAttribute` field, without the resolve info; `_SLOW_PATH` when the value
        needs graphql-core's own path."""
        resolve = field.resolve
        try:
            if isinstance(resolve, ContextResolver):
                value = resolve.resolve(source, self.context_value)
            else:
                attribute = resolve.attribute  # type: ignore[union-attr]
                value = source.get(attribute) if is_mapping else getattr(source, attribute, None)
        except Exception:  # reported by graphql-core's own path
            return _SLOW_PATH
        if _needs_graphql_core(value):
            return _SLOW_PATH
        is_list = isinstance(resolve, ObjectListAttribute)
        # A null, exception or awaitable item needs the resolve info (for its error) or
        # graphql-core's scheduling: then the whole list takes its path.
        if is_list and (type(value) is not list or any(map(_needs_graphql_core, value))):
            return _SLOW_PATH
        return_type = field.type
        try:
            # What graphql-core's completion comes to for a present object of a concrete
            # type without `is_type_of`: its fields, executed.
            if is_list:
                item_type = _nullable(return_type).of_type
                completed = self._complete_items(
                    object_type, item_type, value, subfields, field_nodes, path
                )
            else:
                completed = self.execute_fields(object_type, value, path, subfields)
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, path.as_list()), return_type, path
            )
            return None
        if not is_awaitable(completed):
            return completed
        return self._awaited(completed, return_type, field_nodes, path)

    def _complete_items(
        self,
        object_type: GraphQLObjectType,
        item_type: Any,
        items: list[Any],
        subfields: dict[str, list[FieldNode]],
        field_nodes: list[FieldNode],
        path: Path,
    ) -> Any:
        """graphql-core's `complete_list_value` for a list of present objects."""
        completed_items: list[Any] = []
        awaitable_indices: list[int] = []
        for index, item in enumerate(items):
            item_path = Path(path, index, None)
            try:
                completed = self.execute_fields(object_type, item, item_path, subfields)
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, item_path.as_list())
                self.handle_field_error(error, item_type, item_path)
                completed = None
            if is_awaitable(completed):
                completed = self._awaited(completed, item_type, field_nodes, item_path)
                awaitable_indices.append(index)
            completed_items.append(completed)
        if not awaitable_indices:
            return completed_items

        async def get_completed_items() -> list[Any]:
            awaited = await asyncio.gather(*(completed_items[index] for index in awaitable_indices))
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed_items[index] = value
            return completed_items

        return get_completed_items()

    async def _awaited(
        self, completed: Any, return_type: Any, field_nodes: list[FieldNode], path: Path
    ) -> Any:
        """A completion's awaited value; its failure a field error at `path`, as
        graphql-core reports it."""
        try:
            return await completed
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None


def _needs_graphql_core(value: Any) -> bool:
    """Whether an object field's value (or a list item) needs graphql-core's own path:
    a null or `Undefined` (completed as null, whose error reads the resolve info), an
    exception (raised where it stands), a callable (Ariadne's default resolver calls it)
    or an awaitable."""
    return (
        value is None
        or value is Undefined
        or isinstance(value, Exception)
        or callable(value)
        or is_awaitable(value)
    )
