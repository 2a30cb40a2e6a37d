"""Light and dark themes: the Fusion style, a matching palette, and a stylesheet from resources/styles."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
STYLES_DIR = RESOURCES / "styles"
ICONS_DIR = RESOURCES / "icons"
THEMES = ("light", "dark")

# Palette roles for widgets the stylesheet does not cover (menus, scroll bars, check boxes).
_PALETTES = {
    "light": {
        QPalette.ColorRole.Window: "#f5f7fa",
        QPalette.ColorRole.WindowText: "#1b2430",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f6f8fb",
        QPalette.ColorRole.Text: "#1b2430",
        QPalette.ColorRole.Button: "#ffffff",
        QPalette.ColorRole.ButtonText: "#1b2430",
        QPalette.ColorRole.Highlight: "#1f5fbf",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#14213d",
        QPalette.ColorRole.ToolTipText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#8a94a3",
        QPalette.ColorRole.Link: "#1f5fbf",
    },
    "dark": {
        QPalette.ColorRole.Window: "#1b1f27",
        QPalette.ColorRole.WindowText: "#e4e9f0",
        QPalette.ColorRole.Base: "#262c36",
        QPalette.ColorRole.AlternateBase: "#2a303a",
        QPalette.ColorRole.Text: "#e4e9f0",
        QPalette.ColorRole.Button: "#262c36",
        QPalette.ColorRole.ButtonText: "#e4e9f0",
        QPalette.ColorRole.Highlight: "#5b9bff",
        QPalette.ColorRole.HighlightedText: "#0f1420",
        QPalette.ColorRole.ToolTipBase: "#e4e9f0",
        QPalette.ColorRole.ToolTipText: "#11151c",
        QPalette.ColorRole.PlaceholderText: "#7d8796",
        QPalette.ColorRole.Link: "#5b9bff",
    },
}


def system_prefers_dark() -> bool:
    """Whether the desktop asks for a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, name: str | None = None) -> str:
    """Apply `light`, `dark`, or (None) whichever the system prefers; returns the theme used."""
    if name not in THEMES:
        name = "dark" if system_prefers_dark() else "light"
    if app.property("hmis_theme") is None:
        # Only once: replacing the QStyle under live widgets crashes QWizard (Qt 6.12) on the next restyle.
        app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in _PALETTES[name].items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#8a94a3"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#8a94a3"))
    app.setPalette(palette)
    sheet = (STYLES_DIR / f"{name}.qss").read_text("utf-8")
    # Stylesheet URLs are relative to the working directory; make them absolute.
    app.setStyleSheet(sheet.replace("@ICONS@", ICONS_DIR.as_posix()))
    app.setProperty("hmis_theme", name)
    return name


def current_theme(app: QApplication) -> str:
    """The theme last applied."""
    return str(app.property("hmis_theme") or "light")


def icon(name: str) -> QIcon:
    """An icon from resources/icons (SVG)."""
    return QIcon(str(ICONS_DIR / f"{name}.svg"))
