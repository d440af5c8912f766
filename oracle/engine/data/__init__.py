"""Corpora, their vocabulary, training batches and the word lists built from them."""
