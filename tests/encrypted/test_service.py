"""The scoring service as a real process on 127.0.0.1: encrypt → serve → score → decrypt, its token,
its size limit, malformed bodies (400, never a crash), wrong keys, and what crosses the wire."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from jupyter_privacy.core.encrypted import AccuracyCheck, EncryptedBatch, EncryptedModel
from jupyter_privacy.encrypted import (
    EncryptedClient,
    ScoringServiceClient,
    ServiceError,
    WrongContextError,
    measure_scoring,
    start_service,
)

pytest.importorskip("tenseal")
pytestmark = [pytest.mark.he, pytest.mark.slow]

LIMIT = 24 * 2**20  # a row-packing context (Galois keys) is ~19 MiB at N = 8192
RNG = np.random.default_rng(21)
MODEL = EncryptedModel.linear(RNG.normal(size=5), 0.1, name="five-feature lr")
TOKEN = "test-token-" + "x" * 24


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    path = MODEL.save(tmp_path_factory.mktemp("he") / "model.json")
    with start_service(path, token=TOKEN, max_body_bytes=LIMIT) as running:
        yield running


@pytest.fixture(scope="module")
def api(service) -> ScoringServiceClient:
    return service.client()


@pytest.fixture(scope="module")
def client(api: ScoringServiceClient) -> EncryptedClient:
    made = EncryptedClient.for_model(MODEL)
    api.register(made)
    return made


def _call(url: str, method: str, path: str, body: bytes | None = None,
          token: str | None = TOKEN) -> tuple[int, bytes]:  # fmt: skip
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_encrypt_serve_score_decrypt_matches_plaintext(api, client) -> None:
    x = RNG.uniform(-2, 2, size=(300, 5))
    decrypted, cost = measure_scoring(client, api, x)
    check = AccuracyCheck.compare(MODEL.plaintext_scores(x), decrypted)
    assert check.max_abs_error < 1e-4 and check.label_agreement == 1.0
    assert cost.server_seconds is not None and cost.server_seconds < cost.score_seconds
    assert api.last_server_peak_bytes and api.last_server_peak_bytes > 10 * 2**20


def test_row_packed_scoring_through_the_service(api) -> None:
    rows = EncryptedClient.for_model(MODEL, packing="row")
    api.register(rows)
    x = RNG.uniform(-2, 2, size=(3, 5))
    decrypted = rows.decrypt(api.score(rows.encrypt(x, packing="row")))
    np.testing.assert_allclose(decrypted, MODEL.plaintext_scores(x), atol=1e-4)


def test_every_route_needs_the_token(service) -> None:
    for method, path in (("GET", "/v1/model"), ("POST", "/v1/contexts"), ("POST", "/v1/score"),
                         ("GET", "/nowhere")):  # fmt: skip
        body = b"x" if method == "POST" else None
        status, text = _call(service.url, method, path, body, token=None)
        assert status == 401 and json.loads(text)["error"] == "unauthorized"
        status, text = _call(service.url, method, path, body, token="wrong-" + TOKEN)
        assert status == 403 and json.loads(text)["error"] == "forbidden"
    status, text = _call(service.url, "GET", "/v1/model")
    info = json.loads(text)
    assert status == 200 and info["depth"] == 1 and info["parameters"]["column"]["levels"] == 1
    assert TOKEN not in text.decode() and TOKEN not in repr(service) + repr(service.client())


def test_a_context_with_a_secret_key_is_refused_and_not_kept(service, client) -> None:
    private = client._context.serialize(save_secret_key=True)
    status, text = _call(service.url, "POST", "/v1/contexts", private)
    assert status == 400 and "holds a secret key" in json.loads(text)["message"]
    other = EncryptedClient.for_model(MODEL)
    status, text = _call(
        service.url, "POST", "/v1/score", other.encrypt(np.ones((2, 5))).to_bytes()
    )
    assert status == 404 and json.loads(text)["error"] == "unknown_context"


def test_malformed_bodies_get_400_and_the_service_lives_on(service, client) -> None:
    good = client.encrypt(np.ones((4, 5)))
    deeper = EncryptedClient.for_model(2)  # other parameters
    foreign = EncryptedBatch(good.context_id, "column", 4, 5, (4,),
                             deeper.encrypt(np.ones((4, 5))).ciphertexts)  # fmt: skip
    bodies = {
        "not a batch": b"hello",
        "truncated": good.to_bytes()[:-100],
        "garbage ciphertexts": EncryptedBatch(
            good.context_id, "column", 4, 5, (4,), (b"\x01" * 300,) * 5
        ).to_bytes(),
        "ciphertexts of other parameters": foreign.to_bytes(),
        "wrong feature count": EncryptedBatch(
            good.context_id, "column", 4, 4, (4,), good.ciphertexts[:4]
        ).to_bytes(),
        "a JSON body": json.dumps({"features": [1, 2, 3, 4, 5]}).encode(),
        "empty": b"",
    }
    for name, body in bodies.items():
        status, text = _call(service.url, "POST", "/v1/score", body)
        assert status == 400, (name, status, text)
        payload = json.loads(text)
        assert payload["message"] and "Traceback" not in payload["message"], name
    for bad_context in (b"junk", b""):
        assert _call(service.url, "POST", "/v1/contexts", bad_context)[0] == 400
    assert service.process.poll() is None
    assert _call(service.url, "GET", "/v1/model")[0] == 200
    assert "Traceback" not in service.log_text()


def test_a_body_over_the_limit_gets_413_before_it_is_read(service) -> None:
    port = int(service.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("POST", "/v1/score")
    connection.putheader("Authorization", f"token {TOKEN}")
    connection.putheader("Content-Length", str(LIMIT + 1))
    connection.endheaders()  # headers only: the service answers without waiting for the body
    response = connection.getresponse()
    payload = json.loads(response.read())
    assert response.status == 413 and payload["error"] == "body_too_large"
    assert str(LIMIT) in payload["message"] and "fewer rows" in payload["message"]
    connection.close()


def test_a_chunked_body_over_the_limit_is_cut_off(service) -> None:
    port = int(service.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    chunk = b"\x00" * 2**20

    def chunks():
        for _ in range(LIMIT // len(chunk) + 4):
            yield chunk

    try:
        connection.request("POST", "/v1/score", body=chunks(), encode_chunked=True,
                           headers={"Authorization": f"token {TOKEN}"})  # fmt: skip
        status = connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        status = None  # the service closed the connection mid-body: also refused
    assert status in (413, None)  # a client still sending may see the reset before the 413
    connection.close()
    assert _call(service.url, "GET", "/v1/model")[0] == 200
    log = service.log_text()
    assert "413 POST /v1/score" in log and "Traceback" not in log


def test_wrong_keys_are_refused(api, client, service) -> None:
    other = EncryptedClient.for_model(MODEL)
    api.register(other)
    scores_for_other = api.score(other.encrypt(RNG.uniform(size=(3, 5))))
    with pytest.raises(WrongContextError, match="cannot be decrypted with this key"):
        client.decrypt(scores_for_other)
    unknown = EncryptedClient.for_model(MODEL)  # never registered
    with pytest.raises(ServiceError, match=r"\(404\).*POST it to /v1/contexts"):
        api.score(unknown.encrypt(np.ones((2, 5))))
    with pytest.raises(ServiceError, match=r"\(403\)"):
        ScoringServiceClient(service.url, "wrong-" + TOKEN).model_info()


def test_a_large_batch_is_split_under_the_limit(api, client) -> None:
    small = ScoringServiceClient(api.url, TOKEN)
    small._max_body = 2 * 2**20  # each 5-ciphertext chunk is ~1.2 MiB: one chunk per request
    x = RNG.uniform(size=(client.parameters.slots * 2 + 3, 5))
    decrypted = client.decrypt(small.score(client.encrypt(x)))
    np.testing.assert_allclose(decrypted, MODEL.plaintext_scores(x), atol=1e-4)


# -- the server never sees plaintext --------------------------------------------------------------


class RecordingProxy:
    """A TCP forwarder on 127.0.0.1 that keeps every byte crossing it, both ways."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.recorded = bytearray()
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                incoming, _ = self.listener.accept()
            except OSError:
                return
            outgoing = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((incoming, outgoing), (outgoing, incoming)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    self.recorded += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


SENTINELS = (7351.908241, -4186.275513, 91.73310427, 2208.640195, 0.1234567891)


def _representations(value: float) -> list[bytes]:
    text = [repr(value), str(value), f"{value:.6f}", f"{value:.4f}", json.dumps(value)]
    packed = [struct.pack("<d", value), struct.pack(">d", value)]
    return [t.encode() for t in text] + packed


def test_no_feature_value_crosses_the_wire(service, client) -> None:
    proxy = RecordingProxy(int(service.url.rsplit(":", 1)[1]))
    try:
        api = ScoringServiceClient(f"http://127.0.0.1:{proxy.port}", TOKEN)
        api.register(client)
        x = RNG.uniform(size=(50, 5))
        x[17] = SENTINELS  # a planted row of distinctive values
        decrypted = client.decrypt(api.score(client.encrypt(x)))
        time.sleep(0.2)  # let the pumps flush the last bytes
    finally:
        proxy.close()
    assert abs(decrypted[17] - MODEL.plaintext_scores(x)[17]) < 1e-3  # it really went, encrypted
    wire = bytes(proxy.recorded)
    assert len(wire) > 1_000_000 and b"POST /v1/score" in wire
    for value in SENTINELS:
        for form in _representations(value):
            assert form not in wire, f"{form!r} of a planted feature value crossed the wire"
    log = service.log_text()
    assert "/v1/score" in log and not any(repr(v) in log for v in SENTINELS)


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_serve_answers_then_stops_on_sigterm(tmp_path: Path) -> None:
    model = MODEL.save(tmp_path / "model.json")
    ready = tmp_path / "ready.json"
    env = {**os.environ, "JUPYTER_PRIVACY_HE_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_privacy.cli", "he", "serve", "--model", str(model),
         "--port", "0", "--ready-file", str(ready)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not ready.is_file() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert oct(ready.stat().st_mode & 0o777) == "0o600"
        assert _call(info["url"], "GET", "/v1/model")[0] == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "on http://127.0.0.1:" in stderr and "stopped" in stderr and TOKEN not in stderr


@pytest.mark.parametrize(
    ("extra", "env_token", "message"),
    [(["--host", "0.0.0.0"], TOKEN, "not a loopback address"),
     ([], "short", "at least 16 characters"),
     (["--model", "/nonexistent/model.json"], TOKEN, "not found")],
)  # fmt: skip
def test_cli_serve_refuses_unsafe_or_broken_settings(
    tmp_path: Path, extra: list[str], env_token: str, message: str
) -> None:
    model = MODEL.save(tmp_path / "model.json")
    env = {**os.environ, "JUPYTER_PRIVACY_HE_TOKEN": env_token}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy.cli", "he", "serve", "--model", str(model),
         "--port", "0", *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_service_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ServiceError, match=r"did not start.*not an encrypted-scoring model"):
        start_service(tmp_path / "bad.json", timeout=60)
