"""The Oracle app: three screens over the engine, built by one factory for the CLI and the tests."""

from __future__ import annotations

import asyncio
import gc
import importlib
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from textual import events
from textual.app import App
from textual.binding import Binding

from oracle.engine import OracleError
from oracle.tui import preferences
from oracle.tui.commands import OracleCommands
from oracle.tui.screens.help import HelpScreen
from oracle.tui.screens.modals import ConfirmModal
from oracle.tui.screens.oracle import OracleScreen
from oracle.tui.screens.too_small import TooSmallScreen, too_small
from oracle.tui.theme import KAWAII
from oracle.visible import visible

if TYPE_CHECKING:
    from textual.screen import Screen

    from oracle.tui.screens.models import ModelsScreen
    from oracle.tui.screens.train import TrainScreen

# Every screen but the first is imported and built when it is first shown: the Train screen's charts,
# the forms and the eye cost half a second of imports the first screen does not need.
SCREENS = {"oracle": "oracle.tui.screens.oracle:OracleScreen", "train": "oracle.tui.screens.train:TrainScreen",
           "models": "oracle.tui.screens.models:ModelsScreen", "eye": "oracle.tui.screens.eye:EyeScreen",
           "scripture": "oracle.tui.screens.scripture:ScriptureScreen"}


class Shuts(Protocol):
    """What the app asks of each screen it made when it quits: stop the work it runs."""
    is_mounted: bool

    def shutdown(self) -> None: ...


# The app's keys, declared as data. The screens' keys show as tabs on every screen's top line
# (nav.py), not in the narrow footer.
KEYS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("f1", "show('oracle')", "Oracle", show=False),
    Binding("f2", "show('train')", "Train", show=False),
    Binding("f3", "show('models')", "Models", show=False),
    Binding("f9", "show('eye')", "Eye", show=False),
    Binding("f10", "show('scripture')", "Scripture", show=False),
    Binding("question_mark", "help", "Help"),
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
]


