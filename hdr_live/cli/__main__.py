"""``python -m hdr_live.cli``: the ``hdr-live`` command."""

import sys

from hdr_live.cli import main

sys.exit(main())
