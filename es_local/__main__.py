"""``python -m es_local up|down|status [--secure]``: see es_local/launcher.py."""

from __future__ import annotations

import sys

from es_local.launcher import main

sys.exit(main())
