"""The app as its own type: Textual types `self.app` as any App, while the faces call OracleApp's methods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from oracle.tui.app import OracleApp


def oracle_app(holder: Any) -> OracleApp:
    """`holder.app` (a widget's, a screen's or a command provider's) as the OracleApp it always is here."""
    return cast("OracleApp", holder.app)
