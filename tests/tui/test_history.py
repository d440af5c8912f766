"""Conversation persistence: round trip, a damaged file set aside (not lost), Markdown export."""

from __future__ import annotations

import pytest

from oracle.engine import OracleError, history
from oracle.engine.history import Exchange

RECORD = {"model": "tiny", "seed": 42, "settings": {"temperature": 0.5, "top_k": 3, "top_p": 0.9, "length": 80,
                                                    "stop": "sentence", "min_length": 10}}


def test_round_trip_per_model():
    history.save("tiny", [Exchange("what is wisdom?", "a fear.", RECORD), Exchange("and?", "more", RECORD, stopped=True)])
    history.save("other", [Exchange("hello", "hi", RECORD)])
    loaded, notice = history.load("tiny")
    assert notice is None
    assert [e.question for e in loaded] == ["what is wisdom?", "and?"]
    assert loaded[1].stopped and loaded[0].record["seed"] == 42
    assert [e.answer for e in history.load("other")[0]] == ["hi"]
    assert history.load("nobody") == ([], None)


@pytest.mark.parametrize("damage", [b"{not json", b'{"format": "something-else"}', b"\xff\xfe\x00",
                                    b'{"format": "oracle-conversation", "exchanges": [{"question": 1}]}'])
def test_damaged_file_is_set_aside_with_a_notice(damage):
    path = history.conversation_path("tiny")
    path.write_bytes(damage)
    loaded, notice = history.load("tiny")
    assert loaded == []
    assert "damaged" in notice and ".corrupt-" in notice
    kept = list(path.parent.glob("tiny.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damage  # the user's bytes are kept, not destroyed
    assert not path.exists()
    history.save("tiny", [Exchange("again", "yes", RECORD)])  # and a fresh conversation saves fine
    assert history.load("tiny")[0][0].answer == "yes"


def test_markdown_names_model_settings_and_seeds(tmp_path):
    exchanges = [Exchange("what is wisdom?", "a fear\nof the lord.", RECORD, stopped=True)]
    dest = history.export_markdown("tiny", exchanges, tmp_path)
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

    code = "import sys, oracle.engine.history; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
