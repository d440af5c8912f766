"""Training: the trainer, recipes, evaluation, events, control and distributed runs."""
