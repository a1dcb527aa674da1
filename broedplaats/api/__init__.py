"""The read-only REST API of the place side; its router also serves the chains app."""
