"""The remote backend: an OpenAI-compatible inference server (llama.cpp's llama-server,
llama-cpp-python's llama_cpp.server, vLLM, Ollama) over HTTP(S).

Standard library only. It talks to the configured URL and nothing else (no redirects are
followed). Token healing is not possible without logits access, so `request.heal` is ignored.
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

from models.backend import CancelToken, ChatMessage, CompletionRequest, CompletionResult
from models.errors import ModelError
from models.fim import KNOWN_FORMATS, FimFormat, by_name

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5  # estimate when the server cannot count tokens for us
_COUNT_CACHE_SIZE = 4096  # the prompt builder counts line by line, the same lines each keystroke
_COUNT_RETRY_S = 30.0  # after a failed token count, estimate for this long instead of asking

# How each server family counts tokens: (path, body for a text, count from the answer).
# The count of "" is subtracted later, which removes a BOS token some servers add.
_TOKENIZERS: tuple[tuple[str, Callable[[str, str | None], dict], Callable[[dict], int]], ...] = (
    ("/extras/tokenize/count", lambda t, m: {"input": t}, lambda a: a["count"]),  # llama_cpp.server
    ("/tokenize", lambda t, m: {"content": t, "add_special": False}, lambda a: len(a["tokens"])),  # llama-server
    ("/tokenize", lambda t, m: {"prompt": t, "model": m, "add_special_tokens": False}, lambda a: a["count"]),  # vLLM
)


class RemoteBackend:
    """Blocking calls, safe from several threads (connections are pooled under a lock)."""

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        fim: str | None = None,
        n_ctx: int = 4096,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 0.25,
    ) -> None:
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"model.url {url!r} is not an http:// or https:// URL: set it to e.g. http://127.0.0.1:8080")
        # Users often paste the OpenAI base URL; the paths below add /v1 themselves.
        path = parts.path.rstrip("/")
        self._prefix = path[:-3] if path.endswith("/v1") else path
        self.url = f"{parts.scheme}://{parts.netloc}{self._prefix}"
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        if fim is not None and by_name(fim) is None:
            known = ", ".join(f.name for f in KNOWN_FORMATS)
            raise ModelError(f"model.fim {fim!r} is not a known fill-in-the-middle format: use one of {known}, or none")
        self._fim = by_name(fim) if fim else None
        self._n_ctx = n_ctx
        self._headers = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
        self._headers.update(headers or {})
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._retries, self._backoff = max(0, retries), backoff
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []  # keep-alive connections
        self._counts: dict[str, int] = {}
        # (path, body, count, count of ""), () when the server has none, None until asked
        self._tokenizer: tuple | None = None
        self._count_after = 0.0  # monotonic time before which count_tokens only estimates
        self._model = model
        if model is None:  # the server's own model name; servers like vLLM require it
            try:
                self._model = self._json("GET", "/v1/models", None, retries=0)["data"][0]["id"]
            except (ModelError, LookupError, TypeError) as exc:
                log.warning("could not ask %s for its model name: %s", self.url, exc)

    @property
    def name(self) -> str:
        return self._model or self.url

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
        if self._tokenizer == () or time.monotonic() < self._count_after:
            return self._estimate(text)
        try:
            if self._tokenizer is None:
                self._tokenizer = self._find_tokenizer()
                if not self._tokenizer:
                    return self._estimate(text)
            path, body, count, offset = self._tokenizer
            n = max(0, count(self._json("POST", path, body(text, self._model), retries=0)) - offset)
        except (ModelError, LookupError, TypeError, ValueError) as exc:
            # Counting must not fail a completion: estimate, and leave the server be a while.
            log.info("token count from %s failed (%s); estimating for %d s", self.url, exc, _COUNT_RETRY_S)
            self._count_after = time.monotonic() + _COUNT_RETRY_S
            return self._estimate(text)
        if len(self._counts) >= _COUNT_CACHE_SIZE:
            self._counts.clear()
        self._counts[text] = n
        return n

    def _find_tokenizer(self):
        for path, body, count in _TOKENIZERS:
            try:
                offset = count(self._json("POST", path, body("", self._model), retries=0))
                log.info("%s counts tokens at %s", self.url, path)
                return path, body, count, offset
            except _HttpError:  # 404, 422, …: not this server family
                continue
            except (LookupError, TypeError, ValueError):
                continue
        log.info("%s has no tokenize endpoint; estimating tokens as characters / %.1f", self.url, CHARS_PER_TOKEN)
        return ()  # estimate from now on

    @staticmethod
    def _estimate(text: str) -> int:
        return max(1, round(len(text) / CHARS_PER_TOKEN))

    def complete(self, request: CompletionRequest, cancel: CancelToken | None = None) -> CompletionResult:
        body = {"prompt": request.prompt, "max_tokens": request.max_tokens, "temperature": request.temperature}
        if request.stop:
            body["stop"] = list(request.stop)
        return self._stream("/v1/completions", body, cancel, lambda choice: choice.get("text"))

    def chat(self, messages: list[ChatMessage], max_tokens: int = 512, cancel: CancelToken | None = None) -> CompletionResult:
        body = {"messages": [{"role": m.role, "content": m.content} for m in messages], "max_tokens": max_tokens, "temperature": 0.0}
        # Streamed chunks carry a "delta"; a server that ignores `stream` answers one "message".
        return self._stream("/v1/chat/completions", body, cancel, lambda c: (c.get("delta") or c.get("message") or {}).get("content"))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- HTTP ---------------------------------------------------------------------------------

    def _stream(self, path: str, body: dict, cancel: CancelToken | None, text_of) -> CompletionResult:
        if cancel is not None and cancel.cancelled:
            return CompletionResult("", finish_reason="cancelled")
        if self._model:
            body["model"] = self._model
        conn, resp = self._request("POST", path, {**body, "stream": True}, self._retries, cancel)
        if resp is None:  # cancelled before the server answered
            return CompletionResult("", finish_reason="cancelled")
        parts: list[str] = []
        chunks, prompt_tokens, finish, done = 0, 0, None, False
        # Closing the socket from a watcher is what makes a cancel take effect while the
        # server is still processing the prompt, when no chunk arrives to check between.
        stop_watch = threading.Event()
        if cancel is not None:
            threading.Thread(target=_watch, args=(cancel, conn, stop_watch), daemon=True).start()
        try:
            for event in _events(resp):
                if cancel is not None and cancel.cancelled:
                    break
                if event == "[DONE]":
                    done = True
                    break
                chunk = json.loads(event)
                if "error" in chunk:
                    raise ModelError(f"the inference server at {self.url} failed mid-answer: {_detail(chunk)}")
                for choice in chunk.get("choices") or ():
                    text = text_of(choice)
                    if text:
                        parts.append(text)
                        chunks += 1
                    finish = choice.get("finish_reason") or finish
                prompt_tokens = (chunk.get("usage") or {}).get("prompt_tokens", prompt_tokens)
            done = done or finish is not None  # a plain JSON answer, or a server without [DONE]
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if not (cancel is not None and cancel.cancelled):
                raise self._dropped(exc) from exc
        finally:
            stop_watch.set()
        if cancel is not None and cancel.cancelled:
            conn.close()  # the server notices the closed socket and stops generating
            return CompletionResult("".join(parts), prompt_tokens, chunks, "cancelled")
        if not done:
            conn.close()
            raise self._dropped("end of stream before the answer was complete")
        self._release(conn, resp)
        return CompletionResult("".join(parts), prompt_tokens, chunks, finish or "stop")

    def _dropped(self, why) -> ModelError:
        if isinstance(why, TimeoutError):
            return ModelError(
                f"the inference server at {self.url} sent nothing for {self._read_timeout:g} s in the middle of an answer: "
                "it may be overloaded; check it, or raise the read timeout"
            )
        return ModelError(
            f"the inference server at {self.url} broke off the answer ({why or 'connection closed'}): "
            "it may have crashed or restarted; check its log"
        )

    def _json(self, method: str, path: str, body: dict | None, retries: int) -> Any:
        conn, resp = self._request(method, path, body, retries, None)
        data = resp.read()
        self._release(conn, resp)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ModelError(f"the inference server at {self.url} answered {path} with something that is not JSON") from exc

    def _request(self, method: str, path: str, body: dict | None, retries: int, cancel: CancelToken | None):
        """Send a request; return (connection, response) once the status is 200, or (_, None)
        if cancelled meanwhile. Nothing has streamed yet, so connection errors, 429 and 5xx
        are safe to retry, with exponential backoff."""
        payload = json.dumps(body).encode() if body is not None else None
        attempt = 0
        while True:
            conn, reused = self._connection()
            phase, wait = "connect", self._backoff * 2**attempt
            try:
                if not reused:
                    conn.connect()
                phase = "wait"
                conn.sock.settimeout(self._read_timeout)
                conn.request(method, self._prefix + path, payload, self._headers)
                resp = conn.getresponse()
            except socket.gaierror as exc:
                conn.close()
                raise ModelError(f"cannot resolve the host of the inference server {self.url} ({exc.strerror}): fix model.url") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                timed_out = isinstance(exc, TimeoutError)
                if reused and not timed_out:
                    continue  # the server had closed this idle keep-alive connection: use a new one
                error = self._unreachable(exc, phase)
                # A read timeout means a busy server: sending again would only add to its queue.
                if (timed_out and phase == "wait") or isinstance(exc, ssl.SSLError) or attempt >= retries:
                    raise error from exc
            else:
                if resp.status == 200:
                    return conn, resp
                detail = _detail(_read_json(resp))
                self._release(conn, resp)
                error = _HttpError(self._http_message(resp.status, path, detail))
                if not (resp.status == 429 or resp.status >= 500) or attempt >= retries:
                    raise error
                retry_after = resp.getheader("Retry-After", "")
                if retry_after.isdigit():  # the server knows best when to come back, within reason
                    wait = max(wait, min(float(retry_after), 10.0))
            log.info("%s; retrying in %.2f s", error, wait)
            attempt += 1
            if _sleep(wait, cancel):
                return conn, None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self._connect_timeout), False

    def _release(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse) -> None:
        resp.read()  # the rest of the body, so the connection can carry the next request
        if resp.will_close or conn.sock is None:
            conn.close()
            return
        with self._lock:
            self._idle.append(conn)

    def _unreachable(self, exc: BaseException, phase: str) -> ModelError:
        if isinstance(exc, ConnectionRefusedError):
            return ModelError(f"cannot reach the inference server at {self.url} (connection refused): start it or fix model.url")
        if isinstance(exc, TimeoutError) and phase == "connect":
            return ModelError(
                f"cannot reach the inference server at {self.url} (no connection within {self._connect_timeout:g} s): "
                "check that it runs, that model.url is right and that no firewall is in the way"
            )
        if isinstance(exc, TimeoutError):
            return ModelError(
                f"the inference server at {self.url} did not start answering within {self._read_timeout:g} s: "
                "it may be overloaded; check it, or raise the read timeout"
            )
        if isinstance(exc, ssl.SSLError):
            return ModelError(
                f"TLS with the inference server at {self.url} failed ({exc}): check its certificate; "
                "for a private CA set SSL_CERT_FILE to the CA bundle"
            )
        return ModelError(f"cannot reach the inference server at {self.url} ({exc!r}): check that it runs and model.url")

    def _http_message(self, status: int, path: str, detail: str) -> str:
        hint = {
            401: "set model.api_key to a key the server accepts",
            403: "set model.api_key to a key the server accepts",
            404: "check that model.url is the server's base URL (e.g. http://host:8080) and that model.name is a model it serves",
            429: "the server is rate-limiting: try again later",
        }.get(status, "check the server's log" if status >= 500 else "check model.url and the server's version")
        return f"the inference server at {self.url} answered HTTP {status} to {path} ({detail}): {hint}"


class _HttpError(ModelError):
    """The server answered with an error status."""


def _events(resp: http.client.HTTPResponse):
    """The `data` of each server-sent event; a plain JSON body counts as one event."""
    if "json" in (resp.getheader("Content-Type") or ""):
        yield resp.read().decode()
        return
    data: list[str] = []
    while True:
        raw = resp.readline(1 << 20)
        if not raw:  # end of body
            if data:
                yield "\n".join(data)
            return
        line = raw.decode().rstrip("\r\n")
        if not line:  # a blank line ends an event
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("error:"):  # llama-server reports some failures this way
            yield json.dumps({"error": line[6:].strip()})
        # other fields and ":" comments (keep-alive pings) carry nothing for us


def _watch(cancel: CancelToken, conn: http.client.HTTPConnection, stop: threading.Event) -> None:
    while not stop.wait(0.05):
        if cancel.cancelled:
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # unblocks the reading thread's recv
                except OSError:
                    pass
            return


def _sleep(seconds: float, cancel: CancelToken | None) -> bool:
    """Sleep, waking early if cancelled; True when cancelled."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if cancel is not None and cancel.cancelled:
            return True
        time.sleep(min(left, 0.05))
    return cancel is not None and cancel.cancelled


def _read_json(resp: http.client.HTTPResponse) -> Any:
    raw = resp.read(64 * 1024)
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace").strip()


def _detail(answer: Any) -> str:
    """The human part of an error answer, from the shapes servers use."""
    if isinstance(answer, dict):
        inner = answer.get("error", answer.get("detail", answer))
        if isinstance(inner, dict):
            inner = inner.get("message", inner)
        answer = inner
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return text[:300] or "no details"
