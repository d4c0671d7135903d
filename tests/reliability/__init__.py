"""The reliability suite (reliability.md §6): controller processes killed, partitioned, faulted."""
