"""The stated limits on what Oracle reads and builds, so that no input can ask for unbounded memory.

Each limit is far above anything a character-level oracle on one machine needs, and far below
what would exhaust it. They are checked before any work starts, with one sentence that names the
value and the limit.
"""

from __future__ import annotations

from oracle.engine.errors import OracleError

MAX_VOCAB = 16384  # distinct characters (a CJK text uses a few thousand; 100k would be noise)
MAX_CORPUS_BYTES = 1 << 30  # one corpus file: 1 GiB of text is ~5 GiB once decoded and encoded
MAX_WEIGHTS_BYTES = 8 << 30  # one safetensors file
MAX_IMPORT_BYTES = 8 << 30  # one .oracle export
MAX_EXPORT_HEADER_BYTES = 96 << 20  # an export's JSON header: its metadata and its word list
MAX_PARAMETERS = 1 << 30  # 4 GiB of float32 weights (and three times that for the optimiser's state)
MAX_STEP_BYTES = 64 << 30  # estimated memory of one training step
MAX_PROMPT_BYTES = 16 << 20  # a question read from stdin (only its last few thousand characters are used)
# A question, whatever face it comes from: stored whole with its answer, so a conversation's part
# (one exchange at most ~6 bytes a character once JSON-escaped) always stays under what its reader takes.
MAX_QUESTION_CHARS = 4 << 20
EVAL_FLOATS = 1 << 24  # logits (and one-hot inputs) held at once while validating: 64 MiB


def parameters(config) -> int:
    """The weights a config asks for, counted without building anything."""
    h, v = config.hidden_size, config.vocab_size
    return (0 if config.one_hot else v * config.embed_dim) + 4 * h * (config.input_size + h + 2) \
        + (4 * h * (2 * h + 2)) * (config.num_layers - 1) + v * (h + 1) \
        + ((config.voices + 1) * config.voice_dim if getattr(config, "voices", 0) else 0)


def check_model_size(config) -> None:
    count = parameters(config)
    if count > MAX_PARAMETERS:
        raise OracleError(f"A model of {config.num_layers} layers of {config.hidden_size:,} hidden units over {config.vocab_size:,} "
                          f"characters would have {count:,} parameters, more than the {MAX_PARAMETERS:,} allowed: make it smaller.")


def check_step_memory(batch: int, seq_len: int, config, every_position: bool) -> None:
    """Refuse a training step that could not fit in memory: activations, gates and logits (float32)."""
    tokens = batch * seq_len
    per_token = config.input_size + 10 * config.hidden_size * config.num_layers
    logits = (tokens if every_position else batch) * config.vocab_size * 3  # logits, softmax, gradient
    need = 4 * (tokens * per_token + logits)
    if need > MAX_STEP_BYTES:
        raise OracleError(f"One training step of {batch:,} sequences of {seq_len:,} characters would need about {need / 2**30:,.0f} GiB "
                          f"of memory, more than the {MAX_STEP_BYTES >> 30} GiB allowed: use a smaller batch size or sequence length.")


def check_vocab(size: int, where: str) -> None:
    if size > MAX_VOCAB:
        raise OracleError(f"{where} holds {size:,} distinct characters, more than the {MAX_VOCAB:,} a model can have: "
                          "give text in fewer scripts, or lowercase it.")
