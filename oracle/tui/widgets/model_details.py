"""The Models screen's details of one model: its recipe and corpora, its loss history, its best sample."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from oracle.engine import corpus_origin, figures, store
from oracle.tui.widgets.charts import LossChart
from oracle.tui.widgets.model_table import IN_USE
from oracle.visible import visible

ORIGIN_WIDTH = 32  # the details column holds 33 characters: a corpus's path is cut at the front to one line


def shown(value) -> str:
    """A metadata value for the markup panel: no raw control characters, no markup of its own."""
    return escape(visible(str(value)))


class ModelDetails(Horizontal):
    """Three columns below the table; the screen calls `show` whenever the highlighted row changes."""

    def __init__(self) -> None:
        super().__init__(id="model-details")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="model-meta-box"):  # at 80x24 a voiced model's lines go below the fold
            yield Static("", id="model-meta")
        yield LossChart("loss history (bits/char)", id="model-chart")
        with VerticalScroll(id="model-sample-box"):
            yield Static("", id="model-sample")

    def show(self, entry: store.ModelEntry | None, active: str | None) -> None:
        """Show `entry` (nothing when None; its error when unreadable); `active` is the model in use."""
        meta_view = self.query_one("#model-meta", Static)
        chart = self.query_one(LossChart)
        sample = self.query_one("#model-sample", Static)
        if entry is None:
            meta_view.update("")
            sample.update("")
            chart.set_series([], [])
            return
        if entry.error:
            meta_view.update(Text(visible(entry.error), style="red"))
            sample.update("")
            chart.set_series([], [])
            return
        meta = entry.model
        config = meta.model_config
        in_use = entry.name == active
        status = ", ".join((["shipped default"] if entry.shipped else []) + ([f"{IN_USE} in use"] if in_use else []))
        lines = [f"[b]{entry.name}[/b]" + (f"\n{status}" if status else ""),  # names are [A-Za-z0-9._-]: no markup
                 f"{figures.count_exact(meta.parameters)} parameters, {figures.size(entry.summary().size_bytes)}",
                 f"recipe: {shown('?' if meta.recipe_name is None else meta.recipe_name)}",
                 f"{config.num_layers}×{config.hidden_size} LSTM, vocabulary {config.vocab_size}",
                 f"epochs: {len(meta.metrics)}, device: {shown('?' if meta.device is None else meta.device)}"]
        for c in meta.corpora:  # where each came from: one's own proverbs.txt is not the bundled Proverbs
            where = corpus_origin(c.name, c.path, c.sha256)
            where = where if len(where) <= ORIGIN_WIDTH else "from …" + where[-(ORIGIN_WIDTH - 6):]  # the file's end names it
            lines.append(f"· {shown(c.name)} ×{c.weight} ({c.chars:,} chars), {shown(where)}")
        voices = [shown(name) for name in meta.voice_names]
        if voices:  # a voiced model (several sources); an unvoiced one says nothing about voices
            lines.append(f"voices: {', '.join(voices)} and any voice (blend them on the Oracle screen)")
        meta_view.update("\n".join(lines))
        chart.set_series([(m.step, m.train_bpc) for m in meta.metrics if m.train_bpc is not None],
                         [(m.step, m.val_bpc) for m in meta.metrics if m.val_bpc is not None])
        best_sample = figures.sample(meta.best.sample if meta.best else None)
        sample.update(Text("best sample (T=0.5):\n", style="italic").append(visible(best_sample)))
