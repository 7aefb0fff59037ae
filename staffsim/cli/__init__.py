"""The ``staffsim`` command line: ``main(argv)`` returns the exit code (see ``cli.main``).

One module per command (or family of commands); ``options`` holds the flags, output checks and
exit codes they share; ``main`` builds the parser and maps errors to exit codes.
"""

from staffsim.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
