"""The wire contract: close codes, error codes, envelopes and validation (no I/O)."""
