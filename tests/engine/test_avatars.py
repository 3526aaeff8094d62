"""A source's face for webhook identity: the icons a home page declares (logo first, then icon,
then /favicon.ico, absolute http(s) only), each checked through the real guarded client on a
loopback site: only an image type Discord takes as an avatar, within 1 MiB, is kept."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from bot.net.client import FetchLimits, GuardedClient
from bot.news.avatars import find_avatar
from summarizer.discovery import discover_icons
from tests.discord.newsroom import LOGO
from tests.servers import serve

HOME = (
    "<!doctype html><html><head><base href='/site/'>"
    "<link rel='icon' href='icone.svg' type='image/svg+xml'>"
    "<link rel='apple-touch-icon' href='logo-geant.png'>"
    "<link rel='shortcut icon' href='javascript:alert(1)'>"
    "<link rel='icon' href='petit.png'>"
    "</head><body>Accueil</body></html>"
)


def test_icons_are_found_best_first_and_absolute() -> None:
    icons = discover_icons(HOME.encode(), "https://journal.example/une")
    assert icons == [
        "https://journal.example/site/logo-geant.png",
        "https://journal.example/site/icone.svg",
        "https://journal.example/site/petit.png",
        "https://journal.example/favicon.ico",
    ]
    assert discover_icons(b"", "https://journal.example/a") == [
        "https://journal.example/favicon.ico"
    ]
    assert discover_icons(b"\xff\xfe garbage", "https://journal.example/") == [
        "https://journal.example/favicon.ico"
    ]


async def test_only_an_avatar_image_within_its_cap_is_kept() -> None:
    hits: list[str] = []

    async def route(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path == "/":
            return web.Response(text=HOME, content_type="text/html")
        if request.path == "/site/logo-geant.png":  # a "logo" of 2 MiB: over the cap
            return web.Response(
                body=b"\x89PNG" + b"0" * (2 * 1024 * 1024), content_type="image/png"
            )
        if request.path == "/site/icone.svg":  # Discord takes no SVG avatar
            return web.Response(text="<svg/>", content_type="image/svg+xml")
        if request.path == "/site/petit.png":
            return web.Response(body=LOGO, content_type="image/png")
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", route)
    client = GuardedClient(
        user_agent="Depeche-test/0.1",
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        limits=FetchLimits(total=5, connect=2, sock_read=5),
    )
    async with serve(app) as base, client:
        found = await find_avatar(client, f"{base}/", f"{base}/flux.xml")
        assert found == f"{base}/site/petit.png"
        assert hits == ["/", "/site/logo-geant.png", "/site/icone.svg", "/site/petit.png"]
        hits.clear()
        assert await find_avatar(client, None, f"{base}/flux.xml") is None  # /favicon.ico: 404
        assert hits == ["/favicon.ico"]
