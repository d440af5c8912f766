"""Conversation storage (format 2): a list of conversations in parts, paging, search, delete, format-1
migration, damaged files set aside (not lost), unknown fields kept, Markdown export."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from oracle.engine import OracleError, ReadingRecord
from oracle.engine.io import paths
from oracle.tui import history
from oracle.tui.history import PART, Exchange

RECORD = ReadingRecord.read({"model": "tiny", "seed": 42, "settings": {"temperature": 0.5, "top_k": 3, "top_p": 0.9, "length": 80,
                                                                        "stop": "sentence", "min_length": 10}})


def exchanges(n: int, start: int = 0) -> list[Exchange]:
    return [Exchange(f"q{i}", f"answer {i}", replace(RECORD, seed=i)) for i in range(start, start + n)]


def test_round_trip_per_model():
    history.save("tiny", [Exchange("what is wisdom?", "a fear.", RECORD), Exchange("and?", "more", RECORD, stopped=True)])
    history.save("other", [Exchange("hello", "hi", RECORD)])
    loaded, notice = history.load("tiny")
    assert notice is None
    assert [e.question for e in loaded] == ["what is wisdom?", "and?"]
    assert loaded[1].stopped and loaded[0].record.seed == 42
    assert [e.answer for e in history.load("other")[0]] == ["hi"]
    assert history.load("nobody") == ([], None)


def test_long_conversation_is_kept_in_parts_and_paged_from_the_end():
    conversation = history.save("tiny", exchanges(2 * PART + 5))
    parts = sorted(p.name for p in conversation.folder.glob("part-*.json"))
    assert parts == ["part-000000.json", "part-000001.json", "part-000002.json"]
    reopened = history.open_conversation(conversation.id)
    assert reopened.count == 2 * PART + 5 and reopened.title == "q0" and reopened.model == "tiny"
    last, notices = reopened.page(reopened.count, 10)
    assert [e.question for e in last] == [f"q{i}" for i in range(2 * PART - 5, 2 * PART + 5)] and notices == []
    across, _ = reopened.page(PART + 3, 6)  # spans two parts: reads just those two
    assert [e.question for e in across] == [f"q{i}" for i in range(PART - 3, PART + 3)]
    assert [e.question for e in reopened.page(2, 10)[0]] == ["q0", "q1"]
    assert reopened.page(0, 10) == ([], [])


def test_appending_rewrites_only_the_last_part(monkeypatch):
    conversation = history.save("tiny", exchanges(3 * PART))
    written = []
    original = history.write_json_atomic
    monkeypatch.setattr(history, "write_json_atomic", lambda path, obj: (written.append(path.name), original(path, obj)))
    conversation.append(Exchange("one more", "yes", RECORD))
    assert written == ["part-000003.json", "conversation.json"]  # the new part and the card, nothing else
    written.clear()
    stale = history.open_conversation(conversation.id)
    conversation.append(Exchange("and another", "no", RECORD))
    stale.append(Exchange("from a stale copy", "still kept", RECORD))  # reads the last part fresh: nothing lost
    assert written == ["part-000003.json", "conversation.json"] * 2
    assert [e.question for e in history.open_conversation(conversation.id).page(3 * PART + 3, 3)[0]] == \
        ["one more", "and another", "from a stale copy"]


def test_unknown_fields_of_exchanges_and_records_survive_a_save():
    conversation = history.new("tiny")
    record = {**RECORD.to_dict(), "words": True, "heed": 0.5, "changes": [{"at": 3, "temperature": 0.9}], "voice": {"kjv": 0.7}}
    conversation.append(Exchange.read({"question": "q", "answer": "a", "record": record, "future_field": [1, 2]}))
    conversation.append(Exchange("q2", "a2", RECORD))
    [first, _] = list(history.open_conversation(conversation.id))
    assert first.record.to_dict() == record and first.to_dict()["future_field"] == [1, 2]


def test_when_an_exchange_was_asked_is_a_typed_field_that_older_files_fill():
    conversation = history.new("tiny")
    written = {"question": "q", "answer": "a", "record": RECORD.to_dict(), "asked": "2026-12-01T09:30:00.000+00:00", "later": {"x": 1}}
    conversation.append(Exchange.read(written))  # as an earlier version wrote it: "asked" among the unknown fields
    conversation.append(Exchange("q2", "a2", RECORD))  # not yet stamped: filed stamped now
    [first, second] = list(history.open_conversation(conversation.id))
    assert first.asked == written["asked"] and "asked" not in first.extra and first.to_dict().items() >= written.items()
    assert second.asked is not None and second.asked[:4].isdigit() and second.asked >= first.asked
    assert Exchange.read({"question": "q", "answer": "a", "asked": 5}).asked is None  # a bad one costs only itself


def test_new_conversation_becomes_current_only_once_it_has_an_exchange():
    old = history.save("tiny", exchanges(3))
    fresh = history.new("tiny")
    assert not fresh.exists() and history.current("tiny")[0].id == old.id  # nothing written for an unused one
    fresh.append(Exchange("new topic", "fresh", RECORD))
    assert history.current("tiny")[0].id == fresh.id
    history.make_current(history.open_conversation(old.id))  # reopening the old one
    assert history.current("tiny")[0].id == old.id
    listed = history.list_conversations()
    assert [c.id for c in listed] == [fresh.id, old.id] and [c.count for c in listed] == [1, 3]


def test_search_finds_text_in_any_answer_and_delete_removes_for_good():
    a = history.save("tiny", exchanges(PART + 10))
    b = history.save("other", [Exchange("about the SEA", "the waters", RECORD)])
    a.append(Exchange("late", "a Leviathan appears", RECORD))
    hits = history.search("leviathan")
    assert [(c.id, "Leviathan" in snippet) for c, snippet in hits] == [(a.id, True)]
    assert [c.id for c, _ in history.search("sea")] == [b.id]
    assert history.search("nowhere to be found") == []
    history.delete(a)
    assert not a.folder.exists() and [c.id for c in history.list_conversations()] == [b.id]
    assert history.current("tiny")[0].count == 0  # its model starts afresh
    with pytest.raises(OracleError, match="gone"):
        history.open_conversation(a.id)


def test_format_1_file_is_migrated_and_kept():
    legacy = paths.conversations_dir() / "tiny.json"
    legacy.write_text(json.dumps({"format": "oracle-conversation", "format_version": 1, "model": "tiny",
                                  "exchanges": [e.to_dict() for e in exchanges(PART + 1)]}), "utf-8")
    conversation, notices = history.current("tiny")
    assert notices == [] and conversation.count == PART + 1 and conversation.title == "q0"
    assert [e.answer for e in conversation.page(PART + 1, 2)[0]] == [f"answer {PART - 1}", f"answer {PART}"]
    assert not legacy.exists() and legacy.with_name("tiny.json.v1-migrated").is_file()  # kept, never read again
    assert history.current("tiny")[0].id == conversation.id  # migrated once


@pytest.mark.parametrize("damage", [b"{not json", b'{"format": "something-else"}', b"\xff\xfe\x00", b"[" * 100 + b"]" * 100,
                                    b'{"format": "oracle-conversation", "exchanges": [{"question": 1}]}'])
def test_damaged_format_1_file_is_set_aside_with_a_notice(damage):
    path = paths.conversations_dir() / "tiny.json"
    path.write_bytes(damage)
    loaded, notice = history.load("tiny")
    assert loaded == []
    assert "damaged" in notice and ".corrupt-" in notice
    kept = list(path.parent.glob("tiny.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damage  # the user's bytes are kept, not destroyed
    assert not path.exists()
    history.save("tiny", [Exchange("again", "yes", RECORD)])  # and a fresh conversation saves fine
    assert history.load("tiny")[0][0].answer == "yes"


def test_a_damaged_part_is_set_aside_and_the_rest_still_reads():
    conversation = history.save("tiny", exchanges(2 * PART + 1))
    part = conversation.folder / "part-000001.json"
    part.write_bytes(b'{"format": "oracle-conversation-part", "format_version": 2, "exchanges": 7}')
    found, notices = conversation.page(PART + 2, 4)  # two from part 0... none from part 1
    assert [e.question for e in found] == [f"q{PART - 2}", f"q{PART - 1}"]
    assert len(notices) == 1 and "kept as part-000001.json.corrupt-" in notices[0]
    assert len(list(conversation)) == PART + 1  # part 1 is a hole; indices of part 2 are unchanged
    conversation.append(Exchange("after", "fine", RECORD))
    assert history.open_conversation(conversation.id).page(2 * PART + 2, 2)[0][-1].question == "after"


def test_an_exchange_without_a_question_sets_its_piece_aside_by_name_and_a_bad_pointer_costs_only_itself():
    conversation = history.save("tiny", exchanges(3))
    part = conversation.folder / "part-000000.json"
    data = json.loads(part.read_text("utf-8"))
    del data["exchanges"][1]["question"]
    part.write_text(json.dumps(data), "utf-8")
    found, notices = conversation.page(3, 3)
    assert found == [] and len(notices) == 1 and "part-000000.json.exchanges[1].question is missing" in notices[0]
    other = history.save("other", exchanges(1))
    pointer = paths.conversations_dir() / "current.json"
    pointers = json.loads(pointer.read_text("utf-8"))
    pointers["current"] = {**pointers["current"], "tiny": 7, "nobody": "../../etc"}
    pointer.write_text(json.dumps(pointers), "utf-8")
    assert history._read_current() == {"other": other.id}  # the bad entries are dropped, the good one kept


def test_a_newer_format_is_refused_by_name_not_overwritten():
    conversation = history.save("tiny", exchanges(1))
    card = conversation.folder / "conversation.json"
    card.write_text(json.dumps({"format": "oracle-conversation", "format_version": 99}), "utf-8")
    with pytest.raises(OracleError, match="newer Oracle"):
        history.open_conversation(conversation.id)
    assert card.is_file()


def test_markdown_names_model_settings_and_seeds(tmp_path):
    items = [Exchange("what is wisdom?", "a fear\nof the lord.", RECORD, stopped=True)]
    dest = history.export_markdown("tiny", items, tmp_path)
    text = dest.read_text("utf-8")
    assert dest.name == "tiny-conversation.md"
    assert "# A conversation with the oracle `tiny`" in text
    assert "## 1. what is wisdom?" in text and "> a fear\n> of the lord." in text
    assert "seed 42" in text and "temperature 0.5" in text and "top-k 3" in text and "stopped by the reader" in text


def test_export_to_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(OracleError, match="does not exist"):
        history.export_markdown("tiny", [], tmp_path / "nope" / "x.md")


def test_history_is_engine_code_without_textual():
    import subprocess
    import sys

    code = "import sys, oracle.tui.history; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
