"""Records as the reader sees them (#27.11): a replay says it is one, on screen, in the conversation
kept and in its export; the changes made while an answer spoke are listed with their values."""

from __future__ import annotations

import pytest

from oracle.engine import ReadingRecord
from oracle.tui import history
from oracle.tui.app import make_app
from oracle.tui.exchange_text import describe_record

from .conftest import model_loaded, wait_until


@pytest.mark.asyncio  # Textual's Pilot is async
async def test_a_replay_is_marked_on_screen_in_the_record_and_in_the_export(tiny_model, tmp_path):
    async with model_loaded((100, 30)) as (app, pilot, screen):
        await pilot.press(*"wisdom", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges and screen.exchanges[-1].answer, what="an answer")
        first = screen.exchanges[-1]
        screen.replay_last()
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 2 and screen.exchanges[-1].answer,
                         what="the replay")
        again = screen.exchanges[-1]
        assert again.answer == first.answer and again.replay and not first.replay
        footnotes = [str(f.render()) for f in screen.query(".footnote")]
        assert "a replay (same seed" in footnotes[-1]
        kept = list(history.open_conversation(screen.conversation.id))
        assert [e.replay for e in kept] == [False, True]
        written = history.export_markdown("tiny", kept, tmp_path / "talk.md").read_text("utf-8")
        assert written.count("a replay (same seed and settings") == 1
    # Read back on the next launch, the replay is still marked.
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: len(screen.query(".exchange")) == 2, what="the conversation")
        assert screen.exchanges[-1].replay


def test_changes_while_speaking_are_listed_with_their_values():
    record = {"model": "tiny", "seed": 3, "settings": {"temperature": 0.7, "stop": "sentence"},
              "changes": [{"at": 12, "settings": {"temperature": 0.8}}, {"at": 30, "voice": {"kjv": 1.0}},
                          {"at": 41, "settings": {"temperature": 0.9, "top_k": 5}}]}
    line = describe_record(ReadingRecord.read(record))
    assert "from character 12: temperature 0.8" in line
    assert "from character 30: voice kjv" in line
    assert "from character 41: temperature 0.9, top-k 5" in line
    assert "change(s)" not in line
