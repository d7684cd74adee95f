"""Issues: keys, fields, workflow transitions, assignment, filtering; comments, links and attachments."""
