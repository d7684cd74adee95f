"""The ai plugin: semantic issue search, similar issues, summaries and a project assistant (RAG)."""
