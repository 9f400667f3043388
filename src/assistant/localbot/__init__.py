"""A local stand-in for Telegram's Bot API, as strict as Telegram (message limits, HTML
parsing, "message is not modified", blocked users): what the tests, the benchmarks, the
terminal chat (``assistant chat``) and the image test talk to instead of api.telegram.org.

``api`` answers Bot API calls in process (a python-telegram-bot request), ``simulator`` plays
residents against a real Application, ``http_server`` serves the same over HTTP for a bot in
another process, ``terminal`` is the terminal chat. Nothing in the bot depends on this package.
"""
