"""Migration scripts, oldest first: 0001 initial schema, 0002 append-only audit."""
