"""The staff console: a web page, served by the assistant itself, where moderators review ideas
and maintainers see and fix where the texts fall short. It knows nothing of Telegram: the bot
layer hands it what it needs (console.server.ConsoleDeps)."""
