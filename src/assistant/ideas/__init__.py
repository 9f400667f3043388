"""Residents' ideas, apart from any chat: what an idea is (``model``) and the conversation
that writes one (``flow``). The store keeps them (``assistant.store``); the bot talks them
through (``assistant.bot.ideas``)."""
