"""The states a remote data science request moves through (its own module so that the CLI can
offer them as choices without loading the request machinery)."""

STATUSES = ("pending", "approved", "denied", "running", "completed", "failed")
