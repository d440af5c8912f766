"""The inner eye: every unit's activation per character, the feature search and the HTML page."""
