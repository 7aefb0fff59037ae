"""``python -m staffsim``: the same as the ``staffsim`` command."""

import sys

from staffsim.cli import main

sys.exit(main())
