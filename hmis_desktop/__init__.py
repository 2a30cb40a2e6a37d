"""HMIS Desktop headless core: encrypted store, users, audit, clinic domain, reports, CLI.

This package never imports Qt, so the CLI, the tests, the benchmarks and the UI drive it the same way.
"""

__version__ = "0.1.0"
