"""Tests against the real Kafka broker (the session fixture starts it) and real worker processes."""
