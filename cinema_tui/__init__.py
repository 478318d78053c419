"""The Textual front end of the 행복 Cinema box office. Knows only the backend's gateway."""
