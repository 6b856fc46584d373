"""Routes of the pages: two HTML shells, their static files, and the headers they carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import ResponseHeader, State
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import PathType

from staytier.api.pages.strings import Strings
from staytier.services.partners import Partner, PartnerKind
from staytier.services.runtime import Runtime
from staytier.settings import Settings

HERE = Path(__file__).parent

# Scripts and styles come from our own files only: no inline script or style, no eval, no
# third-party origin. The pages talk to /graphql on the same origin and nowhere else.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="Cache-Control", value="no-store"),
]


def pages_template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


def _partners(runtime: Runtime, kind: PartnerKind) -> list[Partner]:
    """The charities or airlines of the partners file, by name, for the guest's forms."""
    found = [partner for partner in runtime.partners.by_code.values() if partner.kind is kind]
    return sorted(found, key=lambda partner: partner.name)


def _page(name: str, request: Request[Any, Any, State], **context: Any) -> Template:
    strings: Strings = request.app.state.page_strings
    context.setdefault("guest_approval", request.route_handler.opt.get("guest_approvals", False))
    language, texts = strings.for_request(request.headers.get("accept-language", ""))
    return Template(
        template_name=f"{name}.html",
        context={"page": name, "language": language, "t": texts, **context},
    )


@get("/app", sync_to_thread=False, include_in_schema=False)
def guest_app(request: Request[Any, Any, State]) -> Template:
    runtime: Runtime = request.app.state.runtime
    charities = _partners(runtime, PartnerKind.CHARITY)
    return _page(
        "app",
        request,
        charities=[(charity.code, charity.name) for charity in charities],
        # The number field steps like the charities do (the service checks each one's rule).
        donation_step=min((charity.step_points or 1 for charity in charities), default=1),
        airlines=[
            (airline.code, airline.name) for airline in _partners(runtime, PartnerKind.AIRLINE)
        ],
    )


@get("/desk", sync_to_thread=False, include_in_schema=False)
def front_desk(request: Request[Any, Any, State]) -> Template:
    settings: Settings = request.app.state.settings
    return _page("desk", request, refresh_seconds=settings.desk_refresh_seconds)


def pages_router(brand_directory: str = "", *, guest_approvals: bool = False) -> Router:
    """``/app``, ``/desk`` and ``/pages/static/*``; a brand directory's ``static/`` files
    (``brand.css``, ``logo.svg``) are served in place of the shipped ones.
    ``guest_approvals``: the schema has ``requestGuestApproval``, so the guest may issue
    approval codes and the desk asks for one when it redeems for a guest."""
    directories: list[PathType] = [HERE / "static"]
    if brand_directory:
        directories.insert(0, Path(brand_directory) / "static")
    static = create_static_files_router(
        path="/pages/static", directories=directories, include_in_schema=False
    )
    return Router(
        path="/",
        route_handlers=[guest_app, front_desk, static],
        response_headers=HEADERS,
        opt={"guest_approvals": guest_approvals},
    )
