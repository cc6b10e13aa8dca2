"""``python -m spo_tracker.cli``: the same program as ``spo-tracker``."""

from __future__ import annotations

if __name__ == "__main__":  # pragma: no cover
    from spo_tracker.__main__ import run

    run()
