"""Persistence: the pooled database, the models and chat storage."""
