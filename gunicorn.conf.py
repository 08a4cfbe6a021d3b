"""gunicorn settings for Avalon: the package's own (avalon/serving.py), for the checkout."""

from avalon.serving import *  # noqa: F403  (gunicorn reads settings and hooks by name)
