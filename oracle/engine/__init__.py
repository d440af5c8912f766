"""The Oracle engine: corpora, the CharLSTM, training, streaming generation and the model store.

Pure library: it never imports a UI toolkit (a test checks that `textual` stays out).
"""

from . import distributed, store
from .control import TrainingControl
from .corpus import SourceSpec, bundled_corpora
from .errors import CorruptModel, ModelBusy, ModelNotFound, NameTaken, OracleError
from .events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Notice, Progress, Started
from .model import CharLSTM, ModelConfig
from .recipes import DESCRIPTIONS, RECIPES, Recipe, get_recipe
from .sample import Oracle, Reading, SampleSettings
from .train import Trainer

__all__ = [
    "distributed", "store", "TrainingControl", "SourceSpec", "bundled_corpora", "CorruptModel", "ModelBusy", "ModelNotFound", "NameTaken",
    "OracleError", "CheckpointSaved", "EpochEnd", "Event", "Failed", "Finished", "Notice", "Progress", "Started",
    "CharLSTM", "ModelConfig", "DESCRIPTIONS", "RECIPES", "Recipe", "get_recipe", "Oracle", "Reading",
    "SampleSettings", "Trainer",
]
