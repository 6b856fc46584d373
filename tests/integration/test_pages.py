"""The page shells themselves, without a browser: the headers that keep them strict, the
texts in one place, and a brand's logo, colours and texts served in place of ours."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from staytier.api.pages.strings import SHIPPED, Strings
from staytier.services.runtime import Runtime
from tests.support import make_app

PAGES = ("/app", "/desk")
TEMPLATES = Path(SHIPPED).parent / "templates"
SCRIPTS = Path(SHIPPED).parent / "static"


def http(runtime: Runtime, **settings: object) -> httpx.AsyncClient:
    app = make_app(runtime, strict=True, **settings)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pages.test")


async def test_both_pages_carry_a_policy_that_allows_only_our_own_files(runtime: Runtime) -> None:
    async with http(runtime) as client:
        for path in PAGES:
            response = await client.get(path)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            policy = response.headers["content-security-policy"]
            assert "default-src 'none'" in policy
            assert "script-src 'self'" in policy and "style-src 'self'" in policy
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
            assert "frame-ancestors 'none'" in policy
            assert response.headers["referrer-policy"] == "no-referrer"
            # The only <script> without a src is the texts, a JSON data block.
            inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
            assert inline == [' type="application/json" id="page-strings"']
            assert " style=" not in response.text and "<style" not in response.text


def test_no_text_is_written_in_a_template_or_script_outside_the_strings_file() -> None:
    """Every visible text comes from strings/<language>.toml: templates only print t[...]."""
    texts = Strings().by_language["en"]
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        for key in re.findall(r"""t\[["']([\w.]+)["']\]""", source):
            assert key in texts, f"{template.name} uses {key}, missing from en.toml"
    for script in SCRIPTS.glob("*.js"):
        for key in re.findall(r"""\bt\("([\w.]+)"[,)]""", script.read_text()):
            assert key in texts, f"{script.name} uses {key}, missing from en.toml"


async def test_a_brand_directory_replaces_the_logo_colours_and_texts(
    runtime: Runtime, tmp_path: Path
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "brand.css").write_text(":root { --brand: #5b1a33; }\n")
    (tmp_path / "static" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (tmp_path / "strings").mkdir()
    (tmp_path / "strings" / "en.toml").write_text('[brand]\nname = "Maison <Rewards>"\n')
    async with http(runtime, pages_brand=str(tmp_path)) as client:
        page = (await client.get("/app")).text
        assert "<title>My account · Maison &lt;Rewards&gt;</title>" in page
        assert (await client.get("/pages/static/brand.css")).text == ":root { --brand: #5b1a33; }\n"
        logo = (await client.get("/pages/static/logo.svg")).text
        assert logo == '<svg xmlns="http://www.w3.org/2000/svg"/>\n'
        # What the brand does not replace is the shipped file.
        assert "pages.js" in (await client.get("/pages/static/app.js")).text


def test_the_page_language_follows_accept_language_and_falls_back_to_english(
    tmp_path: Path,
) -> None:
    strings = Strings()
    assert strings.for_request("")[0] == "en"
    assert strings.for_request("xx-YY, en;q=0.5")[0] == "en"
    assert strings.for_request("tlh;q=0, en-GB;q=0.8")[1]["app.title"] == "My account"


async def test_the_desk_is_told_how_often_to_refresh(runtime: Runtime) -> None:
    async with http(runtime, desk_refresh_seconds=7) as client:
        assert 'data-refresh-seconds="7"' in (await client.get("/desk")).text
