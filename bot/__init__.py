"""Conversation layer: the transport-free service, the Telegram adapter and the CLI."""
