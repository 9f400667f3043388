"""The assistant's own exceptions, so callers can tell a resident's or maintainer's mistake apart
from a bug.

AssistantError
├── ConfigError          a setting is missing or invalid
├── KnowledgeError       a knowledge/ file is malformed (names file, field, line)
├── IndexError_          the search index cannot be used
│   ├── IndexMissing     no index has been built yet
│   ├── IndexCorrupt     the index directory is damaged or incomplete
│   └── IndexStale       the index was built with another model than the one configured
└── StorageError         the database cannot be opened or written
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for a person and fits on one line."""


class ConfigError(AssistantError):
    """A setting is missing or has an invalid value."""


class KnowledgeError(AssistantError):
    """A knowledge file is malformed; the message names the file, the field and the line."""

    def __init__(
        self, path: str, problem: str, *, field: str | None = None, line: int | None = None
    ) -> None:
        self.path = path
        self.problem = problem
        self.field = field
        self.line = line
        where = path + (f":{line}" if line is not None else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{problem}")


class IndexError_(AssistantError):
    """The search index cannot be used."""


class IndexMissing(IndexError_):
    """No index has been built yet."""


class IndexCorrupt(IndexError_):
    """The index directory is damaged or incomplete."""


class IndexStale(IndexError_):
    """The index was built with another model than the one configured."""


class StorageError(AssistantError):
    """The database cannot be opened or written."""


class StorageUnavailable(StorageError):
    """The database cannot be reached or written right now (read-only, locked, disk full,
    connection lost), as opposed to a wrong statement or a constraint: worth telling the
    resident to try again later. Raised by ``Database.call``, the one door the bot uses."""

    @property
    def reason(self) -> str:
        """The underlying error's kind, safe to log (no statement, no values)."""
        cause = self.__cause__
        return type(cause).__name__ if cause is not None else type(self).__name__
