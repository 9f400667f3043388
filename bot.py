"""Run the Telegram bot: ``python bot.py`` (same as ``assistant run``)."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
