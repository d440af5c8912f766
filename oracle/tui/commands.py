"""The command palette's Oracle commands (Ctrl+P): screens, the conversation, and every model."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from oracle.engine import OracleError, store
from oracle.tui.screens.oracle import OracleScreen
from oracle.tui.typed import oracle_app


class OracleCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from oracle.tui.screens.models import ModelsScreen  # made when first shown: the app starts without it

        app = oracle_app(self)
        found: list[tuple[str, Callable[[], object], str]] = [
            ("Oracle: ask the oracle", partial(app.action_show, "oracle"), "the conversation screen (F1)"),
            ("Train: train a new oracle", partial(app.action_show, "train"), "choose corpora and a recipe (F2)"),
            ("Models: manage your oracles", partial(app.action_show, "models"), "rename, delete, export, import (F3)"),
            ("Eye: look inside the model", partial(app.action_show, "eye"), "what each unit does on each character (F9)"),
            ("Ask again with a new seed", partial(app.oracle_action, OracleScreen.action_ask_again), "the last question, a new answer"),
            ("Replay the last answer exactly", partial(app.oracle_action, OracleScreen.replay_last), "same seed and settings"),
            ("Stop the answer", partial(app.oracle_action, OracleScreen.action_stop), "Esc"),
            ("Export the conversation to Markdown", partial(app.oracle_action, OracleScreen.action_export),
             "with model, settings, seeds"),
            ("Save a card of the answer", partial(app.oracle_action, OracleScreen.action_card),
             "the clicked exchange, else the last answer, as PNG or SVG to share (F7)"),
            ("Speak answers aloud (on or off)", partial(app.oracle_action, OracleScreen.action_toggle_speech),
             "through espeak-ng, sentence by sentence as they stream (F8; Esc silences)"),
            ("New conversation", partial(app.oracle_action, OracleScreen.action_new_conversation),
             "start afresh; the old one is kept (Ctrl+N)"),
            ("Conversations: reopen, search, export, delete", partial(app.oracle_action, OracleScreen.action_conversations),
             "every conversation kept (Ctrl+L)"),
            ("Show or hide the reading settings", partial(app.oracle_action, OracleScreen.action_toggle_settings),
             "top-k, top-p, length, stop"),
            ("Import a model from a .oracle file", partial(app.models_action, ModelsScreen.action_import), "made by export"),
            ("Copy a model to a new name", partial(app.models_action, ModelsScreen.action_copy),
             "the one highlighted on Models (c): train on from it, or rename it"),
            ("Rename a model", partial(app.models_action, ModelsScreen.action_rename), "the one highlighted on Models (r)"),
        ]
        try:
            models = [e.name for e in store.list_models() if e.error is None]
        except OracleError:
            models = []
        for name in models:
            found.append((f"Use model {name}", partial(app.use_model, name), "make it the active oracle"))
        return found

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
