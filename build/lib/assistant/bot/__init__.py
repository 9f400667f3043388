"""The Telegram layer: the python-telegram-bot Application, its handlers and texts.

Everything Telegram-specific lives here; retrieval and storage are injected as services.
"""

import os

# Opt in to python-telegram-bot's future behaviour (durations as timedelta): no deprecation
# warnings when a 429's retry_after is logged by the rate limiter.
os.environ.setdefault("PTB_TIMEDELTA", "1")
