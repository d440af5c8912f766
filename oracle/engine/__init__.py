"""The Oracle engine: corpora, the CharLSTM, training, streaming generation and the model store.

Pure library: it never imports a UI toolkit (a test checks that `textual` stays out).
"""

from oracle.engine import store
from oracle.engine.data.corpus import SourceSpec, bundled_corpora
from oracle.engine.errors import CorruptModel, ModelBusy, ModelNotFound, NameTaken, OracleError
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.read.reading import Oracle, Reading, SampleSettings
from oracle.engine.train import distributed
from oracle.engine.train.control import TrainingControl
from oracle.engine.train.events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Notice, Progress, Started
from oracle.engine.train.recipes import DESCRIPTIONS, RECIPES, Recipe, get_recipe
from oracle.engine.train.trainer import Trainer

__all__ = [
    "distributed", "store", "TrainingControl", "SourceSpec", "bundled_corpora", "CorruptModel", "ModelBusy", "ModelNotFound", "NameTaken",
    "OracleError", "CheckpointSaved", "EpochEnd", "Event", "Failed", "Finished", "Notice", "Progress", "Started",
    "CharLSTM", "ModelConfig", "DESCRIPTIONS", "RECIPES", "Recipe", "get_recipe", "Oracle", "Reading",
    "SampleSettings", "Trainer",
]
