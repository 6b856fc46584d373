"""The guest's screen (``/app``) and the front desk's arrivals board (``/desk``).

Both are thin HTML shells rendered with Jinja2 plus one ES module each that calls
``POST /graphql`` with ``fetch``: the pages hold no rules and no data of their own, so
they see exactly what the same credential sees through the API (see docs/pages.md).
"""

from staytier.api.pages.routes import pages_router, pages_template_config

__all__ = ["pages_router", "pages_template_config"]
