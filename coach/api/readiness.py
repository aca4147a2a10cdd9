"""Start-up warm-up and the /readyz checks.

Warm-up runs in a background thread so the port opens at once: it loads the embedding model (seconds),
opens the index, builds this process's search indexes (BM25 and the card head) and the rules engine, so
the first real request does not pay for them.
Ready means: the index is loaded, and either the LLM answers or the rules engine is there to fall back on.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx

from coach.api.models import Check, Readiness
from coach.config import Settings

log = logging.getLogger("coach.api")

MODEL_CHECK_SECONDS = 15.0  # a model reachability answer is reused this long
# The index answer is reused this long: a probe during heavy work then costs no Chroma calls (each one waits
# for the interpreter lock the work holds). An ingest through the API clears it at once.
INDEX_CHECK_SECONDS = 1.0


class Warmth:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = Check(ok=False, detail="loading")
        self.fallback = Check(ok=False, detail="loading")
        self.index = Check(ok=False, detail="loading")
        self._model: tuple[float, Check] | None = None
        self._index_at = 0.0
        self.refreshing = False  # a thread renews the index answer (after warm-up)
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self.started = False
        self.done = threading.Event()

    def start(self) -> threading.Thread:
        self.started = True
        thread = threading.Thread(target=self.warm, name="coach-warm-up", daemon=True)
        thread.start()
        return thread

    def warm(self) -> None:
        started = time.perf_counter()
        self.fallback = _fallback_check()
        try:
            from coach.knowledge.embed import get_embedder

            embedder = get_embedder(self.settings)
            embedder.embed(["warm-up"])
            self.embedder = Check(ok=True, detail=f"{embedder.name} loaded")
        except Exception as exc:
            self.embedder = Check(ok=False, detail=public(f"embedding model failed to load: {exc}", self.settings))
            log.error("embedding model failed to load: %s", exc)
        self.index = self.index_check()
        self._index_at = time.monotonic()
        if self.index.ok:
            try:  # this process's BM25 index and card head, built now rather than on the first request
                from coach.knowledge.search import search

                search("warm-up", k=1, settings=self.settings)
            except Exception as exc:
                log.warning("warm-up search failed: %s", public(str(exc), self.settings))
        self.done.set()
        threading.Thread(target=self._keep_index_fresh, name="coach-index-check", daemon=True).start()
        log.info("warm-up finished in %.1f s", time.perf_counter() - started, extra={"ready": self.report().ready})

    def index_check(self) -> Check:
        from coach.knowledge.embed import get_embedder
        from coach.knowledge.store import open_collection

        try:
            collection = open_collection(self.settings, get_embedder(self.settings).name)
            count = collection.count()
        except Exception as exc:
            return Check(ok=False, detail=public(str(exc), self.settings))
        if not count:
            return Check(ok=False, detail=f"the index {self.settings.collection!r} is empty: run `coach ingest`")
        return Check(ok=True, detail=f"{count} chunks in {self.settings.collection!r}")

    def _index_stale(self) -> bool:
        return time.monotonic() - self._index_at >= (3 * INDEX_CHECK_SECONDS if self.refreshing else INDEX_CHECK_SECONDS)

    def needs_io(self) -> bool:
        """Whether `report` would call Chroma or the model endpoint now, rather than read what it knows."""
        warming = self.started and not self.done.is_set()
        model_stale = bool(self.settings.model) and (self._model is None or time.monotonic() - self._model[0] >= MODEL_CHECK_SECONDS)
        return (not warming and self._index_stale()) or model_stale or not self.fallback.ok

    def report(self) -> Readiness:
        warming = self.started and not self.done.is_set()
        if not warming and self._index_stale():
            self.index = self.index_check()  # an ingest may have built it, or a rebuild dropped it, since
            self._index_at = time.monotonic()
        if not warming:
            if not self.fallback.ok:
                self.fallback = _fallback_check()
            if not self.started:
                self.embedder = Check(ok=True, detail="loads on first use (COACH_WARM_UP is off)")
        model = self.model_check()
        ready = not warming and self.index.ok and self.embedder.ok and (model.ok or self.fallback.ok)
        return Readiness(
            ready=ready,
            local_only=self.settings.local_only,
            checks={"index": self.index, "embedder": self.embedder, "model": model, "fallback": self.fallback,
                    "cards": _cards_check(self.settings)},  # a broken card is reported; it does not make coach unready
        )

    def _keep_index_fresh(self) -> None:
        """After warm-up the index answer is renewed here, off the request path: a probe only reads it."""
        self.refreshing = True
        while not self._stopped.wait(INDEX_CHECK_SECONDS):
            self.index = self.index_check()
            self._index_at = time.monotonic()
        self.refreshing = False

    def stop(self) -> None:
        """The app is shutting down: the refresher ends."""
        self._stopped.set()

    def index_changed(self) -> None:
        """The index was just built or rebuilt here: the next report looks again."""
        self._index_at = 0.0

    def model_check(self) -> Check:
        if not self.settings.model:
            return Check(ok=False, detail="no LLM configured (COACH_MODEL); the rules engine serves")
        with self._lock:
            if self._model and time.monotonic() - self._model[0] < MODEL_CHECK_SECONDS:
                return self._model[1]
        check = _probe_model(self.settings)
        with self._lock:
            self._model = (time.monotonic(), check)
        return check


def public(message: str, settings: Settings) -> str:
    """A message fit for any caller: the server's folders named by their setting, never by their path."""
    for folder, name in ((settings.data_dir, "COACH_DATA_DIR"), (settings.knowledge_dir, "COACH_KNOWLEDGE_DIR"),
                         (settings.prompts_dir, "COACH_PROMPTS_DIR"), (settings.cache_dir, "COACH_CACHE_DIR")):  # fmt: skip
        for form in {str(folder), str(folder.resolve())}:
            message = message.replace(form, f"<{name}>")
    return message


def _cards_check(settings: Settings) -> Check:
    from coach.knowledge.cards import broken_cards, load_cards

    broken = broken_cards(settings.knowledge_dir)
    loaded = len(load_cards(settings.knowledge_dir))
    if broken:
        return Check(ok=False, detail=f"{loaded} cards loaded; not loaded: " + "; ".join(f"{name} ({why})" for name, why in broken.items()))
    return Check(ok=True, detail=f"{loaded} cards loaded")


def _fallback_check() -> Check:
    try:
        from coach.editor import load_bank

        load_bank()
        return Check(ok=True, detail="rules engine ready")
    except Exception as exc:
        return Check(ok=False, detail=f"rules engine unavailable: {type(exc).__name__}: {exc}")


def _probe_model(settings: Settings) -> Check:
    """Any HTTP answer from the endpoint counts as reachable; only no answer at all does not."""
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=min(2.0, settings.model_timeout))
    except httpx.HTTPError as exc:
        return Check(ok=False, detail=f"model endpoint unreachable ({type(exc).__name__})")
    return Check(ok=True, detail=f"model endpoint answered HTTP {response.status_code} ({settings.model})")
