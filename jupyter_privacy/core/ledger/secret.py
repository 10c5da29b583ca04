"""The ledger's secret: the key of every digest the kit takes of private data.

A data fingerprint lets a replay recognise "the same data" (and the privacy changelog notice a new
dataset). An unkeyed hash of the data would let anyone who reads it test guesses: with 199 of 200
rows known, the last person's wage falls to brute force in seconds. So every data-derived digest
is an HMAC-SHA256 under a secret that lives beside the ledger, never in it or in any export:

- a SQLite ledger file: `<ledger folder>/secret` (e.g. `.privacy/secret`), 32 random bytes in hex,
  mode 0600, created on first use (atomically: concurrent first uses agree on one secret);
- an in-memory SQLite ledger: a random key that lives as long as the `Ledger` object;
- PostgreSQL and other servers: a per-team secret everyone who spends from the ledger shares, from
  `JUPYTER_PRIVACY_SECRET_FILE` (a file holding it) or `JUPYTER_PRIVACY_SECRET` (the text itself);
  at least 32 characters. Without one, computing a digest fails with `LedgerSecretError`.

Either variable, when set, also overrides the file beside a SQLite ledger (e.g. to keep replays when
a laptop ledger moves to the team server: point `JUPYTER_PRIVACY_SECRET_FILE` at the old secret).
Losing or changing the secret changes every fingerprint: later re-runs spend once more instead of
replaying, nothing else breaks. Reading the ledger never needs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import LedgerError

SECRET_ENV = "JUPYTER_PRIVACY_SECRET"
SECRET_FILE_ENV = "JUPYTER_PRIVACY_SECRET_FILE"
SECRET_FILENAME = "secret"
MIN_SECRET_CHARS = 32
#: What a keyed digest starts with; older, unkeyed fingerprints start with `sha256:`.
KEYED_PREFIX = "hmac-sha256:"
_PURPOSE = b"jupyter-privacy/data-digest/v1"  # one derived key per use of the secret
_CREATE_WAIT_S = 2.0  # how long a reader waits for another process to finish writing the file


class LedgerSecretError(LedgerError):
    """The ledger's secret (the key of data digests) is missing, unreadable or too weak."""

    code = "ledger_secret"


class DataKey:
    """HMAC-SHA256 under a key derived from the ledger's secret; never prints the key."""

    __slots__ = ("_key", "source")

    def __init__(self, secret: bytes, source: str) -> None:
        self._key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
        self.source = source  # where the secret came from, for messages (never the secret)

    def mac(self) -> Any:
        """A fresh HMAC object to feed with `update()`; finish with `finish(mac)`."""
        return hmac.new(self._key, digestmod=hashlib.sha256)

    @staticmethod
    def finish(mac: Any) -> str:
        return KEYED_PREFIX + str(mac.hexdigest())

    def digest(self, *parts: str | bytes) -> str:
        """`hmac-sha256:<hex>` over the parts, each length-prefixed (so no two splits collide)."""
        mac = self.mac()
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else bytes(part)
            mac.update(len(data).to_bytes(8, "little") + data)
        return self.finish(mac)

    def __repr__(self) -> str:
        return f"<DataKey from {self.source}>"


def is_keyed(digest: Any) -> bool:
    return isinstance(digest, str) and digest.startswith(KEYED_PREFIX)


def secret_path(database: Path) -> Path:
    """Where the secret of the SQLite ledger at `database` lives: beside it."""
    return database.parent / SECRET_FILENAME


def data_key(url: str) -> DataKey:
    """The data key for the ledger at `url` (see the module docstring for where the secret lives)."""
    from jupyter_privacy.core.ledger.storage import is_sqlite, mask_url, sqlite_path

    configured = _configured_secret()
    if configured is not None:
        return configured
    if is_sqlite(url):
        database = sqlite_path(url)
        if database is None:  # in memory: a key for as long as this ledger lives
            return DataKey(secrets.token_bytes(32), "a random key of this in-memory ledger")
        path = secret_path(database)
        return DataKey(read_or_create_secret(path), str(path))
    raise LedgerSecretError(
        f"ledger {mask_url(url)} needs a per-team secret to key its data digests; create one "
        f'(e.g. python -c "import secrets; print(secrets.token_hex(32))" > team-secret; '
        f"chmod 600 team-secret), share it with everyone who spends from this ledger, and set "
        f"{SECRET_FILE_ENV}=team-secret (or {SECRET_ENV}). See docs/ledger.md, 'The secret'",
        url=mask_url(url),
    )


