"""Issue 30 (d, e): `oracle serve` against hostile clients, over a real socket.

A websocket without an Origin (a local program, not a browser) starts no app unless the server was
told to allow it; the apps run at once are capped (a one-line refusal page past the cap); a client's
terminal size is clamped; a malformed frame or a 200 KB URL is one line on the server's console,
never a traceback, and the app goes on.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from test_serve import Served, children, wait_for


@pytest.fixture
def plain(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def capped(tmp_path):
    server = Served(tmp_path, "--max-apps", "1")
    yield server
    server.stop()


def rss_mb(pid: int) -> float:
    from pathlib import Path

    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_no_origin_no_app_and_the_cap_refuses_with_one_line(capped):
    url, origin = capped.url, {"Origin": capped.url}

    async def scenario():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{url}/ws?width=80&height=24")
            assert refused.value.status == 403
            async with session.ws_connect(f"{url}/ws?width=80&height=24", headers=origin):
                await asyncio.to_thread(wait_for, lambda: children(capped.proc.pid), 30, "the first app")
                with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                    await session.ws_connect(f"{url}/ws?width=80&height=24", headers=origin)
                assert full.value.status == 503
                async with session.get(url) as page:
                    text = await page.text()
                    assert page.status == 503 and text.count("\n") == 0 and "close a tab" in text, text
                assert len(children(capped.proc.pid)) == 1

    asyncio.run(scenario())


def test_hostile_frames_sizes_and_urls_are_one_line_and_the_app_goes_on(plain):
    served = plain
    url = served.url

    async def scenario():
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/{'a' * 200_000}") as long_url:
                assert long_url.status >= 400
            async with session.ws_connect(f"{url}/ws?width=20000&height=20000", headers={"Origin": url}) as ws:
                app = (await asyncio.to_thread(wait_for, lambda: children(served.proc.pid), 30, "the app"))[0]
                for frame in ("not json", "[1, 2]", '["stdin", 7]', '["resize", "big"]', "{}", "[]"):
                    await ws.send_str(frame)
                await ws.send_str('["resize", {"width": 20000, "height": 20000}]')
                await ws.send_str('["ping", "still there?"]')
                reply = await ws.receive(timeout=30)
                while reply.type == aiohttp.WSMsgType.BINARY or '"pong"' not in reply.data:
                    reply = await ws.receive(timeout=30)
                assert '"still there?"' in reply.data
                await asyncio.sleep(3)  # the app draws at the size it was given
                assert rss_mb(app) < 1500, rss_mb(app)  # 20000 x 20000 cells took 5 GB

    asyncio.run(scenario())
    served.stop()
    log = served.log.read_text()
    assert "Traceback" not in log and log.count("Ignored a websocket message") == 6, log
    assert all(len(line) <= 300 for line in log.splitlines()), log
