"""`oracle serve`: the app in a real headless Chromium, one app process per tab, which ends with its tab
or with the server's Ctrl-C; pages from elsewhere are refused; an app whose tab or server went away
saves its training and ends.

The browser test needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Outside CI it
is skipped when they are missing; in CI (CI=true) it fails instead, so a missing browser is never a
silent pass.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import aiohttp
import pytest

from oracle.engine import store
from oracle.engine.train import trainer as train

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SERVED_DRIVER = "oracle.tui.served_driver:ServedDriver"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (from /proc: no extra dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float, what: str, step: float = 0.1):
    start = time.monotonic()
    while not (value := predicate()):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(step)
    return value


def ended(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class Served:
    """`oracle serve` on a free local port, in this test's ORACLE_HOME, its output in a file (a pipe no one
    reads could fill up and stall it)."""

    def __init__(self, folder: Path, *more: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "oracle", "serve", "--port", str(self.port), *more],
                                         stdout=out, stderr=subprocess.STDOUT, text=True)
        # The address is printed once the port is listening.
        wait_for(lambda: "Oracle is served at" in self.log.read_text() or self.proc.poll() is not None, 60,
                 "the server to listen")
        assert f"Oracle is served at {self.url}" in self.log.read_text(), self.log.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


# ---- the real browser ------------------------------------------------------------------------

# The terminal is drawn on a canvas, so its text is not in the DOM. textual-serve keeps its xterm.js
# Terminal on the object that drives the page (`.terminal`); catching that assignment before the page's
# script runs lets the test read the terminal's own buffer, line by line, as the reader sees it.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer) window.__oracleTerminal = value;
  },
});
"""
SCREEN_TEXT = """
const t = window.__oracleTerminal;
if (!t) return "";
const lines = [];
for (let i = 0; i < t.buffer.active.length; i++) lines.push(t.buffer.active.getLine(i).translateToString(true));
return lines.join("\\n");
"""


def chromium():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing: .ci/run installs them with apt-get")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,800"):
        options.add_argument(arg)
    # An explicit driver path: Selenium then never tries to download one.
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def test_each_browser_tab_gets_its_own_app_which_answers_and_ends_with_its_tab_or_ctrl_c(served, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = chromium()
    try:
        browser.get(served.url)  # a first tab, left open on the side
        (other_app,) = wait_for(lambda: children(served.proc.pid), 30, "the first tab's app process")
        other_tab = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})  # this tab's
        browser.get(served.url)
        (app,) = wait_for(lambda: set(children(served.proc.pid)) - {other_app}, 30, "the second tab's app process")

        def screen() -> str:
            return browser.execute_script(SCREEN_TEXT)

        wait_for(lambda: "default (shipped)" in screen() and "Ask the oracle" in screen(), 40,
                 "the Oracle screen on the shipped default model")
        before = screen()
        browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("what is wisdom?", Keys.ENTER)
        wait_for(lambda: "what is wisdom?" in screen(), 10, "the question on screen")
        lengths = []  # how much text the screen shows, sampled while the answer streams in

        def settled() -> bool:
            lengths.append(len("".join(screen().split())))
            return len(lengths) > 3 and lengths[-1] == lengths[-2] == lengths[-3] > lengths[0]

        wait_for(settled, 30, "the answer to stream in and finish", step=0.25)
        assert len(set(lengths)) > 2, f"the answer appeared all at once rather than streaming: {lengths}"
        assert screen() != before
        browser.save_screenshot(str(tmp_path / "served.png"))

        browser.close()  # this tab only: the browser and the first tab stay open
        browser.switch_to.window(other_tab)
        wait_for(lambda: ended(app), 20, "the app to end with its tab")
        assert children(served.proc.pid) == [other_app]  # the other tab's app goes on, and so does the server

        served.proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert served.proc.wait(30) == 0
        assert ended(other_app)
    finally:
        browser.quit()


# ---- the server without a browser ------------------------------------------------------------

