"""Per-project issue types and workflows: statuses and the transitions allowed between them."""
