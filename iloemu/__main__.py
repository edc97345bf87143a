"""``python -m iloemu``: see :mod:`iloemu.cli`."""
import sys

from iloemu.cli import main

if __name__ == '__main__':
    sys.exit(main())
