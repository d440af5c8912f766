"""The one checked constructor every saved record uses (oracle/engine/record.py): types, bounds,
choices, unknown fields kept, and a hostile value flagged by name or dropped for its default."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pytest

from oracle.engine.errors import CorruptModel
from oracle.engine.record import Record, RecordError, spec
from oracle.engine.store.meta import check_meta


@dataclass(frozen=True)
class Inner(Record):
    size: int = spec(low=1, high=10)


@dataclass(frozen=True)
class Sample(Record):
    name: str = spec(max_len=8)
    top_p: float = spec(0.9, low=0, high=1)
    stop: Literal["length", "sentence"] = "sentence"
    tags: tuple[str, ...] = ()
    inner: Inner | None = None
    scores: dict[str, float] | None = spec(None, low=0)


def test_a_record_reads_typed_and_writes_back_the_same_document():
    data = {"name": "a", "top_p": 0.5, "stop": "length", "tags": ["x", "y"], "inner": {"size": 3, "later": [1]},
            "scores": {"k": 1.5}, "from_a_newer_oracle": {"kept": True}}
    made = Sample.from_dict(json.loads(json.dumps(data)))
    assert (made.top_p, made.stop, made.tags, made.inner.size, made.scores) == (0.5, "length", ("x", "y"), 3, {"k": 1.5})
    assert made.extra == {"from_a_newer_oracle": {"kept": True}} and made.inner.extra == {"later": [1]}
    assert made.to_dict() == data
    # Absent fields that default to nothing (None, an empty list) stay absent; a default value is written.
    assert Sample.from_dict({"name": "b"}).to_dict() == {"name": "b", "top_p": 0.9, "stop": "sentence"}


@pytest.mark.parametrize(("field", "value", "says"), [
    ("top_p", "x", "Sample.top_p must be a finite number"),
    ("top_p", True, "Sample.top_p must be a finite number"),
    ("top_p", 1.5, "Sample.top_p must be from 0 to 1"),
    ("top_p", float("nan"), "Sample.top_p must be a finite number"),
    ("stop", "never", "Sample.stop must be one of 'length', 'sentence'"),
    ("tags", "x", "Sample.tags must be a list"),
    ("tags", [1], "Sample.tags[0] must be text"),
    ("inner", [], "Sample.inner must be an object"),
    ("inner", {"size": 0}, "Sample.inner.size must be from 1 to 10"),
    ("scores", {"k": -1.0}, "Sample.scores.k must be from 0"),
    ("name", "x" * 9, "Sample.name must hold at most 8 characters"),
])
def test_a_hostile_field_is_flagged_by_name_or_dropped_for_its_default(field, value, says):
    data = {"name": "a", field: value}
    if field == "name":
        with pytest.raises(RecordError, match="Sample.name"):
            Sample.from_dict(data, lenient=True)  # a required field cannot fall back to anything
    else:
        lenient = Sample.from_dict(data, lenient=True)
        assert getattr(lenient, field) == getattr(Sample(name="a"), field) and lenient.to_dict().get(field) != value
        assert repr(lenient.to_dict()["flagged"][field]) == repr(value)  # kept as it was, and written back
    with pytest.raises(RecordError) as err:
        Sample.from_dict(data)
    assert str(err.value).startswith(says)


def test_a_missing_field_and_a_non_object_are_named():
    with pytest.raises(RecordError, match=r"^Sample.name is missing$"):
        Sample.from_dict({})
    for hostile in ([], "x", None, 3):
        with pytest.raises(RecordError, match="must be an object"):
            Sample.from_dict(hostile, lenient=True)


def test_model_metadata_of_the_wrong_type_is_a_damaged_file_not_a_crash(tiny_model):
    from oracle.engine import store

    meta = store.find(tiny_model).meta
    for field, value in (("config", []), ("metrics", {"a": 1}), ("best", "x"), ("vocab", 7), ("voices", [{"name": 3}])):
        with pytest.raises(CorruptModel, match=rf"meta\.json is damaged \(meta\.{field}"):
            check_meta({**meta, field: value}, "x/meta.json")


def test_preferences_of_the_wrong_kind_read_as_unset_and_are_kept(oracle_home):
    from oracle.engine import settings_path
    from oracle.tui import preferences

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    hostile = {"theme": ["nord"], "pace": "fast", "speak": "yes", "reading": [1], "future": {"kept": 1}}
    path.write_text(json.dumps({"active": "x", "preferences": hostile}), "utf-8")
    read = preferences.load()
    assert (read.theme, read.pace, read.speak, read.reading) == (None, None, None, None)
    assert read.extra["future"] == {"kept": 1} and read.extra["flagged"]["pace"] == "fast"
    assert preferences.reading_settings() == preferences.SampleSettings() and preferences.pace() == preferences.DEFAULT_PACE
    preferences.save(theme="nord")
    again = json.loads(path.read_text("utf-8"))
    assert again["active"] == "x" and again["preferences"]["theme"] == "nord" and again["preferences"]["future"] == {"kept": 1}


# A record written before words, heed, ranking and guidance existed, with a setting from a newer
# Oracle, one this version refuses, and a field of its own: as a conversation file keeps it.
OLD_READING = ('{"model": "tiny", "seed": 7, "settings": {"temperature": 0.9, "top_p": 1.0, "length": 40, '
               '"stop": "length", "min_length": 0, "from_a_newer_oracle": [1], "top_p_floor": 0.1, "top_k": -3}, '
               '"changes": [{"at": 3, "settings": {"temperature": 1.2}}], "later": {"kept": true}}')


def test_a_reading_record_reads_typed_settings_and_writes_back_what_it_read():
    from oracle.engine.read.record import ReadingRecord
    from oracle.engine.read.settings import BEFORE_WORDS, SampleSettings

    data = json.loads(OLD_READING)
    record = ReadingRecord.read(data)
    assert isinstance(record.settings, SampleSettings)  # typed: what a replay reads it with
    assert record.settings.temperature == 0.9 and record.settings.top_k == 0  # the bad top_k costs only itself
    assert {k: getattr(record.settings, k) for k in BEFORE_WORDS} == BEFORE_WORDS  # the values that replay it
    written = record.to_dict()
    assert written["settings"] == {k: v for k, v in data["settings"].items() if k != "top_k"}  # no setting added
    assert written["flagged"] == {"settings": {"top_k": -3}} and written["later"] == {"kept": True}
    assert list(written) == ["model", "seed", "settings", "changes", "later", "flagged"]
    again = ReadingRecord.read(json.loads(json.dumps(written)))
    assert json.dumps(again.to_dict()) == json.dumps(written) and again == record  # read and written: the same bytes
