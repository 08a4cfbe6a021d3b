"""WebSocket conformance: the Autobahn fuzzing client against the project's own socket stack."""
