"""Read, check, mix and encode the texts an oracle learns from.

A corpus is held as one compact integer array per source (uint8 when the vocabulary fits), never
one-hot, so memory grows with the number of characters, not characters x vocabulary.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from oracle.engine.data.vocab import Vocabulary
from oracle.engine.errors import OracleError
from oracle.engine.io import limits, paths
from oracle.engine.io.readers import ReadRefused, read_regular
from oracle.engine.record import Record
from oracle.engine.record import spec as field_spec

MIX_BLOCK = 1 << 16  # chars taken from one source at a time when several are mixed


@dataclass
class SourceSpec:
    """One corpus on the command line: `PATH` or `PATH:WEIGHT`, or a bundled corpus name."""

    path: Path
    weight: float = 1.0
    name: str = ""

    @classmethod
    def parse(cls, spec: str) -> SourceSpec:
        weight = 1.0
        target = spec
        if "\x00" in spec:
            raise OracleError(f"Corpus {spec!r} holds a NUL character, which no file name can: "
                              "name a text file, a folder or a bundled corpus.")
        paths.check_storable(spec, "The corpus path")  # it goes into the model's metadata: refuse it now, not after an epoch
        head, sep, tail = spec.rpartition(":")
        if sep and not Path(spec).exists():
            try:
                weight = float(tail)
            except ValueError:
                raise OracleError(f"Corpus weight {tail!r} in {spec!r} is not a number: write PATH:WEIGHT, e.g. kjv:2.") from None
            if not math.isfinite(weight) or weight <= 0:
                raise OracleError(f"Corpus weight {tail!r} in {spec!r} must be a positive number.")
            target = head
        if not target.strip():
            # Path("") is the current folder: an empty name must not quietly train on whatever is here.
            raise OracleError(f"Corpus {spec!r} names no file: write PATH or PATH:WEIGHT, e.g. notes.txt:2.")
        try:
            path = Path(target).expanduser()
        except RuntimeError:  # "~someone" for a user that does not exist: take it literally
            path = Path(target)
        if not path.exists():
            bundled = bundled_corpus(target)
            if bundled is not None:
                return cls(bundled, weight, target)
        return cls(path, weight, own_name(path, path.stem if path.is_file() else path.name or target))


def own_name(path: Path, name: str) -> str:
    """The name of a text of one's own: its file name, but `my-NAME` where that is a bundled corpus's
    name (one's own proverbs.txt), so that in a mixed model its voice is never taken for the bundled one."""
    bundled = bundled_corpus(name)
    if bundled is None:
        return name
    try:
        if path.resolve() == bundled.resolve():
            return name  # the bundled file itself, named by its path
    except OSError:
        pass
    return f"my-{name}"


def corpus_origin(name: str, path: str | None, sha256: str) -> str:
    """Where a model's corpus came from, in a few words: "bundled", or the path it was read from."""
    for entry in bundled_corpora():
        if entry.name == name and entry.sha256 == sha256:
            return "bundled"
    if not path:
        return "its path not recorded"
    home = str(Path.home())
    shown = "~" + path[len(home):] if home != "/" and path.startswith(home + os.sep) else path
    return f"from {shown}"


@dataclass(frozen=True)
class BundledCorpus(Record):
    """One of the public-domain texts that ship with Oracle: an entry of corpora/index.json."""
    name: str
    file: str = field_spec(pattern=r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a file beside the index, nowhere else
    chars: int = field_spec(low=0)
    sha256: str = ""
    title: str = ""
    description: str = ""
    path: str = ""  # where it lies on this machine (not in the index: the folder it was read from joined to `file`)


def bundled_corpora() -> list[BundledCorpus]:
    """The public-domain texts that ship with Oracle, from corpora/index.json."""
    folder = paths.bundled_corpora_dir()
    index = folder / "index.json"
    if not index.is_file():
        return []
    listed = json.loads(index.read_text("utf-8"))
    return [replace(entry, path=str(folder / entry.file))
            for entry in (BundledCorpus.from_dict(item, f"{index}[{i}]") for i, item in enumerate(listed))]


def bundled_corpus(name: str) -> Path | None:
    for entry in bundled_corpora():
        if entry.name == name:
            return Path(entry.path)
    return None


def _text_files(folder: Path) -> list[Path]:
    # os.walk does not follow symlinked folders, so a symlink loop cannot trap us.
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        # is_file() follows a symlink and is False for a FIFO or a device: only regular files are read.
        found += [Path(root) / f for f in sorted(files) if f.lower().endswith(".txt") and (Path(root) / f).is_file()]
    return found


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_encoding(encoding: str) -> None:
    """Refuse an encoding Python does not know, or a codec that is not text (base64, zlib...)."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):
        raise OracleError(f"Unknown encoding {encoding!r}: use a Python codec name such as utf-8, latin-1 or utf-16.") from None
    if not getattr(info, "_is_text_encoding", True):
        raise OracleError(f"{encoding!r} is not a text encoding: use a codec such as utf-8, latin-1 or utf-16.")


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read one text file, or say in one sentence why it cannot be used."""
    try:
        # Regular files only, read to a stated size: a FIFO would hang, /dev/zero would never end.
        data = read_regular(path, limits.MAX_CORPUS_BYTES)
    except ReadRefused as why:
        raise OracleError(f"{path} {why}: give a text file, a folder of .txt files, or a bundled corpus.") from None
    except OSError as err:
        raise OracleError(f"Cannot read {path}: {err.strerror}.") from None
    if not data.strip():
        raise OracleError(f"{path} is empty: give a file with some text in it.")
    if encoding.replace("-", "").lower() == "utf8":
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise OracleError(f"{path} is UTF-16 (it starts with a UTF-16 byte-order mark)", remedy="encoding", encoding="utf-16")
        nul = data.find(b"\x00")
        if nul >= 0:
            raise OracleError(f"{path} looks binary (a NUL byte at offset {nul})", remedy="binary")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise OracleError(f"{path} is not valid {encoding} (bad byte at offset {err.start})", remedy="other_encoding") from None
    except LookupError:
        raise OracleError(f"Unknown encoding {encoding!r}: use a Python codec name such as utf-8, latin-1 or utf-16.") from None
    except (UnicodeError, ValueError, TypeError):  # punycode and friends fail without an offset
        raise OracleError(f"{path} cannot be decoded as {encoding}", remedy="other_encoding") from None
    del data
    lone = _SURROGATE.search(text)
    if lone:  # unicode_escape turns the text "\ud800" into a half character no file can store
        raise OracleError(f"{path} decodes as {encoding} to a lone surrogate (U+{ord(lone.group()):04X}) at character {lone.start()}, "
                          "which no text can hold", remedy="other_encoding")
    text = text.removeprefix("\ufeff")
    if not text.strip():  # str.strip knows Unicode whitespace (e.g. U+001C) that bytes.strip does not
        raise OracleError(f"{path} is empty: give a file with some text in it.")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise OracleError(f"{path} holds NUL characters: give a plain text file.")
    return text


def load_source_text(spec: SourceSpec, encoding: str = "utf-8") -> str:
    path = spec.path
    if not path.exists():
        names = ", ".join(e.name for e in bundled_corpora()) or "none"
        raise OracleError(f"{path} does not exist: give a text file, a folder of .txt files, or a bundled corpus ({names}).")
    if path.is_dir():
        files = _text_files(path)
        if not files:
            raise OracleError(f"{path} holds no .txt files: put UTF-8 .txt files in it or name a file directly.")
        total = sum(f.stat().st_size for f in files)
        if total > limits.MAX_CORPUS_BYTES:  # the cap is per corpus, not per file: a folder is one corpus
            raise OracleError(f"{path} holds {total:,} bytes of .txt files, more than the {limits.MAX_CORPUS_BYTES:,} one corpus "
                              "may have: name fewer files or a smaller folder.")
        return "\n\n".join(read_text(f, encoding) for f in files)
    return read_text(path, encoding)


@dataclass
class Source:
    name: str
    origin: str
    sha256: str
    weight: float
    chars: int
    train: np.ndarray
    val: np.ndarray

    def describe(self) -> dict:
        return {"name": self.name, "path": self.origin, "sha256": self.sha256, "weight": self.weight,
                "chars": self.chars, "train_chars": len(self.train), "val_chars": len(self.val)}


@dataclass
class Corpus:
    vocab: Vocabulary
    lowercase: bool
    sources: list[Source] = field(default_factory=list)

    @property
    def train_chars(self) -> int:
        return sum(len(s.train) for s in self.sources)

    def epoch_stream(self, epoch: int, seed: int, block: int = MIX_BLOCK) -> np.ndarray:
        """The training text for one epoch.

        With one source it is the source itself. With several, blocks are drawn from the sources
        in proportion to their weights (a heavy source is read more than once, a light one in
        part), each source read onward from a random point, so the mix follows the weights rather
        than the files' sizes. The same (epoch, seed) always gives the same stream, which is what
        makes resuming exact. `block`: chars per block (voiced training switches sources more often).
        """
        if len(self.sources) == 1:
            return self.sources[0].train
        rng, picks = self._mix(epoch, seed, block)
        cursors = [int(rng.integers(len(s.train))) for s in self.sources]
        blocks = []
        for i in picks:
            train = self.sources[i].train
            start = cursors[i]
            # Wrap around (more than once if the source is shorter than a block): every block
            # must be full length or the stream comes out shorter than train_chars.
            blocks.append(train[(start + np.arange(block)) % len(train)])
            cursors[i] = (start + block) % len(train)
        return np.concatenate(blocks)[: self.train_chars]

    def _mix(self, epoch: int, seed: int, block: int) -> tuple[np.random.Generator, np.ndarray]:
        rng = np.random.default_rng([seed, epoch, 7])
        weights = np.array([s.weight for s in self.sources], dtype=np.float64)
        picks = rng.choice(len(self.sources), size=math.ceil(self.train_chars / block), p=weights / weights.sum())
        return rng, picks

    def epoch_blocks(self, epoch: int, seed: int, block: int = MIX_BLOCK) -> np.ndarray:
        """Which source each `block`-char block of `epoch_stream(epoch, seed, block)` was read from
        (voiced training labels every character with its source)."""
        if len(self.sources) == 1:
            return np.zeros(math.ceil(self.train_chars / block), dtype=np.int64)
        return self._mix(epoch, seed, block)[1]

    def random_passage(self, rng: np.random.Generator, length: int = 40) -> str:
        source = self.sources[int(rng.integers(len(self.sources)))]
        start = int(rng.integers(max(1, len(source.train) - length)))
        return self.vocab.decode(source.train[start:start + length])


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_corpus(specs: list[SourceSpec], *, lowercase: bool, val_fraction: float, min_train: int,
                 encoding: str = "utf-8", vocab: Vocabulary | None = None) -> Corpus:
    """Read every source, build (or reuse) the vocabulary and split each source train/validation.

    The last `val_fraction` of each source is held out, so validation text is never trained on.
    `vocab` is given when resuming or continuing a model: its text must fit the model's alphabet.
    """
    if not specs:
        raise OracleError("No corpus given: name at least one text file, folder or bundled corpus.")
    check_encoding(encoding)
    texts = []
    for spec in specs:
        text = load_source_text(spec, encoding)
        texts.append((spec, sha256_text(text), text.lower() if lowercase else text))
    if vocab is None:
        vocab = Vocabulary.from_texts(t for _, _, t in texts)
        limits.check_vocab(len(vocab), "The corpus" if len(texts) == 1 else "The corpora together")
    corpus = Corpus(vocab=vocab, lowercase=lowercase)
    for spec, digest, text in texts:
        n_val = int(len(text) * val_fraction)
        if len(text) - n_val < min_train:
            raise OracleError(f"{spec.path} has {len(text) - n_val} training characters, fewer than one training sequence ({min_train})",
                              remedy="shorter_sequences")
        try:
            ids = vocab.encode(text)
        except ValueError:
            raise OracleError(f"{spec.path} uses characters the model never saw: train a new model on it instead of resuming.") from None
        # The resolved path identifies the source: a resume from another folder finds it again.
        corpus.sources.append(Source(name=spec.name, origin=str(spec.path.resolve()), sha256=digest, weight=spec.weight,
                                     chars=len(text), train=ids[: len(ids) - n_val], val=ids[len(ids) - n_val:]))
    return corpus
