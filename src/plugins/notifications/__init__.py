"""The notifications plugin: in-app notifications, email, Slack and the live ``user:{id}`` socket."""
