"""``python -m theory`` is the ``theory`` console script."""

from theory.cli import main

raise SystemExit(main())
