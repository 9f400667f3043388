"""The Telegram layer: the python-telegram-bot Application, its handlers and texts.

Everything Telegram-specific lives here; retrieval and storage are injected as services.
"""
