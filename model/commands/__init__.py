"""The ``msim`` commands, one module each; :mod:`model.cli` puts them together."""
