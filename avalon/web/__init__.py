"""The HTTP surface: the API blueprint, the room socket, pages, health and metrics."""
