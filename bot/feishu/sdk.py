"""The slice of ``lark-oapi`` coordbot uses, without importing the whole SDK.

``import lark_oapi`` runs ``lark_oapi/__init__.py``, which imports every generated API module
(``lark_oapi.api`` imports all ~60 services, ``lark_oapi.client.Client`` builds every service):
about 10,000 modules, seconds of start-up and ~160 MB. coordbot needs ``lark_oapi.core``, the
``im`` and ``contact`` services and a few event models — a few hundred modules.

:func:`load_lark_lightly` puts *stub* package modules for ``lark_oapi`` and ``lark_oapi.api`` in
``sys.modules`` (their real spec and ``__path__``, their ``__init__`` not run), so importing a
submodule such as ``lark_oapi.api.im.v1`` loads just that. A stub completes itself on first
access of an attribute it lacks (``lark_oapi.Client``, ``from lark_oapi.api import *``, ...) by
running the package's real ``__init__`` in that same module object, so any code still works and
only then pays for the full import. :class:`FeishuClient` is ``lark.Client`` cut down to ``im``,
``contact`` and ``request``, built from the SDK's own parts as ``ClientBuilder.build()`` does.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import threading
import urllib.parse
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

_LIGHT_PACKAGES = ("lark_oapi", "lark_oapi.api")
_lock = threading.RLock()  # one completion at a time; re-entrant for the SDK's own nested imports


def load_lark_lightly() -> None:
    """Stub ``lark_oapi`` and ``lark_oapi.api`` in ``sys.modules`` unless ``lark_oapi`` is imported.

    Idempotent; a no-op when ``lark_oapi`` is already imported (stubbed or real) or not installed.
    """
    with _lock:
        if "lark_oapi" in sys.modules:
            return
        stubs: list[ModuleType] = []
        try:
            for name in _LIGHT_PACKAGES:
                spec = importlib.util.find_spec(name)  # the parent is the stub already in sys.modules
                if spec is None or spec.loader is None or spec.submodule_search_locations is None:
                    raise LookupError(name)
                module = importlib.util.module_from_spec(spec)
                module.__getattr__ = _completer(module)  # type: ignore[method-assign]
                sys.modules[name] = module
                stubs.append(module)
                parent, _, child = name.rpartition(".")
                if parent:
                    setattr(sys.modules[parent], child, module)  # as the import system does
        except (ImportError, LookupError):  # not installed, or not a package: import it normally
            for module in stubs:
                sys.modules.pop(module.__name__, None)


_DISPATCHER = "lark_oapi.event.dispatcher_handler"


def load_ws_client() -> ModuleType:
    """``lark_oapi.ws.client`` (the long connection), without the SDK's event dispatcher.

    The module imports ``EventDispatcherHandler`` only to annotate its ``event_handler``
    argument, and that import loads every event processor of the SDK (about 6,000 modules, 0.9 s,
    70 MB). coordbot hands the client its own handler, so while ``lark_oapi.ws.client`` is
    imported a placeholder stands in for the dispatcher module; it is removed at once, so anything
    that imports the dispatcher later gets the real one.
    """
    with _lock:
        if "lark_oapi.ws.client" in sys.modules or _DISPATCHER in sys.modules:
            return importlib.import_module("lark_oapi.ws.client")
        placeholder = ModuleType(_DISPATCHER)
        placeholder.EventDispatcherHandler = object  # type: ignore[attr-defined]  # an annotation only
        sys.modules[_DISPATCHER] = placeholder
        try:
            return importlib.import_module("lark_oapi.ws.client")
        finally:
            if sys.modules.get(_DISPATCHER) is placeholder:
                del sys.modules[_DISPATCHER]


def _completer(module: ModuleType) -> Any:
    """The PEP 562 ``__getattr__`` of a stub: run the real ``__init__`` once, then look again."""
    state = {"started": False}

    def __getattr__(name: str) -> Any:
        # The real __init__ files define no dunder names; only a star-import's ``__all__`` must
        # see the completed package (it then falls back to the public names, as for the real one).
        if name.startswith("__") and name.endswith("__") and name != "__all__":
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        with _lock:
            if not state["started"]:
                state["started"] = True  # before exec: the real __init__ asks us for its submodules
                try:
                    module.__spec__.loader.exec_module(module)  # type: ignore[union-attr]
                except BaseException:
                    state["started"] = False
                    raise
                if vars(module).get("__getattr__") is __getattr__:
                    del module.__getattr__  # complete: behave exactly like the real package
        try:
            return vars(module)[name]
        except KeyError:  # not defined, or asked again while the real __init__ runs
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}") from None

    return __getattr__


load_lark_lightly()  # before the SDK imports below, whoever imports this module first

from lark_oapi.api.im.service import ImService  # noqa: E402
from lark_oapi.core.const import APPLICATION_JSON, CONTENT_TYPE, UTF_8  # noqa: E402
from lark_oapi.core.enum import LogLevel  # noqa: E402
from lark_oapi.core.http import Transport  # noqa: E402
from lark_oapi.core.json import JSON  # noqa: E402
from lark_oapi.core.log import logger  # noqa: E402
from lark_oapi.core.model import BaseResponse, Config, RequestOption  # noqa: E402
from lark_oapi.core.token import TokenManager, verify  # noqa: E402

if TYPE_CHECKING:
    from lark_oapi.api.contact.service import ContactService
    from lark_oapi.core.model import BaseRequest


@runtime_checkable
class LarkClient(Protocol):
    """What coordbot uses of a Feishu client: :class:`FeishuClient`, or the SDK's ``lark.Client``."""

    im: ImService
    contact: ContactService

    def request(self, request: BaseRequest, option: RequestOption | None = None) -> BaseResponse: ...


