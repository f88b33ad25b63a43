"""``python -m dazzle``: the same as the ``dazzle`` command."""

from dazzle.cli import entry

entry()
