"""Oracle: a character-level LSTM that answers questions in the voice of the texts it learned."""

__version__ = "0.1.0"
