"""Reading finished runs: work dirs, their logs and their numbers."""
