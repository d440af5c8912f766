"""Speaking answers aloud with espeak-ng (a program, not a library: it runs in its own process).

table.py: each oracle voice's espeak-ng voice, pitch and speed, changeable in settings.json;
sentences.py: a streamed answer cut into sentences; speaker.py: a queue of sentences spoken one
after another without holding up the stream, stopped at once by `stop()`, and WAV files.
"""

from oracle.engine.speech.sentences import Sentences, speakable
from oracle.engine.speech.speaker import MISSING, Speaker, SpeechUnavailable, espeak, write_wav
from oracle.engine.speech.table import TABLE, SpeechVoice, load_table, voice_for, with_overrides

__all__ = ["MISSING", "TABLE", "Sentences", "Speaker", "SpeechUnavailable", "SpeechVoice", "espeak", "load_table", "speakable",
           "voice_for", "with_overrides", "write_wav"]
