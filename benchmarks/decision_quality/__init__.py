"""Decision-quality benchmark of issue 6 and statistics.md §7: simulator, rules, table."""
