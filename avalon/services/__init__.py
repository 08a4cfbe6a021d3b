"""Room and game operations shared by the HTTP API and the room socket."""
