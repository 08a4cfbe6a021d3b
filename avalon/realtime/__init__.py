"""Live delivery: the socket layer, connections, the hub and the brokers."""
