"""The per-request context every resolver reaches through `info.context`."""

from dataclasses import dataclass, field

from graphql import GraphQLResolveInfo

from app.database import RequestDatabase
from app.graphql.core.cursors import CursorCodec
from app.graphql.core.loaders import Loaders
from app.security.actor import Actor
from app.settings import Settings


@dataclass
class RequestContext:
    db: RequestDatabase
    settings: Settings
    cursors: CursorCodec
    trace_id: str
    loaders: Loaders = field(init=False)
    _actor: Actor | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @property
    def actor(self) -> Actor:
        """The authenticated caller; the HTTP layer refuses a request without one."""
        if self._actor is None:
            raise RuntimeError("no authenticated actor in this request")
        return self._actor

    def authenticate_as(self, actor: Actor) -> None:
        self._actor = actor


def context_of(info: GraphQLResolveInfo) -> RequestContext:
    context: RequestContext = info.context
    return context
