"""The ``posture`` command: one module per subcommand, with :mod:`posture.cli.main` as the entry point.

Nothing inside the package imports the command; it is the top of the layers.
"""
