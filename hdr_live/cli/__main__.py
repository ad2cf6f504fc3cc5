"""``python -m hdr_live.cli``: the ``hdr-live`` command."""

import sys

from hdr_live.cli import console_main

sys.exit(console_main())
