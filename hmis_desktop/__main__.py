"""`python -m hmis_desktop` runs the command-line interface."""

from hmis_desktop.cli import main

raise SystemExit(main())
