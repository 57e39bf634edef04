"""Pure, synchronous, deterministic enrichment: text in, typed result out (no Kafka, no clock, no env)."""
