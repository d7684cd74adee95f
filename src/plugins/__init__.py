"""Feature plugins (github, ml, ai, diagrams, notifications). Each is enabled through ``SCRUM_PLUGINS``."""
