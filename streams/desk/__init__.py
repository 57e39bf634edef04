"""`newsfeed desk`: the security desk's live alert page (aiohttp), with acknowledge / assign."""