class FeishuClient:
    """``lark.Client`` with only the ``im`` and ``contact`` services (see :func:`build_client`)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self.im = ImService(config)

    @functools.cached_property
    def contact(self) -> ContactService:
        """Built on the first name lookup: the contact service imports ~200 models (a start-up's tenth)."""
        from lark_oapi.api.contact.service import ContactService

        return ContactService(self._config)

    @property
    def config(self) -> Config:
        return self._config

    def request(self, request: BaseRequest, option: RequestOption | None = None) -> BaseResponse:
        """Send ``request`` with the app's token, as ``lark.Client.request`` does."""
        if option is None:
            option = RequestOption()
        verify(self._config, request, option)  # fetches the tenant / app token it names
        raw_resp = Transport.execute(self._config, request, option)
        resp = BaseResponse()
        content_type = raw_resp.headers.get(CONTENT_TYPE)
        if content_type is not None and content_type.startswith(APPLICATION_JSON):
            resp = JSON.unmarshal(str(raw_resp.content, UTF_8), BaseResponse)
        elif 200 <= raw_resp.status_code < 300:
            resp.code = 0
        resp.raw = raw_resp
        return resp


def build_client(app_id: str, app_secret: str, domain: str, *, timeout: float = 10) -> FeishuClient:
    """The app's client, configured as ``lark.Client.builder()...build()`` would configure it.

    Logs at WARNING: the SDK logs request URLs and token requests at INFO.
    """
    domain = domain.rstrip("/")
    validate_domain(domain)
    config = Config()
    config.app_id = app_id
    config.app_secret = app_secret
    config.domain = domain
    config.timeout = timeout
    config.log_level = LogLevel.WARNING
    if config.cache is not None:  # ClientBuilder._init_cache
        TokenManager.cache = config.cache
    logger.setLevel(int(config.log_level.value))  # ClientBuilder._init_logger
    pool_connections()
    return FeishuClient(config)


class _PooledRequests:
    """Stands in for ``requests`` inside the SDK's transport: every call on one shared Session.

    lark-oapi's ``Transport.execute`` calls ``requests.request()``, which builds a Session and
    opens a new connection (TCP and TLS to Feishu) for every API call, then closes it. One Session
    keeps connections alive between calls (urllib3's pool is thread-safe). A connection Feishu
    closed while idle is retried once on a new one: message creates carry a ``uuid`` Feishu
    de-duplicates, and the other calls read or patch.

    The environment (``HTTPS_PROXY``/``NO_PROXY``, ``REQUESTS_CA_BUNDLE``) is read once per host
    rather than on every call, as a Session with ``trust_env`` does: that scan of ``os.environ``
    was a tenth of the CPU a reply cost.
    """

    def __init__(self) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self._requests = requests
        self.session = requests.Session()
        retry = Retry(
            total=1, connect=1, read=1, other=1, status=0, allowed_methods=None, raise_on_status=False
        )
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.trust_env = False  # read below, once, instead of on every call
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self._proxies: dict[str, dict[str, str]] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("proxies", self._proxies_for(url))
        return self.session.request(method, url, **kwargs)

    def _proxies_for(self, url: str) -> dict[str, str]:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = self._proxies[origin] = self._requests.utils.get_environ_proxies(origin)
        return proxies

    def __getattr__(self, name: str) -> Any:  # anything else the transport module uses
        return getattr(self._requests, name)


def pool_connections() -> None:
    """Make the SDK's synchronous transport reuse connections (process-wide, idempotent)."""
    from lark_oapi.core.http import transport

    with _lock:
        if not isinstance(transport.requests, _PooledRequests):
            transport.requests = _PooledRequests()  # type: ignore[assignment]


def validate_domain(domain: str) -> None:
    """``lark_oapi.client._validate_domain``, copied: importing that module builds every service.

    Only ``https://host[:port]`` (``http://`` for loopback), no path, query, fragment or credentials:
    the app secret and tokens go to this host.
    """
    if not isinstance(domain, str) or not domain:
        raise ValueError("domain must be a non-empty https URL")
    parsed = urllib.parse.urlsplit(domain)
    if parsed.scheme == "http":
        host = (parsed.hostname or "").lower()
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"domain must use https scheme (got {domain!r})")
    elif parsed.scheme != "https":
        raise ValueError(f"domain must use https scheme (got {domain!r})")
    if not parsed.netloc:
        raise ValueError(f"domain missing host (got {domain!r})")
    if "@" in parsed.netloc:
        raise ValueError(f"domain must not embed credentials (got {domain!r})")
    if parsed.path or parsed.query or parsed.fragment:
        raise ValueError(
            f"domain must be an origin (scheme + host[:port]) without path/query/fragment (got {domain!r})"
        )
