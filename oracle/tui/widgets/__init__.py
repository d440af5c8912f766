"""The app's widgets: what the screens compose."""
