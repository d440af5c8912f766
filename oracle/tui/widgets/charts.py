"""A loss chart (train and validation bits per character against the training step)."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class LossChart(PlotextPlot):
    def __init__(self, title: str = "loss (bits/char)", **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart_title = title
        self.train: list[tuple[float, float]] = []
        self.val: list[tuple[float, float]] = []

    def on_mount(self) -> None:
        self.replot()

    def set_series(self, train: list[tuple[float, float]], val: list[tuple[float, float]]) -> None:
        self.train, self.val = list(train), list(val)
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        plt.xlabel("step")
        if self.train:
            plt.plot([x for x, _ in self.train], [y for _, y in self.train], label="train", marker="braille")
        if self.val:
            plt.plot([x for x, _ in self.val], [y for _, y in self.val], label="val", marker="dot" if len(self.val) < 3 else "braille")
        steps = [x for x, _ in self.train + self.val]
        if steps:
            ticks = step_ticks(min(steps), max(steps))
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])  # whole steps, not "1.0 50.2 99.5"
        self.refresh()


def step_ticks(low: float, high: float, count: int = 5) -> list[int]:
    """About `count` round whole-number ticks from `low` to `high` (steps are whole)."""
    low, high = int(low), int(round(high))
    span = max(1, high - low)
    raw = span / max(1, count - 1)
    unit = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(int(m * unit) for m in (1, 2, 2.5, 5, 10) if m * unit >= raw and (m * unit) % 1 == 0)
    first = -(-low // step) * step
    return list(range(first, high + 1, step)) or [low]
