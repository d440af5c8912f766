"""Oracle's own theme: soft pastels on a night-violet ground, in the spirit of the "kawaii" article.

Textual's built-in themes stay available from the command palette ("Change theme").
"""

from textual.theme import Theme

KAWAII = Theme(
    name="kawaii",
    primary="#ff8fc7",  # sakura pink
    secondary="#b9a2ff",  # lavender
    accent="#7fe0d0",  # mint
    warning="#ffd88a",
    error="#ff6b8b",
    success="#9be7a8",
    foreground="#fbeaf4",
    background="#211a2c",
    surface="#2b2238",
    panel="#3a2c4a",
    dark=True,
)
