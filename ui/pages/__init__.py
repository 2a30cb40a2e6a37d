"""The main window's pages. Each is a `Page` (see `base.py`) in its own module."""
