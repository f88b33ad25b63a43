"""Dazzle: the language (lexer, parser, model, linker) and the ``dazzle`` command.

This package never imports the web stack, so validating a project stays fast and works
without a database.
"""

__version__ = "0.38.1"