class OracleApp(App):
    CSS_PATH, TITLE, BINDINGS = "oracle.tcss", "Oracle", KEYS
    COMMANDS = App.COMMANDS | {OracleCommands}

    def __init__(self, pace: float | None = None, start: str = "oracle", theme: str | None = None) -> None:
        super().__init__()
        self.pace = preferences.pace() if pace is None else pace  # characters per second (0: as fast as it reads)
        self.start = start
        self.start_theme = theme
        self._signals: list[int] = []
        self.made_screens: dict[str, Shuts] = {}  # the screens built so far (each on its first showing)
        self.drawn = False  # Textual's first frame is on the terminal (on_ready)
        # Keys typed before the Oracle screen is up (a question typed as soon as `oracle` is entered):
        # kept, and replayed into the question box once it has the focus, rather than lost.
        self.early_keys: list[tuple[str, str | None]] | None = [] if start == "oracle" else None

    def _end_on_hangup(self) -> None:
        """SIGHUP (the terminal was closed) and SIGTERM (kill, a logout) end the app as quitting does:
        a run in training saves its checkpoint first, as `oracle train` does on the same signals.
        Without this their default action killed the process, and the run's last steps with it."""
        try:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(signum, self.exit)
                self._signals.append(signum)
        except (RuntimeError, ValueError, NotImplementedError, AttributeError):
            pass  # not the main thread (the app inside another program), or a platform without them

    def _release_signals(self) -> None:
        loop = asyncio.get_running_loop()
        while self._signals:
            loop.remove_signal_handler(self._signals.pop())

    def on_resize(self, event: events.Resize) -> None:
        self._fit_window(event.size.width, event.size.height)

    def _fit_window(self, width: int, height: int) -> None:
        """Below 80x24, say so plainly instead of drawing cut widgets; put the screens back when it grows."""
        if not self.is_screen_installed("oracle"):
            return  # the first screen is not there yet: on_mount checks once it is
        screen = self.screen
        showing = isinstance(screen, TooSmallScreen)
        if too_small(width, height):
            if isinstance(screen, TooSmallScreen):
                screen.show_size(width, height)
            else:
                self.push_screen(TooSmallScreen())
        elif showing:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the window is too small only quitting works: a screen switch would replace the notice.
        if action != "quit" and self.screen_stack and isinstance(self.screen, TooSmallScreen):
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self._end_on_hangup()
        self.register_theme(KAWAII)
        saved = preferences.load().theme
        # A hand-edited settings file may hold anything: only a known theme's name is taken up.
        self.theme = self.start_theme or (saved if saved in self.available_themes else KAWAII.name)
        self.theme_changed_signal.subscribe(self, lambda theme: _theme_chosen(self, theme.name))
        for name in SCREENS:
            self.install_screen(self._screen_maker(name), name)  # type: ignore[arg-type]  # Textual calls it on first get_screen
        self.push_screen(self.start)
        self.call_after_refresh(lambda: self._fit_window(*self.size))  # a window already too small at start

    def on_ready(self) -> None:
        self.drawn = True
        self.call_after_refresh(gc.enable)  # off since oracle.cli.main; its first collection waits for this paint too
        if self.screen is self.made_screens.get("oracle"):  # its models are listed after this frame's paint
            self.call_after_refresh(self.oracle_screen.on_screen_resume)

    def on_exit_app(self) -> None:
        # Thread workers cannot be killed: ask the trainer to save and stop, and the reading to end,
        # so quitting never leaves a run training on in the background (or loses its last steps).
        # A handler rather than an exit() override: a closed browser tab (textual-serve's "quit"),
        # SIGTERM and SIGINT under the web driver post ExitApp without calling exit().
        # A screen never shown was never mounted: nothing of it runs, and its widgets do not exist yet.
        self._release_signals()
        for screen in self.made_screens.values():
            if screen.is_mounted:
                screen.shutdown()

    def _screen_maker(self, name: str) -> Callable[[], Screen]:
        def make() -> Screen:
            module, _, cls = SCREENS[name].partition(":")
            screen = getattr(importlib.import_module(module), cls)()
            self.made_screens[name] = screen
            return screen

        return make

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification of every screen passes here: its text (errors name files, corpora and
        models) is shown as it is, never read as markup ('[/red].txt' raised MarkupError) and with
        stand-ins for control characters. No message of Oracle's uses markup."""
        super().notify(visible(str(message)), title=visible(str(title)), severity=severity, timeout=timeout, markup=False)

    def _remember(self, **values) -> None:
        try:
            preferences.save(**values)
        except (OracleError, OSError) as err:  # a read-only home must not stop the app
            self.notify(f"Could not remember this preference: {err}", severity="warning")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.early_keys is not None:
            event.stop()
            self.early_keys.append((event.key, event.character))
            return
        # A screen whose text fields never hold a "?" (names, numbers, weights) opens the help on it
        # even from a field: bindings cannot, since a focused field claims every printable key.
        if isinstance(event, events.Key) and event.key == "question_mark" and getattr(self.screen, "QUESTION_MARK_HELPS", False):
            event.stop()
            self.action_help()
            return
        await super().on_event(event)

    def first_screen_ready(self) -> None:
        """The Oracle screen has the focus in its question box: the keys typed before it go there now."""
        keys, self.early_keys = self.early_keys or [], None
        for key, character in keys:
            if key == "ctrl+j":  # Enter typed while the terminal was still in cooked mode arrives as a line feed
                key, character = "enter", "\r"
            self.post_message(events.Key(key, character))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    action_show_help_panel = action_help  # the palette's "Keys" opens the same help, which Esc closes (Textual's panel stays)

    async def action_quit(self) -> None:
        train = cast("TrainScreen | None", self.made_screens.get("train"))
        if train is None or train.state == "idle":
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmModal(f"{train.run_name} is still training. Quit? Its last checkpoint is saved "
                                      "first, and Resume on the Models screen (t) continues it.", yes="Quit"), answered)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        # Textual saves into ~/Downloads and fails with a bare message where there is none: use
        # the working folder then, and say where the picture went either way.
        downloads = Path("~/Downloads").expanduser()
        folder = Path(path).expanduser() if path else (downloads if downloads.is_dir() else Path.cwd())
        try:
            written = self.save_screenshot(filename, str(folder))
        except OSError as err:
            self.notify(f"Could not save the screenshot in {folder} ({err.strerror or err}): "
                        "free some space or make the folder writable.", severity="error")
            return
        self.notify(f"Screenshot saved to {written}.", title="Screenshot")

    def action_show(self, name: str) -> None:
        # Installed screens are kept alive when switched away from: a training run keeps going.
        if isinstance(self.screen, TooSmallScreen):
            return  # switching would replace the notice; the screens come back when the window grows
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    oracle_screen = property(lambda self: cast(OracleScreen, self.get_screen("oracle")))
    train_screen = property(lambda self: cast("TrainScreen", self.get_screen("train")))
    models_screen = property(lambda self: cast("ModelsScreen", self.get_screen("models")))

    def oracle_action(self, method: Callable[[OracleScreen], object]) -> None:
        """Show the Oracle screen, then run one of its methods (passed as `OracleScreen.method`)."""
        self.action_show("oracle")
        self.call_after_refresh(method, self.oracle_screen)

    def models_action(self, method: Callable[[ModelsScreen], object]) -> None:
        self.action_show("models")
        self.call_after_refresh(method, self.models_screen)

    def answers_of(self, model: str) -> list[tuple[str, str]]:
        """(question, answer) of the Oracle screen's conversation, if it is held with `model`."""
        screen = self.oracle_screen
        if not screen.is_mounted or screen.oracle is None or screen.oracle.name != model:
            return []
        return [(e.question, e.answer) for e in screen.exchanges if e.answer.strip()]

    def colour_answers(self, unit: tuple | None) -> None:
        """Stream the Oracle screen's next answers coloured by `unit` (model, layer, unit, kind); None: plain."""
        self.oracle_screen.stream.eye_unit = unit

    def use_model(self, name: str) -> None:
        self.action_show("oracle")
        self.call_after_refresh(self.oracle_screen.use_model, name)

    def resume_training(self, name: str) -> None:
        self.action_show("train")
        self.call_after_refresh(self.train_screen.resume_run, name)


def _theme_chosen(app: OracleApp, name: str) -> None:
    """Remember a theme chosen; the saved one (or the default) is not written again at every start."""
    if name != (preferences.load().theme or KAWAII.name):
        app._remember(theme=name)


def make_app(pace: float | None = None, start: str = "oracle", theme: str | None = None) -> OracleApp:
    """The one way the app is built, by `oracle` and by the tests (which pass pace=0).

    Without `pace`, the pace chosen last time (F4), else 90 characters per second.
    Without `theme`, the theme chosen last time (Ctrl+P, "Change theme"), else Oracle's own."""
    return OracleApp(pace=pace, start=start, theme=theme)


def run_app() -> int:
    app = make_app()
    app.run()
    return app.return_code or 0  # 1 after a crash (Textual has printed why): never 0 for the shell
