"""The per-request context every resolver reaches through `info.context`."""

from dataclasses import dataclass, field

from graphql import GraphQLResolveInfo

from app.database import RequestDatabase
from app.graphql.core.cursors import CursorCodec
from app.graphql.core.loaders import Loaders
from app.settings import Settings


@dataclass
class RequestContext:
    db: RequestDatabase
    settings: Settings
    cursors: CursorCodec
    trace_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


def context_of(info: GraphQLResolveInfo) -> RequestContext:
    context: RequestContext = info.context
    return context
