"""``python -m model`` is the same as the ``msim`` command."""

import sys

from model.cli import main

sys.exit(main())
