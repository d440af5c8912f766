"""Oracle's benchmark against the recipe it grew from: `python -m bench` (see `python -m bench --help`)."""
