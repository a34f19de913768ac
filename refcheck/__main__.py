"""``python -m refcheck``."""

import sys

from refcheck.cli import main

sys.exit(main())
