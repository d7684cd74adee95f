"""Process health and readiness, and the list of enabled plugins."""
