"""``python -m sentinel.scenarios``."""

import sys

from sentinel.scenarios.cli import main

sys.exit(main())