_KEYS: weakref.WeakKeyDictionary[Any, DataKey] = weakref.WeakKeyDictionary()
_KEYS_LOCK = threading.Lock()


def data_key_of(ledger: Any) -> DataKey:
    """The ledger's data key, read once per `Ledger` object (an in-memory ledger keeps its own)."""
    with _KEYS_LOCK:
        key = _KEYS.get(ledger)
        if key is None:
            key = _KEYS[ledger] = data_key(ledger.url)
        return key


def _configured_secret() -> DataKey | None:
    path = os.environ.get(SECRET_FILE_ENV, "").strip()
    if path:
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise LedgerSecretError(
                f"cannot read the secret file {path} named by {SECRET_FILE_ENV} ({reason}); "
                "fix the path or its permissions"
            ) from None
        return DataKey(_check_text(text, f"the secret file {path}"), path)
    text = os.environ.get(SECRET_ENV, "").strip()
    if text:
        return DataKey(_check_text(text, SECRET_ENV), SECRET_ENV)
    return None


def _check_text(text: str, where: str) -> bytes:
    if len(text) < MIN_SECRET_CHARS:
        raise LedgerSecretError(
            f"{where} holds {len(text)} characters; a secret needs at least {MIN_SECRET_CHARS} "
            'random ones, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return text.encode("utf-8")


def read_or_create_secret(path: Path) -> bytes:
    """The secret at `path`, created (32 random bytes, hex, mode 0600) when there is none yet.

    Created in a private temporary file and hard-linked into place: the link either wins or finds
    the other process's complete file, so concurrent first uses agree and nobody reads half a file.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_secret(path)
        _keep_out_of_git(path)
    except OSError as error:
        raise LedgerSecretError(
            f"cannot create the ledger's secret {path} ({error.strerror or error}); make its "
            f"folder writable, or set {SECRET_FILE_ENV} to an existing secret file",
            path=str(path),
        ) from None
    return _read_secret(path)


def _keep_out_of_git(path: Path) -> None:
    """In the project's `.privacy` folder (which a team may commit for its ledger), a .gitignore
    keeps the secret out of the repository; other folders are the user's to manage."""
    ignore = path.parent / ".gitignore"
    if path.parent.name == ".privacy" and not ignore.exists():
        with contextlib.suppress(OSError):
            ignore.write_text(f"# the ledger's secret never leaves this machine\n{path.name}\n")


def _create_secret(path: Path) -> None:
    staged = path.with_name(f".{SECRET_FILENAME}-{os.getpid()}-{secrets.token_hex(6)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(staged, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # no hard links here (some network file systems): exclusive create
            with contextlib.suppress(FileExistsError):
                _create_exclusively(path, staged.read_text(encoding="ascii"))
    finally:
        staged.unlink(missing_ok=True)


def _create_exclusively(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _read_secret(path: Path) -> bytes:
    deadline = time.monotonic() + _CREATE_WAIT_S
    while True:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as error:
            if isinstance(error, FileNotFoundError):
                raise
            raise LedgerSecretError(
                f"cannot read the ledger's secret {path} ({error.strerror}); it must be a "
                "regular file the ledger's users can read (and nobody else)",
                path=str(path),
            ) from None
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read().strip()
        if mode & 0o077:
            raise LedgerSecretError(
                f"the ledger's secret {path} can be read by others (mode {mode & 0o777:o}); "
                f"run chmod 600 {path}",
                path=str(path),
            )
        if len(data) >= MIN_SECRET_CHARS:
            return data
        if time.monotonic() > deadline:  # an exclusive create that never finished writing
            raise LedgerSecretError(
                f"the ledger's secret {path} is damaged (too short); if no release depends on "
                "replaying, delete it and a new one is made (re-runs then spend once more)",
                path=str(path),
            )
        time.sleep(0.02)
