"""Issue 30 (c): one escaping path for everything shown from a file, a model or a corpus.

`visible` turns every control, format (bidi overrides, zero-width) and separator character into a
stand-in, checked here against Python's own Unicode database. Then a model whose every text field
holds ESC sequences, an OSC title change, bidi overrides, zero-width characters, Rich markup and a
lone surrogate goes through every face: `models list` and `models show` (piped, as JSON, and on a
real terminal), the app's Models screen, and the eye's HTML page.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from tui.conftest import wait_until

from oracle.engine.store.meta import read_meta
from oracle.engine.store.records import ModelMeta, write_meta
from oracle.visible import json_text, visible

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eevil\u200b\u2066[red]x[/red]\x9b\u2028\ufeff\ud800"
RAW = ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e", "\u200b", "\u2066", "\u2028", "\ufeff", "\ud800")
SHORT = {"val_method": 20}  # fields the reader allows only so long
KEEP = {"vocab", "file", "sha256", "format"}  # structure the reader checks; everything else is text it shows


def hidden(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") and c not in "\n\t"


def test_every_control_format_and_separator_character_gets_a_stand_in_one_for_one():
    every = "".join(chr(c) for c in range(0x110000) if hidden(chr(c)))
    shown = visible(every)
    assert len(shown) == len(every) and not any(hidden(c) for c in shown)
    assert visible("tab\tand\nnewline stay; ordinary text too: 山 é") == "tab\tand\nnewline stay; ordinary text too: 山 é"
    assert not any(hidden(c) and c not in "\n" for c in json_text({"k" + every: every}))


def poison(value, key: str = ""):
    if isinstance(value, str):
        return value if key in KEEP else (HOSTILE + value)[:SHORT.get(key, 1000)]
    if isinstance(value, dict):
        return {k: poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, key) for v in value]
    return value


@pytest.fixture
def hostile_model(tiny_model, oracle_home) -> str:
    folder = oracle_home / "models" / tiny_model
    meta = poison(read_meta(folder).to_dict())
    meta["created"] = HOSTILE  # the field that cleared the screen in `models list`
    meta["extra" + HOSTILE] = {HOSTILE: [HOSTILE]}
    write_meta(folder, ModelMeta.from_dict(meta))
    return tiny_model


def clean(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, (where, raw, text[:2000])


def oracle_env(home: Path) -> dict:
    return {"ORACLE_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd()), "COLUMNS": "160",
            "TERM": "xterm-256color"}


def test_every_field_through_the_command_line_piped_and_on_a_terminal(hostile_model, oracle_home):
    for argv in (["models", "list"], ["models", "list", "--json"], ["models", "show", hostile_model],
                 ["models", "show", hostile_model, "--json"]):
        run = subprocess.run([sys.executable, "-m", "oracle", *argv], env=oracle_env(oracle_home), capture_output=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        out = run.stdout.decode("utf-8")
        clean(out, argv)
        assert "\ufffd" in out or "\\u" in out  # the stand-ins are there: the fields were shown, not dropped
        if "--json" in argv:
            json.loads(out)  # and the JSON is still JSON
        master, slave = pty.openpty()  # a real terminal: Rich's table
        proc = subprocess.Popen([sys.executable, "-m", "oracle", *argv], env=oracle_env(oracle_home), stdin=slave,
                                stdout=slave, stderr=slave)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        assert proc.wait(60) == 0
        clean(data.decode("utf-8", "replace"), ("terminal", argv))


@pytest.mark.asyncio
async def test_every_field_through_the_models_screen(hostile_model, tmp_path):
    from oracle.tui.app import make_app

    app = make_app(pace=0, start="models")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        screen = app.models_screen
        screen.show_details()
        await pilot.pause(0.2)
        svg = app.export_screenshot()
        clean(svg, "models screen")
        assert "\ufffd" in svg
        details = str(screen.query_one("#model-meta").render()) + str(screen.query_one("#model-sample").render())
        clean(details, "details")


def test_the_eye_reads_a_bounded_stdin_and_says_what_it_left_out_visibly(tiny_model, oracle_home, tmp_path):
    page = tmp_path / "eye.html"
    with open("/dev/zero", "rb") as zero:  # a stdin without end: read to a cap, not until memory runs out
        run = subprocess.run([sys.executable, "-m", "oracle", "eye", tiny_model], env=oracle_env(oracle_home), stdin=zero,
                             capture_output=True, timeout=120)
    err = run.stderr.decode("utf-8")
    assert run.returncode != 0 and "Traceback" not in err and err.count("\n") <= 3, err
    hostile = HOSTILE[:-1] + " the lord is"
    run = subprocess.run([sys.executable, "-m", "oracle", "eye", tiny_model, "--html", str(page)], env=oracle_env(oracle_home),
                         input=hostile.encode("utf-8"), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    clean(run.stderr.decode("utf-8") + page.read_text("utf-8"), "eye")


@pytest.mark.asyncio
async def test_conversation_titles_and_snippets_through_the_conversations_screen(tiny_model):
    from oracle.tui import history
    from oracle.tui.app import make_app
    from oracle.tui.history import Exchange
    from oracle.tui.screens.conversations import ConversationsScreen

    history.save(tiny_model, [Exchange(HOSTILE[:-1] + " who?", HOSTILE[:-1] + " the fear")])
    app = make_app(pace=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), what="the conversations screen")
        await pilot.pause(0.3)
        svg = app.export_screenshot()
        clean(svg, "conversations screen")
        assert "\ufffd" in svg or "␛" in svg


@pytest.mark.asyncio
async def test_a_voiced_models_names_through_the_oracle_screen(tmp_path, oracle_home):
    from oracle.engine import Recipe, Trainer
    from oracle.tui.app import make_app
    from oracle.tui.widgets.voices_panel import VoicesPanel

    sources = []
    for name, letters in (("abc", "abc "), ("xyz", "xyz ")):
        (tmp_path / f"{name}.txt").write_text((letters * 40 + "\n") * 60, "utf-8")
        sources.append(str(tmp_path / f"{name}.txt"))
    Trainer("voiced", sources, Recipe(hidden_size=16, num_layers=1, embed_dim=8, seq_len=16, batch_size=16, epochs=1,
                                      sample_length=8, voice_dim=4), command=["test"]).run()
    folder = oracle_home / "models" / "voiced"
    meta = poison(read_meta(folder).to_dict())
    write_meta(folder, ModelMeta.from_dict(meta))
    assert all(HOSTILE[:10] in v["name"] for v in meta["voices"])
    app = make_app(pace=0)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None and screen.query_one(VoicesPanel).names, what="the model and its voices")
        await pilot.press(*"ab", "enter")
        await wait_until(pilot, lambda: screen.exchanges and not screen.speaking, what="the answer")
        svg = app.export_screenshot()
        clean(svg, "oracle screen")
        assert "\ufffd" in svg or "␛" in svg  # the names are shown, as stand-ins


@pytest.mark.asyncio
async def test_a_notification_naming_a_hostile_file_is_text_not_markup(tiny_model, tmp_path):
    from textual.widgets import Input

    from oracle.tui.app import make_app
    from oracle.tui.screens.modals import PromptModal

    bad = tmp_path / "[bold]bad\x1b]0;pwned\x07\u202e.oracle"
    bad.write_bytes(b"not an export")
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the import dialog")
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app._notifications, what="the notification")
        await pilot.pause(0.3)
        assert app.is_running and list(app._notifications)
        svg = app.export_screenshot()
        clean(svg, "notification")
        shown = [n for n in app._notifications if "bad" in n.message]
        assert shown and "[bold]bad␛]0;pwned␇" in shown[0].message and not shown[0].markup  # text, never markup
