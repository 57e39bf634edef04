"""Client tools: publish (replay, reprocess), read (tail, the one topic reader; dlq, status) and
load articles (sources); production code does not import them."""
