"""Speaking answers (issue 29): sentences cut from the stream, the voice table and its overrides,
`--say-to` writing a real WAV through espeak-ng, `--say` never holding up the stream, and one
sentence with exit 2 where espeak-ng is missing."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
import wave

import pytest

from oracle.cli.entry import main
from oracle.engine.errors import OracleError
from oracle.engine.speech import TABLE, Sentences, Speaker, SpeechVoice, voice_for, with_overrides

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (.ci/run installs it)")


def test_sentences_come_out_as_the_stream_completes_them():
    cut = Sentences()
    heard = [s for ch in "Lo, the wind. It bloweth!\nAnd yet" for s in cut.feed(ch)]
    assert heard == ["Lo, the wind.", "It bloweth!"]
    assert cut.flush() == ["And yet"]
    endless = Sentences().feed("and " * 100)  # no end mark: spoken in pieces, not held back forever
    assert endless and len(endless[0]) <= 240


def test_voice_table_and_overrides(oracle_home):
    assert voice_for({"kjv": 0.2, "jargon": 0.8}, TABLE) == TABLE["jargon"]
    assert voice_for(None, TABLE) == TABLE["default"]
    table = with_overrides({"kjv": {"pitch": 20}, "mine": {"voice": "en-us", "speed": 200}})
    assert table["kjv"] == SpeechVoice(TABLE["kjv"].voice, 20, TABLE["kjv"].speed)
    assert table["mine"] == SpeechVoice("en-us", TABLE["default"].pitch, 200)
    assert with_overrides({"kjv": {"speed": 150, "from_a_newer_oracle": 1}})["kjv"].speed == 150
    for bad, word in (({"kjv": {"voice": "-w /etc/x"}}, "speech.kjv.voice"), ({"kjv": {"pitch": 300}}, "speech.kjv.pitch"),
                      ({"kjv": {"speed": True}}, "speech.kjv.speed must be a whole number"), ({"kjv": 3}, "speech.kjv"), ([], "table")):
        with pytest.raises(OracleError, match=word):
            with_overrides(bad)


@needs_espeak
def test_say_to_writes_a_wav_of_plausible_length(capsys, tiny_model, tmp_path, oracle_home):
    (oracle_home / "settings.json").write_text(json.dumps({"speech": {"default": {"speed": 175}}}), "utf-8")
    out = tmp_path / "answer.wav"
    code = main(["ask", "what is wisdom?", "--seed", "3", "--length", "120", "--stop", "length", "--say-to", str(out)])
    answer, err = capsys.readouterr()
    assert code == 0 and "speech written to" in err
    with wave.open(str(out)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    words = len(answer.split())
    # At 175 words a minute, give or take what pauses and the model's made-up words do.
    assert 0.4 * words * 60 / 175 < seconds < 2.5 * words * 60 / 175


def test_missing_espeak_is_one_sentence_and_exit_2(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH without espeak-ng
    import subprocess
    import sys

    for flag in (["--say"], ["--say-to", str(tmp_path / "x.wav")]):  # (tmp_path exists: the folder check passes)
        done = subprocess.run([sys.executable, "-m", "oracle", "ask", "hello?", *flag], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and "espeak-ng package" in done.stderr and "Traceback" not in done.stderr


def _fake_espeak(folder, log, delay: float = 0.0):
    """An espeak-ng stand-in on PATH that records what it was asked to say (and takes `delay` s to say it)."""
    script = folder / "espeak-ng"
    script.write_text(f"#!/bin/sh\nsleep {delay}\ncat >> {log}\necho '|' >> {log}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_say_speaks_each_sentence_without_holding_up_the_stream(capsys, tiny_model, tmp_path, monkeypatch):
    log = tmp_path / "said.txt"
    _fake_espeak(tmp_path, log, delay=0.3)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    code = main(["ask", "what is wisdom?", "--seed", "5", "--length", "200", "--stop", "length", "--say"])
    answer, _ = capsys.readouterr()
    assert code == 0
    said = [s.strip() for s in log.read_text().split("|") if s.strip()]
    assert " ".join(said) == " ".join(answer.split())  # every word spoken, in order


def test_speaker_stop_silences_at_once(tmp_path):
    log = tmp_path / "said.txt"
    speaker = Speaker(str(_fake_espeak(tmp_path, log, delay=5)))
    queued = time.monotonic()
    for n in range(3):
        speaker.say(f"sentence {n}.", TABLE["default"])
    assert time.monotonic() - queued < 0.5  # 15 s of speech queued without waiting for any of it
    time.sleep(0.3)
    started = time.monotonic()
    speaker.stop()
    speaker.wait()
    assert time.monotonic() - started < 2  # the 5 s sentence was cut and the other two dropped
    speaker.close()
    assert "sentence 1" not in (log.read_text() if log.exists() else "")


def test_a_missing_folder_is_said_before_the_answer(capsys, tiny_model, tmp_path):
    for flag, name in (("--say-to", "x.wav"), ("--card", "x.png")):
        code = main(["ask", "what is wisdom?", flag, str(tmp_path / "no-such-folder" / name)])
        out, err = capsys.readouterr()
        assert code == 2 and out == "" and "does not exist" in err
    code = main(["ask", "what is wisdom?", "--say-to", str(tmp_path / "x.mp3")])
    assert code == 2 and "must end in .wav" in capsys.readouterr().err


def test_the_apps_voice_follows_a_blend_changed_mid_answer(oracle_home):
    from oracle.tui.speaking import SpeechControl

    control = SpeechControl()
    control.begin({"kjv": 1.0})
    assert control.voice == TABLE["kjv"]
    control.follow({"kjv": 0.2, "jargon": 0.8})
    assert control.voice == TABLE["jargon"]
