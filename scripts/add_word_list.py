"""Give a model trained before word lists existed its word list, without retraining it.

    .venv/bin/python scripts/add_word_list.py models/default

Reads the corpora its meta.json records (by path, relative to the repository or absolute), checks
each against its recorded sha256, counts their words with the trainer's own rule and casing
(oracle/engine/data/words.py), writes `words-<sha>.txt` beside the weights and records it in meta.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from oracle.engine.data import words
from oracle.engine.data.corpus import SourceSpec, load_source_text, sha256_text
from oracle.engine.io.atomic import write_json_atomic

REPO = Path(__file__).resolve().parent.parent


def main(folder: Path) -> int:
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    texts = []
    for corpus in meta["corpora"]:
        path = Path(corpus["path"])
        path = path if path.is_absolute() else REPO / path
        text = load_source_text(SourceSpec(path, corpus["weight"], corpus["name"]))
        if sha256_text(text) != corpus["sha256"]:
            sys.stderr.write(f"{path} is not the text {folder.name} was trained on (its sha256 differs).\n")
            return 1
        texts.append(text.lower() if meta.get("lowercase") else text)
    counts = words.count_words(texts[i] + "\n" for i in range(len(texts)))
    meta["words"] = words.write(folder, words.WordList.from_counts(counts))
    write_json_atomic(folder / "meta.json", meta)
    print(f"{folder}: {meta['words']['words']:,} words ({meta['words']['tokens']:,} in all) in {meta['words']['file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "models" / "default")))
