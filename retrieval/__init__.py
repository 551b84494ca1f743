"""Retrieval core: articles in, answers out; knows nothing about Telegram."""
