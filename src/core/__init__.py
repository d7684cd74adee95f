"""FICCT-SCRUM core: tenancy, projects, issues, workflow, and the plugin host."""

__version__ = "0.1.0"
