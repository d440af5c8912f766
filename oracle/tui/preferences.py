"""What the reader chose last time (theme, reading settings), kept in the settings file beside the
active model, so the app opens the way it was left.

A preference that no longer makes sense (an unknown theme, a value the current rules refuse, a
hand-edited file) is dropped quietly: preferences are a convenience, never a reason not to start.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from oracle.engine import DEFAULT_PACE, Delivery, OracleError, Record, SampleSettings, read_settings, settings_path, spec, write_json_atomic

KEY = "preferences"


@dataclass(frozen=True)
class Preferences(Record):
    """settings.json's "preferences", read leniently: a value of the wrong kind reads as unset (and
    is kept under "flagged", written back as it was); a newer Oracle's preferences are kept too."""
    theme: str | None = spec(None, max_len=200)  # a Textual theme's name
    reading: dict[str, Any] | None = None  # SampleSettings as saved; each checked by today's rules in reading_settings()
    pace: float | None = spec(None, low=0)  # characters per second (Delivery checks its range)
    speak: bool | None = None  # speak answers aloud (F8)
    questions: tuple[Any, ...] | None = None  # asked before, for Up in the question box (the texts are kept)


def load() -> Preferences:
    """Every saved preference (none when there are none, or the file cannot be read)."""
    try:
        saved = read_settings(settings_path()).get(KEY)  # bounded and depth-checked like every file we keep
    except OracleError:
        return Preferences()
    return Preferences.from_dict(saved, KEY, lenient=True) if isinstance(saved, dict) else Preferences()


def save(**values) -> None:
    """Merge `values` into the saved preferences; the file's other keys (the active model) stay."""
    path = settings_path()
    settings = read_settings(path)
    found = settings.get(KEY)
    current = found if isinstance(found, dict) else {}
    if all(current.get(k) == v for k, v in values.items()):
        return  # nothing new: spare the disk a write per keypress
    settings[KEY] = {**current, **values}
    write_json_atomic(path, settings)


def reading_settings() -> SampleSettings:
    """The reading settings saved last, checked by today's rules; the defaults where they fail."""
    saved = load().reading
    if saved is None:
        return SampleSettings()
    known = {f.name for f in fields(SampleSettings)}
    try:
        return SampleSettings(**{k: v for k, v in saved.items() if k in known}).validate()
    except (OracleError, TypeError, ValueError):
        return SampleSettings()


def save_reading_settings(settings: SampleSettings) -> None:
    save(reading=asdict(settings))


def pace() -> float:
    """The pace answers were spoken at last (characters per second), checked by today's rule."""
    try:
        saved = load().pace
        return Delivery(pace=DEFAULT_PACE if saved is None else saved).validate().pace
    except (OracleError, TypeError, ValueError):
        return DEFAULT_PACE


QUESTIONS_KEPT = 50  # earlier questions Up recalls in the question box
QUESTION_CHARS = 500  # a longer one (a pasted passage) is not kept: the settings file stays small


def questions() -> list[str]:
    """The questions asked before, oldest first (any home: the app's, or a test's)."""
    saved = load().questions or ()
    return [q for q in saved if isinstance(q, str)][-QUESTIONS_KEPT:]


def remember_question(question: str) -> None:
    """Keep `question` for Up in the question box (the same one twice in a row is kept once)."""
    if not question.strip() or len(question) > QUESTION_CHARS:
        return
    kept = questions()
    if kept[-1:] != [question]:
        try:
            save(questions=[*kept, question][-QUESTIONS_KEPT:])
        except (OracleError, OSError):
            pass  # a read-only home costs the recall, never the question
