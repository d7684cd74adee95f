"""Workspaces: team spaces inside an organization, and their members (``/api/v1/workspaces/...``)."""