async def handshake_status(url: str, **headers) -> int:
    """Do what a tab's page does, open the websocket that starts an app; return the HTTP status."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"{url}/ws?width=80&height=24", headers=headers):
                return 101  # switched protocols: an app was started (and ends as this closes)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


def test_a_page_from_elsewhere_cannot_start_an_app(served):
    rebound = {"Host": f"rebound.example:{served.port}", "Origin": f"http://rebound.example:{served.port}"}  # resolving to 127.0.0.1

    async def scenario():
        assert await handshake_status(served.url, Origin="http://evil.example") == 403
        assert await handshake_status(served.url, **rebound) == 403
        async with aiohttp.ClientSession() as session:
            async with session.get(served.url, headers=rebound) as page:
                assert page.status == 403
                assert f"open http://127.0.0.1:{served.port}/ instead" in await page.text()
            async with session.get(served.url) as page:  # the page itself, for a browser on this machine
                assert page.status == 200 and f"ws://127.0.0.1:{served.port}/ws" in await page.text()

    asyncio.run(scenario())
    assert children(served.proc.pid) == []


def test_a_non_local_host_gets_one_warning_and_a_bind_failure_one_sentence():
    port = free_port()
    # 192.0.2.1 is reserved for documentation: not this machine's, so the bind fails and nothing listens.
    done = subprocess.run([sys.executable, "-m", "oracle", "serve", "--host", "192.0.2.1", "--port", str(port)],
                          capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert lines[0].startswith("oracle: warning: serving on 192.0.2.1: anyone who can reach this address can train "
                               "and delete models")
    assert lines[1:] == [f"oracle: Cannot serve on 192.0.2.1 port {port}: Cannot assign requested address; "
                         "pick another --port or --host."]


def test_an_app_whose_server_vanished_ends_by_itself():
    """Its stdin ends (the server was killed): Textual's web driver alone would leave it running."""
    env = {**os.environ, "TEXTUAL_DRIVER": SERVED_DRIVER, "COLUMNS": "80", "ROWS": "24"}
    app = subprocess.Popen([sys.executable, "-m", "oracle", "app"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env)
    try:
        assert app.stdout.readline() == b"__GANGLION__\n"  # the web driver's greeting: it is up
        app.stdin.close()
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


@pytest.mark.asyncio
async def test_a_closed_tab_saves_the_training_and_stops_it(tiny_corpus):
    """textual-serve's "quit" reaches the app as a bare ExitApp message, without App.exit()."""
    from textual import messages

    from oracle.tui.app import make_app
    from oracle.tui.widgets.train_live import TrainLive

    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.train_screen
        form = screen.query_one("#train-form")
        form.set_value("own-files", str(tiny_corpus))
        for field, value in {"hidden_size": "32", "num_layers": "1", "seq_len": "32", "batch_size": "16",
                             "epochs": "10000"}.items():  # far more than the test lasts
            form.set_value(f"field-{field}", value)
        form.set_value("model-name", "tab")
        await pilot.pause()
        await pilot.press("f5")
        start = time.monotonic()
        while not screen.query_one(TrainLive).train_points:
            assert time.monotonic() - start < 30, "no training progress"
            await pilot.pause(0.05)
        control = screen.control
        app.post_message(messages.ExitApp())
        await pilot.pause()
    assert control.stopped  # the trainer was asked to save and stop
    # Textual marks a thread worker finished when the app cancels it, not when its thread returns:
    # look for a thread still inside the trainer instead.
    start = time.monotonic()
    while training_threads():
        assert time.monotonic() - start < 30, "the training thread outlived the app"
        await asyncio.sleep(0.05)
    assert (store.user_dir("tab") / "checkpoint.json").is_file()
    assert store.find("tab").meta["metrics"][-1]["epoch"] < 10000  # stopped and saved, not trained to the end


def training_threads() -> list[int]:
    """Threads whose stack is inside the engine's trainer."""
    trainer = str(Path(train.__file__))
    return [ident for ident, frame in sys._current_frames().items()
            if any(f.filename == trainer for f in traceback.extract_stack(frame))]
