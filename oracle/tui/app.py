"""The Oracle app: three screens over the engine, built by one factory for the CLI and the tests."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from .commands import OracleCommands
from .models_screen import ModelsScreen
from .oracle_screen import OracleScreen
from .theme import KAWAII
from .train_screen import TrainScreen

DEFAULT_PACE = 90.0  # characters per second an answer is spoken at; 0 means as fast as the model goes
SCREENS = {"oracle": OracleScreen, "train": TrainScreen, "models": ModelsScreen}


class OracleApp(App):
    CSS_PATH = "oracle.tcss"
    TITLE = "Oracle"
    COMMANDS = App.COMMANDS | {OracleCommands}
    BINDINGS = [
        Binding("f1", "show('oracle')", "Oracle"),
        Binding("f2", "show('train')", "Train"),
        Binding("f3", "show('models')", "Models"),
    ]

    def __init__(self, pace: float = DEFAULT_PACE, start: str = "oracle", theme: str = "kawaii") -> None:
        super().__init__()
        self.pace = pace
        self.start = start
        self.start_theme = theme

    def on_mount(self) -> None:
        self.register_theme(KAWAII)
        self.theme = self.start_theme
        for name, screen in SCREENS.items():
            self.install_screen(screen(), name)
        self.push_screen(self.start)

    def exit(self, *args, **kwargs) -> None:
        # Thread workers cannot be killed: ask the trainer to save and stop, and the reading to end,
        # so quitting never leaves a run training on in the background (or loses its last steps).
        for name in SCREENS:
            if self.is_screen_installed(name):
                self.get_screen(name).shutdown()
        super().exit(*args, **kwargs)

    def action_show(self, name: str) -> None:
        # Installed screens are kept alive when switched away from: a training run keeps going.
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    @property
    def oracle_screen(self) -> OracleScreen:
        return self.get_screen("oracle")

    @property
    def train_screen(self) -> TrainScreen:
        return self.get_screen("train")

    @property
    def models_screen(self) -> ModelsScreen:
        return self.get_screen("models")

    def oracle_action(self, method: str) -> None:
        self.action_show("oracle")
        self.call_after_refresh(getattr(self.oracle_screen, method))

    def models_action(self, method: str) -> None:
        self.action_show("models")
        self.call_after_refresh(getattr(self.models_screen, method))

    def use_model(self, name: str) -> None:
        self.action_show("oracle")
        self.call_after_refresh(self.oracle_screen.use_model, name)

    def resume_training(self, name: str) -> None:
        self.action_show("train")
        self.call_after_refresh(self.train_screen.resume_run, name)


def make_app(pace: float = DEFAULT_PACE, start: str = "oracle", theme: str = "kawaii") -> OracleApp:
    """The one way the app is built, by `oracle` and by the tests (which pass pace=0)."""
    return OracleApp(pace=pace, start=start, theme=theme)


def run_app() -> int:
    make_app().run()
    return 0
