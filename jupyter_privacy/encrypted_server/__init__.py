"""The encrypted-scoring service: a small tornado HTTP server over `core.encrypted`'s scorer.

Outside core because it imports tornado. `app` has the routes, `serve` runs them
(`jupyter privacy he serve`), `client` talks to them with the standard library, and `process`
starts the service as a separate process for notebooks and tests.
"""

#: The environment variable that hands the service its token (never the command line: `ps` shows it).
TOKEN_ENV = "JUPYTER_PRIVACY_HE_TOKEN"
