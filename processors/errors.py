"""Errors for articles the processors refuse, each with a dead-letter class."""


class UnprocessableArticle(ValueError):
    """The article is well-formed JSON but its text cannot be enriched (e.g. HTML only)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class EnrichmentInterrupted(Exception):
    """The caller asked the enrichment of a batch to stop (a shutdown); nothing of the batch is returned."""
