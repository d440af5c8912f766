"""Files: atomic writes, bounded readers, the data folder's paths, model locks and the stated limits."""
