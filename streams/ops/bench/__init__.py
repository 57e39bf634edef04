"""`newsfeed bench`: run (the command), measure (workers and measurements), report (targets and
the table); the desk latency, metrics overhead and scale-out benches."""
