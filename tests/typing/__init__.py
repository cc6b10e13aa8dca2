"""Files type-checked by mypy against the public API, never run: pytest does not collect them."""
