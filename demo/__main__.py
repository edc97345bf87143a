# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""``python -m demo``: the CLI demo through the real services
(:mod:`demo.cli`); ``python -m demo --in-process [--boot ...]``: the
walk-through through ironic's task manager in this process
(:mod:`demo.main`), as ironic-conductor runs, eventlet monkey patching
first.

Python's warnings (deprecations in the 2017 libraries) are not the demo's
subject and are not shown.
"""
import sys
import warnings

warnings.simplefilter('ignore')

if '--in-process' in sys.argv[1:]:
    import ironic.cmd  # noqa: F401  (eventlet.monkey_patch, as the conductor)

    from demo.main import main
    sys.exit(main([a for a in sys.argv[1:] if a != '--in-process']))

from demo.cli import main  # noqa: E402

sys.exit(main())
