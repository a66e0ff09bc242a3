"""Quality and openness: checks, scores, freshness and link checking."""
