"""The Oracle engine: corpora, the CharLSTM, training, streaming generation and the model store.

This module is the engine's one public face: the command line (`oracle/cli`) and the app
(`oracle/tui`) import only from here (tests/test_public_face.py keeps them to it). Pure library:
it never imports a UI toolkit (a test checks that `textual` stays out).

Every name is resolved on first use (PEP 562): `from oracle.engine import specs` imports the
schema alone, so answering `oracle --help` or a question never pays for torch; only the names
that need it (Trainer, CharLSTM, distributed, an Eye's first read) bring it in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> (the module that defines it, its name there).
_WHERE: dict[str, tuple[str, str]] = {}


def _export(module: str, *names: str, **renamed: str) -> None:
    """Export `names` from `module`; `renamed` exports module.value as key (a name the face would confuse)."""
    for name in names:
        _WHERE[name] = (module, name)
    for name, there in renamed.items():
        _WHERE[name] = (module, there)


_export("oracle.engine.errors", "write_remedy", "OracleError", "CorruptModel", "ModelBusy", "ModelNotFound", "NameTaken")
_export("oracle.engine.schema", "SettingError", "Spec", "cli_flag", "specs")
_export("oracle.engine.data.corpus", "SourceSpec", "bundled_corpora", "bundled_corpus", "corpus_origin", "read_text")
_export("oracle.engine.io.atomic", "write_bytes_atomic", "write_json_atomic")
_export("oracle.engine.io.readers", "ReadRefused", "read_json")
_export("oracle.engine.io.limits", "MAX_PROMPT_BYTES")
_export("oracle.engine.read.reading", "Oracle", "Reading")
_export("oracle.engine.read.settings", "SampleSettings", "STOP_RULES", "WORD_MODES")
_export("oracle.engine.read.record", "ReadingRecord", "SettingsChange", "VoiceChange")
_export("oracle.engine.read.voices", "format_blend", "normalise", "parse_blend")
_export("oracle.engine.read.pace", "DEFAULT_PACE", "Delivery", "Pacer")
_export("oracle.engine.model.config", "ModelConfig")
_export("oracle.engine.store.meta", "read_settings")
_export("oracle.engine.store.registry", "settings_path")
_export("oracle.engine.store.records", "ModelMeta")
_export("oracle.engine.train.control", "TrainingControl")
_export("oracle.engine.train.events", "CheckpointSaved", "EpochEnd", "Event", "Failed", "Finished", "Notice", "Progress",
        "Started", "bits")
_export("oracle.engine.train.recipes", "DESCRIPTIONS", "RECIPES", "Recipe", "get_recipe")
_export("oracle.engine.eye.page", "hex_colour", "html_page", "ink", "legend_stops", "write_html")
_export("oracle.engine.eye.search", "best", "search", "too_short", "unsearched")
_export("oracle.engine.scripture", "Composer", "Plan", "Sizes", "Scripture", "ChapterDone", "check_output",
        "regenerate_or_resume", ScriptureProgress="Progress", write_scripture="write", start_scripture="start",
        list_scriptures="list_saved", load_scripture="load", render_scripture="render")
_export("oracle.engine.scripture.record", "DEFAULT_TITLE", "theme_key", "parse_themes", "parse_voices")
_export("oracle.engine.scripture.md", "chapter_markdown", scripture_markdown="render")
_export("oracle.engine.eye.activations", "Eye", "KINDS", "LONGEST", "check_unit", "look")  # torch: on an Eye's first read
_export("oracle.engine.record", "Record", "RecordError", "spec")
# These pull torch in.
_export("oracle.engine.model.network", "CharLSTM")
_export("oracle.engine.train.trainer", "Trainer")
# Whole modules, used as namespaces (store.load, figures.size, paths.data_dir, distributed.launch).
_MODULES = {"store": "oracle.engine.store", "figures": "oracle.engine.figures", "paths": "oracle.engine.io.paths",
            "distributed": "oracle.engine.train.distributed", "card": "oracle.engine.card", "speech": "oracle.engine.speech"}

__all__ = sorted([*_WHERE, *_MODULES])


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _WHERE:
        module, there = _WHERE[name]
        value = getattr(importlib.import_module(module), there)
    else:
        raise AttributeError(f"module 'oracle.engine' has no attribute {name!r}")
    globals()[name] = value  # once found, a plain attribute: later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # the type checker sees every name as if imported here
    from oracle.engine import card, figures, speech, store
    from oracle.engine.data.corpus import SourceSpec, bundled_corpora, bundled_corpus, corpus_origin, read_text
    from oracle.engine.errors import CorruptModel, ModelBusy, ModelNotFound, NameTaken, OracleError, write_remedy
    from oracle.engine.eye.activations import KINDS, LONGEST, Eye, check_unit, look
    from oracle.engine.eye.page import hex_colour, html_page, ink, legend_stops, write_html
    from oracle.engine.eye.search import best, search, too_short, unsearched
    from oracle.engine.io import paths
    from oracle.engine.io.atomic import write_bytes_atomic, write_json_atomic
    from oracle.engine.io.limits import MAX_PROMPT_BYTES
    from oracle.engine.io.readers import ReadRefused, read_json
    from oracle.engine.model.config import ModelConfig
    from oracle.engine.model.network import CharLSTM
    from oracle.engine.read.pace import DEFAULT_PACE, Delivery, Pacer
    from oracle.engine.read.reading import Oracle, Reading
    from oracle.engine.read.record import ReadingRecord, SettingsChange, VoiceChange
    from oracle.engine.read.settings import STOP_RULES, WORD_MODES, SampleSettings
    from oracle.engine.read.voices import format_blend, normalise, parse_blend
    from oracle.engine.record import Record, RecordError, spec
    from oracle.engine.schema import SettingError, Spec, cli_flag, specs
    from oracle.engine.scripture import ChapterDone, Composer, Plan, Scripture, Sizes, check_output, regenerate_or_resume
    from oracle.engine.scripture import Progress as ScriptureProgress
    from oracle.engine.scripture import list_saved as list_scriptures
    from oracle.engine.scripture import load as load_scripture
    from oracle.engine.scripture import render as render_scripture
    from oracle.engine.scripture import start as start_scripture
    from oracle.engine.scripture import write as write_scripture
    from oracle.engine.scripture.md import chapter_markdown
    from oracle.engine.scripture.md import render as scripture_markdown
    from oracle.engine.scripture.record import DEFAULT_TITLE, parse_themes, parse_voices, theme_key
    from oracle.engine.store.meta import read_settings
    from oracle.engine.store.records import ModelMeta
    from oracle.engine.store.registry import settings_path
    from oracle.engine.train import distributed
    from oracle.engine.train.control import TrainingControl
    from oracle.engine.train.events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Notice, Progress, Started, bits
    from oracle.engine.train.recipes import DESCRIPTIONS, RECIPES, Recipe, get_recipe
    from oracle.engine.train.trainer import Trainer
