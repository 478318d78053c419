"""Widgets used by several screens.

Screens keep their styles in a ``.tcss`` file beside them (``CSS_PATH``); widgets keep
theirs in ``DEFAULT_CSS``, on purpose. Textual 8 reads ``CSS_PATH`` only on an ``App``
or a ``Screen``, and a widget's ``DEFAULT_CSS`` is what Textual made for a widget's own
looks: it travels with the class (the widget looks right on any screen that mounts it),
it is scoped to the widget, and it ranks below the app's and the screens' stylesheets,
so a screen can still adjust a widget it uses. Moved into a screen's file, those rules
would outrank the screen's own and only apply where that file had been loaded.
"""
