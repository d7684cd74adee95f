"""Sprints: time boxes of a project, their issues, start/complete, progress and burndown."""
