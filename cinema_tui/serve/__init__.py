"""Serving the box office to terminals and browsers that are not this one.

``ssh_server`` (``cinema-tui serve-ssh``) gives each SSH session its own app process on
its own pseudo-terminal; ``web`` (``cinema-tui serve-web``) does the same for browsers
through textual-serve.
"""
