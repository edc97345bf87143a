"""``python -m benchmark``: run the scenarios in this venv, write JSON.

Run by ``./wb bench`` once per variant, in that variant's venv.
"""
import ironic.cmd  # noqa: F401  (first: the conductor's monkey patching)

import sys  # noqa: E402

from benchmark.cli import main  # noqa: E402

sys.exit(main())
