"""``bot.feishu.sdk``: the light import of ``lark-oapi`` and the cut-down client on the fake Open API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import lark_oapi as lark
import pytest
from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.client import _validate_domain
from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.model import BaseRequest

from bot.feishu.messenger import FeishuMessenger
from bot.feishu.sdk import FeishuClient, LarkClient, build_client, load_lark_lightly, validate_domain
from handlers.replies import Outbound, Reply, Target
from tests.feishu.fake_feishu import FakeFeishu

ROOT = Path(__file__).resolve().parents[2]
LIGHT_LIMIT = 1500  # lark_oapi modules after the light path; the whole SDK is ~10,000

# Run in a fresh interpreter: this test process imported the whole SDK already (conftest).
_PROBE = """
import json, sys, threading
import bot.feishu.messenger
from bot.feishu.sdk import FeishuClient, LarkClient, build_client
client = build_client("cli_probe", "secret", "https://open.feishu.cn/")
out = {"light": sum(1 for m in sys.modules if m.startswith("lark_oapi")),
       "is_client": isinstance(client, FeishuClient) and isinstance(client, LarkClient),
       "stubbed": "Client" not in vars(sys.modules["lark_oapi"])}

import lark_oapi
barrier = threading.Barrier(4)
seen = []
def ask():  # completion from several threads at once: each must get the class, none an error
    barrier.wait()
    try:
        seen.append(lark_oapi.Client.__module__)
    except Exception as exc:
        seen.append(repr(exc))
