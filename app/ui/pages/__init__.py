"""The app's pages beyond the designer: Settings, Tasks and Messages.

Each page takes the :class:`~app.ui.context.AppContext` and nothing else it cannot build from
it; it reads and writes through :mod:`app.services`, off the GUI thread through
``context.background``.
"""

from app.ui.pages.messages_page import MessagesPage
from app.ui.pages.settings_page import SettingsPage
from app.ui.pages.tasks_page import TasksPage

__all__ = ["MessagesPage", "SettingsPage", "TasksPage"]
