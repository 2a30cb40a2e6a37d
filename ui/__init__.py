"""The Qt desktop application (PySide6 Widgets). Talks to the core `hmis_desktop` only through its services."""
