"""The GraphiQL explorer at GET /graphql, served whole by the service.

Its scripts and stylesheets are files of this project, served under /graphql/explorer/:
GraphiQL, React and ReactDOM are bundles vendored from pinned npm packages
(`app/tools/explorer_assets.py`), next to the page's own `explorer.js` and
`explorer.css`. No CDN is involved, so the page works on a network without the internet,
and its Content-Security-Policy keeps every request on the service's own origin.

A key can be handed to the page in the URL's fragment, `/graphql#key=ik_…` (what the
first start and `python -m app.cli key --url` print): browsers never send a fragment to
the server, so the key reaches neither the service nor its logs; `explorer.js` puts it
into GraphiQL's headers and removes it from the address bar.
"""

import gzip
import hashlib
import html
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ariadne.explorer import Explorer
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.graphql.core.headers import header_qualities
from app.tools.explorer_assets import read_manifest

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "explorer"
VENDOR_DIR = STATIC_DIR / "vendor"
ASSET_PATH = "/graphql/explorer"

MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# Scripts only from the service's own files (none inline); GraphiQL's fonts are data:
# URLs inside its stylesheet. A meta element rather than a header, because Ariadne's
# handler renders the page.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # GraphiQL's menus add <style> elements (to lock scrolling while open).
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)

# A file's URL carries a digest of its content, so it may be cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    name: str
    content: bytes
    gzipped: bytes
    media_type: str
    digest: str
    """The sha256 of `content`, in hex."""

    @property
    def url(self) -> str:
        return f"{ASSET_PATH}/{self.name}?v={self.digest[:16]}"

    def etag(self, encoding: str) -> str:
        return f'"{self.digest[:32]}{"-" + encoding if encoding else ""}"'


def _asset(name: str, path: Path) -> Asset:
    content = path.read_bytes()
    return Asset(
        name=name,
        content=content,
        gzipped=gzip.compress(content, compresslevel=9, mtime=0),
        media_type=MEDIA_TYPES[path.suffix],
        digest=hashlib.sha256(content).hexdigest(),
    )


@cache
def explorer_assets() -> dict[str, Asset]:
    """Every file the explorer page loads, by name."""
    vendored = [name for name in read_manifest(VENDOR_DIR) if Path(name).suffix in MEDIA_TYPES]
    assets = [_asset(name, VENDOR_DIR / name) for name in vendored]
    assets += [_asset(name, STATIC_DIR / name) for name in ("explorer.js", "explorer.css")]
    return {asset.name: asset for asset in assets}


def _script_json(value: Any) -> str:
    """JSON that cannot end the <script> element it is embedded in."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(title: str, default_query: str, endpoint: str) -> str:
    assets = explorer_assets()
    config = {"endpoint": endpoint, "defaultQuery": default_query}
    # explorer.js runs first and at once (it takes the key out of the URL); the bundles
    # are deferred and run in order before it renders GraphiQL.
    scripts = "\n    ".join(
        f'<script src="{assets[name].url}" defer></script>'
        for name in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />
    <meta name="referrer" content="no-referrer" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link rel="icon" href="data:," />
    <title>{html.escape(title)}</title>
    <link rel="stylesheet" href="{assets["graphiql.min.css"].url}" />
    <link rel="stylesheet" href="{assets["explorer.css"].url}" />
    <script id="explorer-config" type="application/json">{_script_json(config)}</script>
    <script src="{assets["explorer.js"].url}"></script>
    {scripts}
  </head>
  <body>
    <div id="graphiql">
      <div class="loading">Loading {html.escape(title)}…</div>
    </div>
  </body>
</html>
"""


def explorer_url(public_url: str, key: str) -> str:
    """The explorer at `public_url` with `key` set, the key in the fragment."""
    return f"{public_url.rstrip('/')}/graphql#key={key}"


class GraphiQLExplorer(Explorer):
    """GraphiQL opening with `default_query`, its files served by `router`."""

    def __init__(self, title: str, default_query: str, endpoint: str = "/graphql") -> None:
        self.page = render_page(title, default_query, endpoint)

    def html(self, request: Any) -> str:
        return self.page


def _accepts_gzip(request: Request) -> bool:
    qualities = header_qualities(request.headers.get("accept-encoding", ""))
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def asset_response(request: Request, name: str) -> Response:
    asset = explorer_assets().get(name)
    if asset is None:
        return PlainTextResponse("No such explorer file.\n", status_code=404)
    encoding = "gzip" if _accepts_gzip(request) else ""
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": asset.etag(encoding),
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if_none_match = request.headers.get("if-none-match", "")
    if asset.etag(encoding) in if_none_match or if_none_match.strip() == "*":
        return Response(status_code=304, headers=headers)
    if encoding:
        headers["Content-Encoding"] = encoding
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.content, media_type=asset.media_type, headers=headers)


router = APIRouter()


@router.api_route(f"{ASSET_PATH}/{{name}}", methods=["GET", "HEAD"], include_in_schema=False)
async def explorer_asset(request: Request, name: str) -> Response:
    """A file of the explorer page: its scripts and stylesheets."""
    return asset_response(request, name)
