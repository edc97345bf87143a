"""``python -m demo``: as ironic-conductor, eventlet monkey patching first.

Python's warnings (deprecations in the 2017 libraries) are not the demo's
subject and are not shown.
"""
import warnings

warnings.simplefilter('ignore')

import ironic.cmd  # noqa: E402,F401  (eventlet.monkey_patch, as the conductor)

import sys  # noqa: E402

from demo.main import main  # noqa: E402

sys.exit(main())
