"""The game of Avalon: pure rules with no I/O (see rules.py)."""
