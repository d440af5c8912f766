"""What well-liked chat TUIs have (#27): recall earlier questions with Up, copy an answer, ask again
or edit from an earlier exchange, rename a conversation, and a remembered conversation."""

from __future__ import annotations

import pytest

from oracle.tui.app import make_app
from oracle.tui.widgets.question_box import QuestionBox

from .conftest import ask, model_loaded, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_up_in_an_empty_box_recalls_earlier_questions_kept_per_home(tiny_model):
    async with model_loaded((80, 24)) as (app, pilot, screen):
        await ask(pilot, screen, "first")
        await ask(pilot, screen, "second")
        box = screen.query_one(QuestionBox)
        await pilot.press("up")
        assert box.text == "second"
        await pilot.press("up")
        assert box.text == "first"
        await pilot.press("up")  # the oldest stays
        assert box.text == "first"
        await pilot.press("down")
        assert box.text == "second"
        await pilot.press("down")
        assert box.text == ""
        await pilot.press("up", "end", *" again", "enter")  # edit a recalled one and ask it
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].question == "second again",
                         what="the edited question")
    app = make_app(pace=0)  # the next launch, same home: the questions are still there
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.oracle_screen.query_one(QuestionBox)
        await pilot.press("up")
        assert box.text == "second again"


async def test_from_an_earlier_exchange_copy_ask_again_replay_and_edit(tiny_model):
    async with model_loaded((100, 30)) as (app, pilot, screen):
        await ask(pilot, screen, "first")
        await ask(pilot, screen, "second")
        copied = []
        app.copy_to_clipboard = copied.append
        transcript = screen.query_one("#transcript")
        transcript.focus()
        await pilot.press("up")  # from the newest to the one before
        assert transcript.picked().exchange.question == "first"
        await pilot.press("c")
        assert copied == [screen.exchanges[0].answer]
        await pilot.press("r")  # replay "first" exactly
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 3 and screen.exchanges[-1].answer,
                         what="the replay")
        assert screen.exchanges[-1].question == "first" and screen.exchanges[-1].replay
        assert screen.exchanges[-1].answer == screen.exchanges[0].answer
        transcript.focus()
        await pilot.press("up", "up")
        await pilot.press("a")  # ask "first" again, with a new seed
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 4 and screen.exchanges[-1].answer,
                         what="asked again")
        assert screen.exchanges[-1].question == "first" and not screen.exchanges[-1].replay
        transcript.focus()
        await pilot.press("e")  # the newest picked: its question into the box, to edit
        box = screen.query_one(QuestionBox)
        assert app.focused is box and box.text == "first"
        transcript.focus()
        await pilot.press("escape")
        assert app.focused is box


async def test_a_conversation_can_be_renamed_from_the_list(tiny_model):
    from oracle.tui import history

    async with model_loaded((100, 30)) as (app, pilot, screen):
        await ask(pilot, screen, "wisdom")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: app.screen.id == "conversations-screen" and app.screen.shown, what="the list")
        listing = app.screen
        await pilot.press("down", "r")
        await wait_until(pilot, lambda: app.screen.query("#prompt-input"), what="the rename dialog")
        app.screen.query_one("#prompt-input").value = "   "
        await pilot.press("enter")  # nothing typed: nothing renamed
        await wait_until(pilot, lambda: app.screen is listing, what="the list again")
        assert listing.shown[0].title == "wisdom"
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen.query("#prompt-input"), what="the rename dialog")
        app.screen.query_one("#prompt-input").value = "On wisdom"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is listing and listing.shown[0].title == "On wisdom", what="the new name")
        await pilot.press("o")
    assert [c.title for c in history.list_conversations()] == ["On wisdom"]
    assert history.open_conversation(screen.conversation.id).title == "On wisdom"


async def test_a_remembered_conversation_is_off_by_default_recorded_and_replayed(tiny_model, tmp_path):
    from oracle.engine import store
    from oracle.tui import history

    async with model_loaded((100, 30)) as (app, pilot, screen):
        await ask(pilot, screen, "first")
        await ask(pilot, screen, "second")
        assert [e.context for e in screen.exchanges] == ["", ""]  # off by default: each question alone
        await pilot.press("f4")
        screen.query_one("#set-remember").value = True
        await pilot.pause()
        await ask(pilot, screen, "third")
        third = screen.exchanges[-1]
        second = screen.exchanges[-2]
        assert third.context == f"{second.question}\n{second.answer.strip()}\n\n"
        assert "remembering the exchange before" in str(screen.query(".footnote").last().render())
        # What the oracle read: the exchange before, then the question; the same seed says the same.
        again = store.load(tiny_model).ask(third.context + "third", third.record.settings,
                                           seed=third.record.seed)
        assert "".join(again) == third.answer
        screen.query_one("#set-remember").value = False
        await pilot.pause()
        screen.replay_last()  # a replay reads what the original read, whatever the switch says now
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 4 and screen.exchanges[-1].answer,
                         what="the replay")
        assert screen.exchanges[-1].answer == third.answer and screen.exchanges[-1].context == third.context
        kept = list(history.open_conversation(screen.conversation.id))
        assert [bool(e.context) for e in kept] == [False, False, True, True]
        written = history.export_markdown(tiny_model, kept, tmp_path / "talk.md").read_text("utf-8")
        assert written.count("remembering the exchange before") == 2


async def test_a_conversation_list_stays_open_beside_the_chat_at_wide_sizes(tiny_model):
    from textual.widgets import OptionList

    from oracle.tui.widgets.conversation_shelf import ConversationShelf

    async with model_loaded((100, 30)) as (app, pilot, screen):  # too narrow: it says so and stays hidden
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not screen.query_one(ConversationShelf).display
    async with model_loaded((160, 45)) as (app, pilot, screen):
        await ask(pilot, screen, "the first conversation")
        first = screen.conversation.id
        await pilot.press("ctrl+n")
        await ask(pilot, screen, "the second conversation")
        await pilot.press("ctrl+b")
        shelf = screen.query_one(ConversationShelf)
        listing = shelf.query_one(OptionList)
        await wait_until(pilot, lambda: listing.option_count == 2, what="both conversations listed")
        assert shelf.display and screen.query_one("#conversation").size.width >= 60  # the chat keeps its width
        assert "●" in str(listing.get_option_at_index(0).prompt)  # the open one, newest first, is marked
        listing.focus()
        listing.highlighted = 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.conversation.id == first, what="the first conversation reopened")
        assert [e.question for e in screen.exchanges] == ["the first conversation"]
        await pilot.resize_terminal(100, 30)  # narrower: the shelf steps aside for the chat
        await wait_until(pilot, lambda: not shelf.display, what="the shelf hidden")
