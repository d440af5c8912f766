"""Reading an answer: the stream of characters, the speller that keeps to real words, voices."""
