"""Prophecy cards (issue 29): the SVG holds the exchange as text, the PNG is really drawn, and the
same exchange always gives the same bytes."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from oracle.engine.card import HEIGHT, PALETTE, WIDTH, Card, card_png, card_svg, save_card
from oracle.engine.card.layout import ELLIPSIS
from oracle.engine.errors import OracleError
from oracle.engine.read.record import ReadingRecord

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Fear <script>alert(1)</script> & \x1b[2J rejoice\x07 </text>"


def _card(answer: str = "The wind answereth. Be still.", question: str = "What is <wisdom> & why?") -> Card:
    return Card.from_record(question, answer, ReadingRecord.read({"model": "tiny", "seed": 42, "voice": {"kjv": 0.7, "proverbs": 0.3}}),
                            asked="2026-12-03T14:55:41.123+00:00")


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # the SVG parses: nothing in the answer broke out of its element
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def test_svg_holds_question_answer_and_footer_as_escaped_text():
    svg = card_svg(_card(HOSTILE))
    texts = _texts(svg)
    drawn = " ".join(texts)
    assert "Fear <script>alert(1)</script> & \\x1b[2J rejoice\\x07 </text>" in drawn  # control characters as their escapes
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "\x1b" not in svg
    assert "\u201cWhat is <wisdom> & why?\u201d" in texts
    assert texts[-1] == "tiny \u00b7 kjv 0.70 + proverbs 0.30 \u00b7 seed 42 \u00b7 2026-12-03"
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))


def test_long_answer_is_cut_at_a_sentence_with_an_ellipsis():
    sentences = [f"Sentence number {i} walketh in the way of the wise." for i in range(60)]
    answer = " ".join(sentences)
    lines = list(_texts(card_svg(_card(answer)))[2:-1])  # between the question and the footer
    shown = " ".join(lines)
    assert shown.endswith("wise. " + ELLIPSIS)
    kept = shown[: -len(" " + ELLIPSIS)]
    assert answer.startswith(kept) and len(kept) < len(answer)
    assert len(kept) > 400  # the cut is near the end of the room, not at the first sentence


def test_word_cut_when_no_sentence_ends():
    answer = "word " * 2000
    shown = " ".join(_texts(card_svg(_card(answer)))[2:-1])
    assert shown.endswith(ELLIPSIS) and len(shown) > 400


def test_png_has_the_card_size_and_drawn_text():
    card = _card("Behold, the oracle speaketh in the night, and the stars answer.")
    image = Image.open(io.BytesIO(card_png(card))).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    inked = _inked(image)
    assert inked > 2000
    assert _inked(Image.open(io.BytesIO(card_png(_card(" ")))).convert("RGB")) < inked / 5


def _inked(image) -> int:
    """Pixels of the answer's band (below the question's rule, above the footer) that differ from the
    card's surface colour: text drawn there, not a blank image."""
    surface = np.array([int(PALETTE["surface"][i:i + 2], 16) for i in (1, 3, 5)])
    band = np.asarray(image.crop((80, 250, WIDTH - 80, 500)), dtype=np.int32)
    return int((np.abs(band - surface).sum(axis=2) > 60).sum())


def test_same_exchange_same_bytes(tmp_path):
    for suffix in (".svg", ".png"):
        first, second = save_card(_card(), tmp_path / f"a{suffix}"), save_card(_card(), tmp_path / f"b{suffix}")
        assert first.read_bytes() == second.read_bytes()
    other = Card.from_record("What is <wisdom> & why?", "The wind answereth. Be still.", ReadingRecord.read({"model": "tiny", "seed": 43}))
    assert card_svg(other) != card_svg(_card())


def test_bad_suffix_and_folder_are_one_sentence(tmp_path):
    with pytest.raises(OracleError, match=r"\.svg or \.png"):
        save_card(_card(), tmp_path / "card.jpg")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(OracleError, match="is a folder"):
        save_card(_card(), tmp_path / "dir.png")


def test_damaged_record_still_makes_a_card():
    card = Card.from_record("q", "a", ReadingRecord.read({"model": 3, "seed": "x", "voice": {"kjv": "lots", 4: 1}}), asked="yesterday")
    assert card.footer() == "" and card_svg(card)


def test_palette_is_the_apps_theme():
    from oracle.tui.theme import KAWAII

    for name, colour in PALETTE.items():
        assert getattr(KAWAII, name).lower() == colour


def test_ask_card_twice_gives_the_same_file(capsys, tiny_model, tmp_path, monkeypatch):
    from oracle.cli.entry import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764720000")  # 2025-12-03, the reproducible-builds convention
    made = []
    for name in ("one.png", "two.png", "one.svg"):
        code = main(["ask", "what is wisdom?", "--seed", "9", "--length", "80", "--card", str(tmp_path / name)])
        answer, err = capsys.readouterr()
        assert code == 0 and f"card saved to {tmp_path / name}" in err
        made.append(tmp_path / name)
    assert made[0].read_bytes() == made[1].read_bytes()
    texts = _texts(made[2].read_text("utf-8"))
    assert " ".join(texts[2:-1]).split() == answer.split()
    assert texts[-1] == "tiny \u00b7 seed 9 \u00b7 2025-12-03"
    code = main(["ask", "what is wisdom?", "--card", str(tmp_path / "card.gif")])
    assert code == 2 and "must end in .svg or .png" in capsys.readouterr().err


def test_a_verse_card_names_its_place():
    from dataclasses import replace

    verse = replace(_card("And the night answered the stars."), heading="The Book of <Night> 3:14")
    texts = _texts(card_svg(verse))
    assert texts[0] == "The Book of <Night> 3:14" and _texts(card_svg(_card()))[0] == "THE ORACLE ANSWERS"