threads = [threading.Thread(target=ask) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
out["client"] = sorted(set(seen))
out["dispatcher"] = lark_oapi.EventDispatcherHandler.__module__
# ``from .api import *`` in lark_oapi/__init__ completed lark_oapi.api and copied its services
out["drive"] = [vars(lark_oapi).get("drive").__name__, vars(lark_oapi.api).get("drive").__name__]
out["full"] = sum(1 for m in sys.modules if m.startswith("lark_oapi"))
real = lark_oapi.Client.builder().app_id("a").app_secret("b").build()
out["real_is_lark_client"] = isinstance(real, LarkClient)
out["leftover_getattr"] = [m for m in ("lark_oapi", "lark_oapi.api") if "__getattr__" in vars(sys.modules[m])]
print(json.dumps(out))
"""


def test_light_import_then_full_sdk_on_demand() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"lark_oapi modules: {out['light']} after the light path, {out['full']} after completion")
    assert out["stubbed"]  # the real lark_oapi/__init__ had not run
    assert 0 < out["light"] < LIGHT_LIMIT
    assert out["is_client"]
    assert out["client"] == ["lark_oapi.client"]
    assert out["dispatcher"] == "lark_oapi.event.dispatcher_handler"
    assert out["drive"] == ["lark_oapi.api.drive"] * 2
    assert out["full"] > 5 * out["light"]
    assert out["real_is_lark_client"]
    assert out["leftover_getattr"] == []


def test_load_lark_lightly_leaves_an_imported_sdk_alone() -> None:
    assert lark.Client  # the whole SDK now, even if this process took the light path first
    before = sys.modules["lark_oapi"], sys.modules["lark_oapi.api"]
    load_lark_lightly()
    load_lark_lightly()
    assert (sys.modules["lark_oapi"], sys.modules["lark_oapi.api"]) == before
    assert "__getattr__" not in vars(lark)


@pytest.mark.parametrize(
    "domain",
    [
        "https://open.feishu.cn",
        "https://open.larksuite.com:8443",
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://open.feishu.cn",
        "ftp://open.feishu.cn",
        "https://",
        "https://user:pw@open.feishu.cn",
        "https://open.feishu.cn/open-apis",
        "https://open.feishu.cn?x=1",
        "",
    ],
)
def test_domain_validation_matches_the_sdk(domain: str) -> None:
    def verdict(check) -> str:  # type: ignore[no-untyped-def]
        try:
            check(domain)
        except ValueError as exc:
            return str(exc)
        return "ok"

    assert verdict(validate_domain) == verdict(_validate_domain)


def test_build_client_rejects_a_plain_http_domain() -> None:
    with pytest.raises(ValueError, match="https"):
        build_client("cli_x", "s", "http://open.feishu.cn")


@pytest.fixture
def client(fake: FakeFeishu, app_id: str) -> FeishuClient:
    return build_client(app_id, "test-secret", fake.url + "/", timeout=5)


def test_client_is_configured_like_the_sdk_builder(client: FeishuClient, fake: FakeFeishu, app_id) -> None:
    assert isinstance(client, LarkClient)
    assert client.config.app_id == app_id
    assert client.config.domain == fake.url  # trailing slash dropped
    assert client.config.timeout == 5
    assert client.config.log_level == lark.LogLevel.WARNING


def test_messenger_sends_through_the_light_client(client: FeishuClient, fake: FakeFeishu) -> None:
    message = Outbound("feishu", "tenant-1", Target.channel("oc_launch"), Reply(headline="Hello"), key="k1")
    delivery = FeishuMessenger(client).send(message)
    assert delivery.message_id == "om_sent_1"
    (token,) = fake.calls_to("POST", "/tenant_access_token/internal")
    assert token.body == {"app_id": client.config.app_id, "app_secret": "test-secret"}
    (call,) = fake.sent
    assert call.path == "/open-apis/im/v1/messages"
    assert call.query == {"receive_id_type": "chat_id"}
    assert call.headers["authorization"] == "Bearer t-fake-token"
    assert call.card["header"]["title"]["content"] == "Hello"


def test_request_fetches_the_tenant_token_and_parses_json(client: FeishuClient, fake: FakeFeishu) -> None:
    request = (
        BaseRequest.builder()
        .http_method(HttpMethod.GET)
        .uri("/open-apis/bot/v3/info")
        .token_types({AccessTokenType.TENANT})
        .build()
    )
    response = client.request(request)
    assert response.success()
    assert response.raw.status_code == 200
    assert json.loads(response.raw.content)["bot"]["open_id"] == "ou_bot"
    assert len(fake.calls_to("POST", "/tenant_access_token/internal")) == 1
    (call,) = fake.calls_to("GET", "/bot/v3/info")
    assert call.headers["authorization"] == "Bearer t-fake-token"

    fake.fail("GET", "/bot/v3/info", status=400, code=99991672, msg="no scope")
    refused = client.request(request)
    assert not refused.success()
    assert refused.code == 99991672
    assert refused.raw.status_code == 400


def test_contact_service_on_the_light_client(client: FeishuClient, fake: FakeFeishu) -> None:
    fake.users["ou_alice"] = "Alice"
    response = client.contact.v3.user.get(GetUserRequest.builder().user_id("ou_alice").build())
    assert response.success()
    assert response.data.user.name == "Alice"


def test_api_calls_share_one_kept_alive_connection(app_id) -> None:  # type: ignore[no-untyped-def]
    """The SDK alone opens a connection per call; through build_client they are kept alive."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    peers: list[tuple[str, int]] = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            peers.append(self.client_address)
            if self.path.startswith("/open-apis/auth/"):
                body = {"code": 0, "tenant_access_token": "t-1", "expire": 7200}
            else:
                body = {"code": 0, "data": {"message_id": "om_1"}}
            raw = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = build_client(app_id + "-keepalive", "secret", f"http://127.0.0.1:{server.server_port}")
        messenger = FeishuMessenger(client)
        for n in range(3):
            messenger.post("oc_chat", Reply(f"hello {n}"), key=f"k{n}")
    finally:
        server.shutdown()
        server.server_close()
    assert len(peers) == 4  # the tenant token, then three messages
    assert len(set(peers)) == 1  # all on one connection


def test_the_environment_is_read_once_per_host_and_still_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxies and ``NO_PROXY`` from the environment apply, as with a plain Session, but are
    looked up once per origin instead of on every API call."""
    from bot.feishu.sdk import _PooledRequests

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "open.larksuite.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")
    pooled = _PooledRequests()
    assert pooled.session.trust_env is False and pooled.session.verify == "/etc/corp-ca.pem"
    url = "https://open.feishu.cn/open-apis/im/v1/messages"
    assert pooled._proxies_for(url)["https"] == "http://proxy.corp:3128"
    assert pooled._proxies_for("https://open.larksuite.com/open-apis/im/v1/messages").get("https") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere:1")  # read once: later changes do not apply
    assert pooled._proxies_for(url)["https"] == "http://proxy.corp:3128"


_WS_PROBE = """
import asyncio, json, sys
from bot.feishu.sdk import load_lark_lightly, load_ws_client
load_lark_lightly()
import bot.feishu.runtime
ws = load_ws_client()
from lark_oapi.ws.pb.pbbp2_pb2 import Frame
out = {"modules": sum(1 for m in sys.modules if m.startswith("lark_oapi")),
       "placeholder_left": "lark_oapi.event.dispatcher_handler" in sys.modules}
seen, written = [], []

class Handler:  # what coordbot hands the client: no dispatcher
    def _do_without_validation(self, payload):
        seen.append(json.loads(payload))
        return None
    do_without_validation = _do_without_validation  # the name lark-oapi before 1.5 called

async def feed():
    client = ws.Client("cli_probe", "secret", event_handler=Handler(), domain="http://127.0.0.1:9")
    async def capture(data):
        written.append(data)
    client._write_message = capture
    frame = Frame()
    frame.SeqID, frame.LogID, frame.method, frame.service = 1, 1, 1, 7
    for key, value in {"type": "event", "message_id": "m1", "trace_id": "t", "sum": "1", "seq": "0"}.items():
        header = frame.headers.add()
        header.key, header.value = key, value
    frame.payload = json.dumps({"header": {"event_type": "im.message.receive_v1"}}).encode()
    await client._handle_data_frame(frame)
    client._cache._cron.cancel()

asyncio.run(feed())
answer = Frame()
answer.ParseFromString(written[0])
out["seen"] = seen
out["code"] = json.loads(answer.payload)["code"]
from lark_oapi.event.dispatcher_handler import EventDispatcherHandler
out["real_dispatcher"] = hasattr(EventDispatcherHandler, "builder")
print(json.dumps(out))
"""


def test_the_long_connection_client_loads_without_the_event_dispatcher() -> None:
    """``lark_oapi.ws.client`` without the ~6,000 modules the SDK's dispatcher pulls in, and a
    frame still reaches coordbot's handler and is answered; the real dispatcher stays importable."""
    done = subprocess.run(
        [sys.executable, "-c", _WS_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["modules"] < LIGHT_LIMIT, out["modules"]
    assert not out["placeholder_left"]
    assert out["seen"] == [{"header": {"event_type": "im.message.receive_v1"}}]
    assert out["code"] == 200
    assert out["real_dispatcher"]
