"""``python -m seqcoder.train FILES...`` (the same as ``seqcoder train``)."""

from . import main

raise SystemExit(main())
