"""Projects: CRUD, members, configuration, and the default workflow every project starts with."""
