"""The Chroma collection that holds the guidance index.

Embedded (a persistent directory) by default; a Chroma server when CHROMA_HOST
is set. The collection records which embedding model built it: vectors from two
models are not comparable, so a mismatch is an error, never a silent bad search.
"""

from __future__ import annotations

import threading

from coach.config import Settings


class StoreError(Exception):
    """The index cannot be used; the message tells the user what to do."""


class IndexMissing(StoreError):
    pass


class EmbeddingMismatch(StoreError):
    pass


class EmbeddingFailed(StoreError):
    """The embeddings endpoint failed (down, timed out, refused the key)."""


_clients: dict[tuple, object] = {}
_lock = threading.Lock()


def client(settings: Settings):
    key = (settings.chroma_host, settings.chroma_port) if settings.uses_chroma_server else (str(settings.data_dir),)
    with _lock:
        if key not in _clients:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)  # built once per client: it is not cheap
            try:
                if settings.uses_chroma_server:
                    _clients[key] = chromadb.HttpClient(
                        host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                    )
                else:
                    settings.data_dir.mkdir(parents=True, exist_ok=True)
                    _clients[key] = chromadb.PersistentClient(path=str(settings.data_dir), settings=chroma_settings)
            except Exception as exc:
                where = (
                    f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                    if settings.uses_chroma_server
                    else f"index directory {settings.data_dir}"
                )
                raise StoreError(f"cannot open the {where}: {exc}") from exc
        return _clients[key]


def open_collection(settings: Settings, embedding_model: str, create: bool = False):
    """The guidance collection, checked against the embedding model in use."""
    if not create and not settings.uses_chroma_server and not settings.data_dir.is_dir():
        # Opening a client would create an empty index directory just to report that it is empty.
        raise IndexMissing(f"no guidance index at {settings.data_dir} yet: run `coach ingest` first")
    chroma = client(settings)
    try:
        if create:
            collection = chroma.get_or_create_collection(
                settings.collection,
                embedding_function=None,
                metadata={"embedding_model": embedding_model},
                configuration={"hnsw": {"space": "cosine"}},
            )
        else:
            collection = chroma.get_collection(settings.collection, embedding_function=None)
    except StoreError:
        raise
    except Exception as exc:
        if not create and "does not exist" in str(exc).lower():
            raise IndexMissing(
                f"no guidance index named {settings.collection!r} yet: run `coach ingest` first"
            ) from exc
        raise StoreError(f"Chroma failed: {exc}") from exc

    built_with = (collection.metadata or {}).get("embedding_model")
    if built_with != embedding_model:
        raise EmbeddingMismatch(
            f"the index {settings.collection!r} was built with embeddings {built_with!r} but "
            f"{embedding_model!r} is configured; set COACH_EMBEDDINGS to match, or rebuild with "
            f"`coach ingest --rebuild`"
        )
    return collection


def drop_collection(settings: Settings) -> None:
    chroma = client(settings)
    try:
        chroma.delete_collection(settings.collection)
    except Exception as exc:
        if "does not exist" not in str(exc).lower():
            raise StoreError(f"Chroma failed: {exc}") from exc
