"""HTTP conventions every route follows: errors, pages, query helpers, body sniffing."""
