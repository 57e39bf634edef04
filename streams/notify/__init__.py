"""`newsfeed notify`: new and raised alerts POSTed to webhooks, signed, retried, else dead-lettered."""
