"""Speaking through espeak-ng: one process per sentence, fed from a queue by a thread of its own,
so the answer's stream never waits for a voice; `stop()` silences it at once."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from oracle.engine.errors import OracleError
from oracle.engine.speech.table import SpeechVoice

PROGRAM = "espeak-ng"
MISSING = "Speaking needs espeak-ng, which is not installed: install the espeak-ng package (Debian: apt install espeak-ng)."


class SpeechUnavailable(OracleError):
    """espeak-ng is not on PATH."""


def espeak() -> str:
    """The espeak-ng program's path, or SpeechUnavailable naming the package to install."""
    found = shutil.which(PROGRAM)
    if found is None:
        raise SpeechUnavailable(MISSING)
    return found


class Speaker:
    """Says sentences in order, each in its own espeak-ng process. `say` never blocks."""

    def __init__(self, program: str | None = None) -> None:
        self.program = program or espeak()
        self._queue: queue.Queue = queue.Queue()
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._generation = 0  # bumped by stop(): sentences queued before it are dropped
        self.trouble: str | None = None  # what espeak-ng said when it could not play (no sound device...)
        self._thread = threading.Thread(target=self._run, name="oracle-speech", daemon=True)
        self._thread.start()

    def say(self, sentence: str, voice: SpeechVoice) -> None:
        self._queue.put((self._generation, sentence, voice))

    def stop(self) -> None:
        """Silence now: the sentence being spoken is cut and those waiting are dropped."""
        with self._lock:
            self._generation += 1
            if self._process is not None and self._process.poll() is None:
                _kill(self._process)

    def wait(self) -> None:
        """Return once everything said so far has been spoken (or stopped)."""
        self._queue.join()

    def close(self) -> None:
        self.stop()
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                generation, sentence, voice = item
                with self._lock:
                    if generation != self._generation:
                        continue
                    self._process = subprocess.Popen([self.program, *voice.args(), "--stdin"], stdin=subprocess.PIPE,
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                     start_new_session=True)  # its own group: stop() ends it and its helpers
                _, err = self._process.communicate(sentence.encode("utf-8"))
                said = err.decode("utf-8", "replace").strip()
                # espeak-ng without a sound device still exits 0, having said "error" on stderr.
                if self.trouble is None and (self._process.returncode not in (0, -9) or "error" in said.lower()):
                    self.trouble = said.splitlines()[-1] if said else f"exit status {self._process.returncode}"
            except OSError as err:
                self.trouble = self.trouble or err.strerror or str(err)
            finally:
                self._queue.task_done()


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # gone already, or no process groups here
        process.kill()


def write_wav(text: str, voice: SpeechVoice, path: Path, program: str | None = None) -> Path:
    """Speak `text` into a WAV file at `path`, written whole or not at all (a temp file, then renamed)."""
    program = program or espeak()
    path = Path(path).expanduser()
    if path.is_dir():
        raise OracleError(f"{path} is a folder: name a file to write the speech to, e.g. {path / 'answer.wav'}.")
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp.wav")
    try:
        done = subprocess.run([program, *voice.args(), "--stdin", "-w", str(temp)], input=text.encode("utf-8"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        if done.returncode != 0 or not temp.exists():
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OracleError(f"espeak-ng could not write {path}: {said[-1] if said else f'exit status {done.returncode}'}.")
        os.replace(temp, path)
    except OSError as err:
        raise OracleError(f"Could not write the speech to {path} ({err.strerror}): choose a writable folder.") from None
    finally:
        temp.unlink(missing_ok=True)
    return path
