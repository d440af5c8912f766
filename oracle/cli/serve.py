"""`oracle serve`: the app in web browsers, one app process per browser tab (textual-serve).

Each tab that connects starts its own `oracle app` process, which speaks Textual's web driver protocol
over its stdin and stdout. Closing the tab tells that app to quit: its reading stops and its training
saves a checkpoint and stops, as quitting does. Ctrl-C (or SIGTERM) stops the server, which first tells
every app it started to quit and waits for each to end.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import shlex
import signal
import socket
import sys
import time
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlsplit

from oracle.engine import OracleError

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
WILDCARDS = {"0.0.0.0", "::", ""}
# The page a browser loads tells it where to open the app's websocket. textual-serve builds that address
# from the host it listens on, which for 0.0.0.0 is no address a browser elsewhere can use; the address
# the browser itself asked for always is.
_asked_for: ContextVar[str | None] = ContextVar("asked_for", default=None)
DEFAULT_MAX_APPS = 8  # each app is a process of its own (~200 MB, more while it trains)
# A browser asks for its window's size in cells; a hostile client may ask for 20000 x 20000 (GBs of
# screen buffers in one app). Far beyond any real screen, far below that.
MAX_COLUMNS, MAX_ROWS = 1000, 400


def add_serve(sub, number) -> None:
    p = sub.add_parser("serve", help="serve the app to web browsers: each tab gets its own app",
                       description="Serve the app to web browsers (textual-serve): each browser tab gets its own "
                                   "app, and closing the tab ends it. For trusted networks only: whoever can reach "
                                   "the address can train, rename and delete models.")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every network)")
    p.add_argument("--port", type=_port, default=8000, help="the TCP port (default 8000)")
    p.add_argument("--max-apps", type=_count, default=DEFAULT_MAX_APPS, metavar="N",
                   help=f"run at most N apps (browser tabs) at once; more get a one-line refusal (default {DEFAULT_MAX_APPS})")
    p.add_argument("--allow-no-origin", action="store_true",
                   help="also start apps for websockets without an Origin header (programs, not browsers); "
                        "by default only this server's own page may start one")
    p.set_defaults(func=run_serve)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError(f"--max-apps {text!r} is not a whole number from 1 to 10000")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a port number from 1 to 65535")
    return int(text)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well be reachable from elsewhere


def url_for(host: str, port: int) -> str:
    """The address to print: one a browser can open (a wildcard address becomes this machine's name)."""
    if host in WILDCARDS:
        host = socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def app_command() -> str:
    """The shell command textual-serve runs for each tab: this Python, this package, the served driver.

    `exec` makes the app the server's own child, so that no shell is left between them to outlive it.
    Ctrl-C in the server's terminal reaches the apps too; an app still importing would die of it with a
    traceback, so they start with SIGINT ignored: the server tells each to quit (and the web driver,
    once running, handles SIGINT as a quit of its own).
    """
    driver = "oracle.tui.served_driver:ServedDriver"
    return f"trap '' INT; TEXTUAL_DRIVER={driver} exec {shlex.quote(sys.executable)} -m oracle app"


def clamp_size(value, default: int, most: int) -> int:
    """A terminal size from a client: a whole number from 1 to `most` (`default` when it is not a number)."""
    try:
        number = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default
    return max(1, min(most, number))


class OneLine(logging.Formatter):
    """Server log lines without tracebacks: a malformed request is the client's problem, said in one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            line = f"{line}: {err.__class__.__name__}: {str(err)[:200]}"
        return " ".join(line.split())[:300]

    def formatException(self, ei) -> str:
        return ""


def make_server(host: str, port: int, max_apps: int = DEFAULT_MAX_APPS, allow_no_origin: bool = False):
    import asyncio  # here, not at the top: every command builds this verb's parser, few serve (~20 ms)

    from aiohttp import WSMsgType, web
    from textual_serve.server import Server

    class OracleServer(Server):
        """textual-serve's server, plus: a tab's websocket must come from the page this server gave it, the
        page points the browser back at the address it asked for, and stopping ends every app first."""

        def __init__(self) -> None:
            self.sessions: set[asyncio.Task] = set()
            super().__init__(app_command(), host=host, port=port, title="Oracle")

        @property
        def public_url(self) -> str:
            return _asked_for.get() or self._listen_url

        @public_url.setter
        def public_url(self, value: str) -> None:  # textual-serve's __init__ sets it from the listening host
            self._listen_url = value

        def initialize_logging(self) -> None:
            # One line per event on the server's console, never a traceback: a non-JSON websocket
            # frame or a 200 KB URL is the client's mistake (textual-serve and aiohttp print 128 lines).
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(OneLine())
            logging.basicConfig(level="DEBUG" if self.debug else "INFO", handlers=[handler], force=True)
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # not a line per static file

        async def on_startup(self, app) -> None:
            pass  # textual-serve prints its logo and the app's command line here; we print once listening

        def serve(self, debug: bool = False) -> None:
            # textual-serve's serve(), but the address is printed only once the port is really ours.
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(signum, self.request_exit)
                except NotImplementedError:  # Windows: Ctrl-C still ends the process
                    pass
            web.run_app(self._make_app(), host=host, port=port, handle_signals=False, loop=loop,
                        print=lambda _banner: print(f"Oracle is served at {url_for(host, port)}  (each browser tab "
                                                    "gets its own app; Ctrl-C stops the server and every app it "
                                                    "started)", flush=True))

        async def handle_index(self, request):
            if refusal := refuse(request, host):
                raise web.HTTPForbidden(text=refusal)
            if len(self.sessions) >= max_apps:
                raise web.HTTPServiceUnavailable(text=full(max_apps))
            token = _asked_for.set(f"{request.scheme}://{request.host}")
            try:
                return await super().handle_index(request)
            finally:
                _asked_for.reset(token)

        async def handle_websocket(self, request):
            if refusal := refuse(request, host, websocket=True, allow_no_origin=allow_no_origin):
                raise web.HTTPForbidden(text=refusal)
            if len(self.sessions) >= max_apps:
                raise web.HTTPServiceUnavailable(text=full(max_apps))
            query = request.rel_url.query
            request = request.clone(rel_url=request.rel_url.update_query(
                width=clamp_size(query.get("width"), 80, MAX_COLUMNS), height=clamp_size(query.get("height"), 24, MAX_ROWS)))
            task = asyncio.current_task()
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def _process_messages(self, websocket, app_service) -> None:
            # textual-serve's loop, for a client that may send anything: a frame that is not a JSON
            # list of a known kind is one log line and ignored (it raised and printed a traceback),
            # and a resize is clamped like the first size.
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    kind, data = _envelope(message.data)
                except ValueError as err:
                    logging.getLogger("oracle.serve").warning("Ignored a websocket message that %s.", err)
                    continue
                if kind == "stdin" and isinstance(data, str):  # _envelope checked these kinds; the checker sees it here
                    await app_service.send_bytes(data.encode("utf-8", "replace"))
                elif kind == "resize" and isinstance(data, dict):
                    await app_service.set_terminal_size(clamp_size(data.get("width"), 80, MAX_COLUMNS),
                                                        clamp_size(data.get("height"), 24, MAX_ROWS))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()

        async def on_shutdown(self, app) -> None:
            # Cancelling a tab's handler makes textual-serve tell its app to quit and wait for it to end:
            # each app saves its training, and no app outlives the server.
            sessions = list(self.sessions)
            for task in sessions:
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)
            # textual-serve stops waiting for an app when its output ends, which is when Python closes its
            # stdout, a moment before the process is gone (torch's teardown can take a second on a busy
            # machine). Wait for the last one, so none outlives the server and asyncio reaps each while
            # its loop still runs (else it logs "Loop ... that handles pid ... is closed" at exit).
            deadline = time.monotonic() + 30
            while child_pids(os.getpid()) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.05)  # the reaped apps' exit callbacks

    return OracleServer()


def child_pids(pid: int) -> list[int]:
    """This process's children, exited or not, from /proc (empty where there is none: no wait there)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def _envelope(text: str) -> tuple[str, object]:
    """A client message as (kind, data), or ValueError saying what is wrong with it."""
    import json

    try:
        envelope = json.loads(text)
    except ValueError:
        raise ValueError("is not JSON") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise ValueError("is not a list that starts with its kind")
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin" and not isinstance(data, str):
        raise ValueError("is input but not text")
    if kind == "resize" and not isinstance(data, dict):
        raise ValueError("is a resize without a size")
    return kind, data


def full(max_apps: int) -> str:
    return f"Oracle is already running {max_apps} apps, the most it starts at once: close a tab, then reload this page."


def refuse(request, host: str, websocket: bool = False, allow_no_origin: bool = False) -> str | None:
    """Why a request may not have the page or start an app, or None.

    Browsers let any web page open a websocket to any address, this machine's included: a page from
    elsewhere could otherwise drive the app (train, delete models). A browser always sends the page's
    Origin with a websocket, so it must be this server; a websocket without one comes from a program,
    not a browser, and is refused unless the server was told to allow it (--allow-no-origin). Served on
    loopback, the Host must be a loopback
    name too, so a hostile name that resolves to 127.0.0.1 (DNS rebinding) is refused as well.
    """
    origin = request.headers.get("Origin")
    if websocket and origin is None and not allow_no_origin:  # any local program could otherwise drive an app
        return "Oracle only starts an app for its own page (this request has no Origin): open the page in a browser."
    if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
        return "Oracle only starts for its own page, not for a page from another site."
    if is_loopback(host) and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
        return f"Oracle is served on this machine only: open http://127.0.0.1:{request.url.port or 80}/ instead."
    return None


def run_serve(args) -> int:
    if not is_loopback(args.host):
        print(f"oracle: warning: serving on {args.host}: anyone who can reach this address can train and delete "
              "models; use it on trusted networks only.", file=sys.stderr, flush=True)
    server = make_server(args.host, args.port, args.max_apps, args.allow_no_origin)
    try:
        server.serve()
    except OSError as err:  # the port is taken, the address is not this machine's, the name does not resolve
        # asyncio's own text repeats the address; the system's words for the errno say it once.
        why = os.strerror(err.errno) if err.errno and err.errno > 0 else err.strerror or str(err)
        raise OracleError(f"Cannot serve on {args.host} port {args.port}: {why}; "
                          "pick another --port or --host.") from None
    return 0
