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
        self.refresh()
