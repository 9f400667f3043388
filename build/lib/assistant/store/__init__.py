"""Storage: the SQLite database, its numbered migrations and the stores built on it.

Knows nothing of Telegram: user ids are plain integers handed in by the bot layer.
"""

from assistant.store.db import Database
from assistant.store.prefs import Preferences
from assistant.store.questions import QuestionLog, Report

__all__ = ["Database", "Preferences", "QuestionLog", "Report"]
