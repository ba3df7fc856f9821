"""The remote backend: an OpenAI-compatible inference server over HTTP(S) — llama.cpp's
llama-server, llama-cpp-python's llama_cpp.server, vLLM, Ollama.

Standard library only. It talks to the configured URL and nothing else (redirects are not
followed). Token healing needs the logits, which a server does not give: `request.heal` is
ignored.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Any, Callable, Mapping

from atelier.models.backend import CancelToken, ChatMessage, CompletionRequest, CompletionResult
from atelier.models.errors import ModelError
from atelier.models.fim import KNOWN_FORMATS, FimFormat, by_name

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5  # the estimate when the server cannot count tokens
# The prompt builder counts line by line, the same lines at every keystroke: without a cache
# that is hundreds of round trips per completion. Whole prompts are not worth keeping.
_CACHE_ENTRIES, _CACHE_CHARS = 4096, 1024
_COUNT_PAUSE_S = 30.0  # after a failed count, estimate this long rather than ask again

# Each server family's tokenizer: (path, request body, token count from the answer). The count
# of "" is subtracted from every count, which removes the BOS token some servers add.
_TOKENIZERS = (
    ("/extras/tokenize/count", lambda t, m: {"input": t}, lambda a: a["count"]),  # llama_cpp.server
    ("/tokenize", lambda t, m: {"content": t, "add_special": False}, lambda a: len(a["tokens"])),  # llama-server
    ("/tokenize", lambda t, m: {"model": m, "prompt": t, "add_special_tokens": False}, lambda a: a["count"]),  # vLLM
)


class RemoteBackend:
    """Calls block; they may come from several threads (connections are pooled under a lock)."""

    def __init__(self, url: str, *, model: str | None = None, api_key: str | None = None, fim: str | None = None,
                 n_ctx: int = 4096, headers: Mapping[str, str] | None = None, connect_timeout: float = 5.0,
                 read_timeout: float = 60.0, retries: int = 2, backoff: float = 0.25) -> None:
        """`url`: the server's base URL; `model`: the name to ask for (default: the first one
        /v1/models lists); `fim`: the model's FIM format name (models.fim), None for prefix-only
        prompts; `retries`, `backoff`: for connection errors, 429 and 5xx before any token."""
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"model.url {url!r} is not an http:// or https:// URL: set it to e.g. http://host:8080")
        path = parts.path.rstrip("/")  # a pasted OpenAI base URL ends in /v1; the paths add it
        self._prefix = path.removesuffix("/v1")
        self.url = f"{parts.scheme}://{parts.netloc}{self._prefix}"
        self._conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._host, self._port = parts.hostname, parts.port
        if fim and by_name(fim) is None:
            known = ", ".join(f.name for f in KNOWN_FORMATS)
            raise ModelError(f"model.fim {fim!r} is not a known fill-in-the-middle format: use one of {known}, or none")
        self._fim = by_name(fim) if fim else None
        self._n_ctx = n_ctx
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._retries, self._backoff = max(0, retries), backoff
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []  # keep-alive connections
        self._counts: dict[str, int] = {}
        self._tokenizer: tuple | None = None  # (path, body, count, count of ""); () for none
        self._count_pause_until = 0.0
        self._model = model
        if model is None:  # ask the server: vLLM and Ollama need the name in every request
            try:
                self._model = self._json("GET", "/v1/models", None)["data"][0]["id"]
            except (ModelError, LookupError, TypeError, ValueError) as exc:
                log.warning("could not ask %s for its model name: %s", self.url, exc)

    @property
    def name(self) -> str:
        return self._model or self.url

    @property
    def heals(self) -> bool:
        return False  # token healing needs the logits, which an HTTP API does not expose

    @property
    def fim(self) -> FimFormat | None:
        return self._fim

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        if text in self._counts:
            return self._counts[text]
        if self._tokenizer == () or time.monotonic() < self._count_pause_until:
            return _estimate(text)
        try:
            if self._tokenizer is None:
                self._tokenizer = self._find_tokenizer()
            if not self._tokenizer:
                return _estimate(text)
            path, body, count, offset = self._tokenizer
            n = max(0, count(self._json("POST", path, body(text, self._model))) - offset)
        except (ModelError, LookupError, TypeError, ValueError) as exc:
            # A count must never fail a completion: estimate, and leave the server be a while.
            log.info("token count from %s failed (%s); estimating for %g s", self.url, exc, _COUNT_PAUSE_S)
            self._count_pause_until = time.monotonic() + _COUNT_PAUSE_S
            return _estimate(text)
        if len(text) <= _CACHE_CHARS:
            if len(self._counts) >= _CACHE_ENTRIES:
                self._counts.clear()
            self._counts[text] = n
        return n

    def _find_tokenizer(self) -> tuple:
        for path, body, count in _TOKENIZERS:
            try:
                offset = count(self._json("POST", path, body("", self._model)))
                log.info("%s counts tokens at %s", self.url, path)
                return path, body, count, offset
            except _HttpError as exc:  # 404, 422: another server family; 5xx: try again later
                if exc.status >= 500:
                    raise
            except (LookupError, TypeError, ValueError):  # an answer of another shape
                pass
        log.info("%s has no tokenize endpoint: estimating 1 token per %g characters", self.url, CHARS_PER_TOKEN)
        return ()

    def complete(self, request: CompletionRequest, cancel: CancelToken | None = None,
                 until: Callable[[str], bool] | None = None) -> CompletionResult:
        body = {"prompt": request.prompt, "max_tokens": request.max_tokens, "temperature": request.temperature}
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        result = self._stream("/v1/completions", body, cancel, lambda c: c.get("text"), until, request.timeout_s)
        if not result.prompt_tokens and result.finish_reason != "cancelled":  # the server did not say
            result.prompt_tokens = result.reevaluated_tokens = self.count_tokens(request.prompt)
        return result

    def chat(self, messages: list[ChatMessage], max_tokens: int = 512,
             cancel: CancelToken | None = None, on_text: Callable[[str], None] | None = None) -> CompletionResult:
        body = {"messages": [{"role": m.role, "content": m.content} for m in messages], "max_tokens": max_tokens,
                "temperature": 0.0}

        def text_of(choice: dict) -> str | None:
            text = (choice.get("delta") or {}).get("content")
            if text and on_text is not None:
                on_text(text)
            return text

        return self._stream("/v1/chat/completions", body, cancel, text_of)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _stream(self, path: str, body: dict, cancel: CancelToken | None, text_of,
                until: Callable[[str], bool] | None = None, timeout_s: float = 0.0) -> CompletionResult:
        """Stream an answer; stop early (and close the connection, which makes the server stop
        generating) when cancelled, past `timeout_s`, or once `until(text so far)` holds."""
        deadline = time.monotonic() + timeout_s if timeout_s else None

        def interrupted() -> str | None:
            if cancel is not None and cancel.cancelled:
                return "cancelled"
            return "time" if deadline is not None and time.monotonic() > deadline else None

        if reason := interrupted():
            return CompletionResult("", finish_reason=reason)
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        if self._model:
            body["model"] = self._model
        # A watcher shuts the socket down once interrupted: that is what stops a request whose
        # server is still queueing or reading the prompt, when no chunk comes to check between.
        current: list[http.client.HTTPConnection] = []
        stop_watch = threading.Event()
        if cancel is not None or deadline is not None:
            threading.Thread(target=_watch, args=(interrupted, current, stop_watch), daemon=True).start()
        parts: list[str] = []
        usage: dict = {}
        timings, finish, done, enough = {}, None, False, False
        conn = None
        try:
            conn, resp = self._request("POST", path, body, self._retries, interrupted, current)
            if resp is None:
                return CompletionResult("", finish_reason=interrupted() or "cancelled")
            for event in _events(resp):
                if interrupted() or event == "[DONE]":
                    done = event == "[DONE]"
                    break
                chunk = json.loads(event)
                if "error" in chunk:
                    raise ModelError(f"the inference server at {self.url} failed mid-answer: {_detail(chunk)}")
                for choice in chunk.get("choices") or ():
                    if text := text_of(choice):
                        parts.append(text)
                        enough = enough or (until is not None and "\n" in text and until("".join(parts)))
                    finish = choice.get("finish_reason") or finish
                usage.update(chunk.get("usage") or {})
                timings = chunk.get("timings") or timings
                if enough:
                    break
            done = done or finish is not None  # a server that ends without [DONE]
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if not interrupted():
                raise self._broken(exc) from exc
        finally:
            stop_watch.set()
        result = CompletionResult("".join(parts), usage.get("prompt_tokens") or 0, len(parts), finish or "stop")
        if (reason := interrupted()) or enough:
            if conn is not None:
                conn.close()  # the server sees the closed socket and stops generating
            result.finish_reason = reason or "stop"
            return result
        if not done:
            conn.close()
            raise self._broken("the connection closed before the answer was complete")
        self._release(conn, resp)
        # Prompt tokens evaluated rather than found in the server's cache: llama-server says it
        # in "timings", vLLM in the usage details; otherwise, as far as we know, all of them.
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        result.reevaluated_tokens = timings.get("prompt_n", result.prompt_tokens - cached)
        return result

    def _json(self, method: str, path: str, body: dict | None) -> Any:
        """One small request, not retried; ValueError if the answer is not JSON."""
        conn, resp = self._request(method, path, body, 0)
        try:
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise self._broken(exc) from exc
        self._release(conn, resp)
        return json.loads(data)

    def _request(self, method: str, path: str, body: dict | None, retries: int,
                 interrupted: Callable[[], Any] = lambda: None, current: list | None = None):
        """(connection, response) once the server answers 200, or (_, None) if interrupted first.
        Nothing has streamed yet, so connection errors, 429 and 5xx are safe to retry (with
        exponential backoff). `current` receives each connection, for the watcher."""
        payload = json.dumps(body).encode() if body is not None else None
        attempt = 0
        while True:
            conn, reused = self._connection()
            if current is not None:
                current[:] = [conn]
            phase, wait = "connect", self._backoff * 2**attempt
            try:
                if not reused:
                    conn.connect()
                phase = "wait"
                conn.sock.settimeout(self._read_timeout)
                conn.request(method, self._prefix + path, payload, self._headers)
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if interrupted():  # the watcher shut the socket
                    return conn, None
                timed_out = isinstance(exc, TimeoutError)
                if reused and not timed_out:
                    continue  # the server had closed this idle keep-alive connection: open another
                error = self._unreachable(exc, phase)
                # A read timeout means a busy server: sending again would only lengthen its queue.
                fatal = isinstance(exc, (ssl.SSLError, socket.gaierror)) or (timed_out and phase == "wait")
                if fatal or attempt >= retries:
                    raise error from exc
            else:
                if resp.status == 200:
                    return conn, resp
                try:
                    detail = _detail(resp.read(64 * 1024))
                except (OSError, http.client.HTTPException):
                    detail = "no details"
                conn.close()  # error answers are rare: not worth keeping the connection for
                error = _HttpError(self._http_message(resp.status, path, detail), resp.status)
                if not (resp.status == 429 or resp.status >= 500) or attempt >= retries:
                    raise error
                if (retry_after := resp.getheader("Retry-After", "")).isdigit():  # within reason
                    wait = max(wait, min(float(retry_after), 10.0))
            log.info("%s; retrying in %.2f s", error, wait)
            attempt += 1
            if _sleep(wait, interrupted):
                return conn, None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._conn_class(self._host, self._port, timeout=self._connect_timeout), False

    def _release(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse) -> None:
        resp.read()  # the rest of the body, so that the connection can carry the next request
        if resp.will_close or conn.sock is None:
            conn.close()
        else:
            with self._lock:
                self._idle.append(conn)

    def _unreachable(self, exc: BaseException, phase: str) -> ModelError:
        where = f"the inference server at {self.url}"
        if isinstance(exc, ConnectionRefusedError):
            return ModelError(f"cannot reach {where} (connection refused): start it or fix model.url")
        if isinstance(exc, socket.gaierror):
            return ModelError(f"cannot reach {where}: its host name does not resolve ({exc.strerror}): fix model.url")
        if isinstance(exc, TimeoutError) and phase == "connect":
            return ModelError(f"cannot reach {where} (no connection within {self._connect_timeout:g} s): "
                              "check that it runs, that model.url is right and that no firewall is in the way")
        if isinstance(exc, TimeoutError):
            return ModelError(f"{where} did not start answering within {self._read_timeout:g} s: "
                              "it may be overloaded; check it, or raise the read timeout")
        if isinstance(exc, ssl.SSLError):
            return ModelError(f"TLS with {where} failed ({exc}): check its certificate; "
                              "for a private CA, set SSL_CERT_FILE to the CA bundle")
        return ModelError(f"cannot reach {where} ({exc!r}): check that it runs and that model.url is right")

    def _broken(self, why: object) -> ModelError:
        if isinstance(why, TimeoutError):
            return ModelError(f"the inference server at {self.url} sent nothing for {self._read_timeout:g} s in the "
                              "middle of an answer: it may be overloaded; check it, or raise the read timeout")
        return ModelError(f"the inference server at {self.url} broke off the answer ({why}): "
                          "it may have crashed or restarted; check its log")

    def _http_message(self, status: int, path: str, detail: str) -> str:
        hint = {
            401: "set model.api_key to a key the server accepts",
            403: "set model.api_key to a key the server accepts",
            404: "check that model.url is the server's base URL (e.g. http://host:8080) and the model one it serves",
            429: "the server is rate-limiting: try again later",
        }.get(status, "check the server's log" if status >= 500 else "check model.url and the server's version")
        return f"the inference server at {self.url} answered HTTP {status} to {path} ({detail}): {hint}"


class _HttpError(ModelError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _estimate(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


def _events(resp: http.client.HTTPResponse):
    """The `data` of each server-sent event."""
    data: list[str] = []
    while raw := resp.readline(1 << 20):
        line = raw.decode().rstrip("\r\n")
        if not line and data:  # a blank line ends an event
            yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("error:"):  # llama-server reports some failures this way
            yield json.dumps({"error": line[6:].strip()})
        elif line.startswith("{"):  # not a stream after all: one JSON answer (often an error)
            data.append(line)
        # other fields and ":" comments (keep-alive pings) carry nothing for us
    if data:
        yield "\n".join(data)


def _watch(interrupted: Callable[[], Any], current: list[http.client.HTTPConnection], stop: threading.Event) -> None:
    while not stop.wait(0.05):
        sock = current[0].sock if current else None
        if sock is not None and interrupted():
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread out of recv()
            except OSError:
                pass
            return


def _sleep(seconds: float, interrupted: Callable[[], Any]) -> bool:
    """Sleep, waking early when interrupted; True if interrupted."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and not interrupted():
        time.sleep(min(left, 0.05))
    return bool(interrupted())


def _detail(answer: Any) -> str:
    """The human part of an error answer (bytes or parsed), in the shapes servers use."""
    if isinstance(answer, bytes):
        try:
            answer = json.loads(answer)
        except ValueError:
            answer = answer.decode(errors="replace").strip()
    if isinstance(answer, dict):
        answer = answer.get("error", answer.get("detail", answer))
        if isinstance(answer, dict):
            answer = answer.get("message", answer)
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return text[:300] or "no details"
