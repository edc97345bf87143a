"""``python -m benchmark``: both variants, the report, the verdict.

Imports no ironic: each variant runs in its own venv as a child
(``python -m benchmark.variant``).
"""
import sys

from benchmark.cli import main

sys.exit(main())
