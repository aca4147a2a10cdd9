"""The Chroma collection that holds the guidance index.

Embedded (a persistent directory) by default; a Chroma server when CHROMA_HOST
is set. The collection records which embedding model built it: vectors from two
models are not comparable, so a mismatch is an error, never a silent bad search.
A rebuild fills a staging collection and swaps it in at the end.
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


def store_key(settings: Settings) -> tuple:
    """Which Chroma the settings name: a server's address, or the embedded index's folder."""
    return (settings.chroma_host, settings.chroma_port) if settings.uses_chroma_server else (str(settings.data_dir),)


def client(settings: Settings):
    key = store_key(settings)
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


REBUILD_SUFFIX = "__rebuild"


def open_collection(settings: Settings, embedding_model: str, create: bool = False):
    """The guidance collection, checked against the embedding model in use."""
    if not create and not settings.uses_chroma_server and not settings.data_dir.is_dir():
        # Opening a client would create an empty index directory just to report that it is empty.
        raise IndexMissing(f"no guidance index at {settings.data_dir} yet: run `coach ingest` first")
    chroma = client(settings)
    try:
        collection = _get(chroma, settings.collection) or _finish_interrupted_swap(chroma, settings)
        if collection is None:
            if not create:
                raise IndexMissing(f"no guidance index named {settings.collection!r} yet: run `coach ingest` first")
            collection = _create(chroma, settings.collection, embedding_model)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"Chroma failed: {exc}") from exc

    built_with = (collection.metadata or {}).get("embedding_model")
    if built_with != embedding_model:
        raise EmbeddingMismatch(
            f"the index {settings.collection!r} was built with embeddings {built_with!r} but "
            f"{embedding_model!r} is configured; set COACH_EMBEDDINGS to match, or rebuild with "
            f"`coach ingest --rebuild`"
        )
    return collection


def begin_rebuild(settings: Settings, embedding_model: str):
    """An empty staging collection for a rebuild to fill while the live index stays searchable."""
    chroma = client(settings)
    staging = settings.collection + REBUILD_SUFFIX
    try:
        if _get(chroma, staging) is not None:  # what a rebuild that crashed part-way left behind
            chroma.delete_collection(staging)
        return _create(chroma, staging, embedding_model)
    except Exception as exc:
        raise StoreError(f"Chroma failed: {exc}") from exc


def finish_rebuild(settings: Settings, staged) -> None:
    """Swap the filled staging collection in for the live one.

    It is marked complete before the live collection is deleted, so a crash between the delete and
    the rename leaves a collection that the next open finishes swapping in, never an empty index.
    """
    chroma = client(settings)
    try:
        staged.modify(metadata={**(staged.metadata or {}), "rebuild": "complete"})
        if _get(chroma, settings.collection) is not None:
            chroma.delete_collection(settings.collection)
        staged.modify(name=settings.collection)
    except Exception as exc:
        raise StoreError(f"Chroma failed: {exc}") from exc


def mark_revision(collection, revision: str) -> None:
    """Stamp what the collection holds, so every process's lexical index knows when to rebuild."""
    metadata = dict(collection.metadata or {})
    if metadata.get("revision") == revision:
        return
    try:
        collection.modify(metadata={**metadata, "revision": revision})
    except Exception as exc:
        raise StoreError(f"Chroma failed: {exc}") from exc


def _finish_interrupted_swap(chroma, settings: Settings):
    staged = _get(chroma, settings.collection + REBUILD_SUFFIX)
    if staged is None or (staged.metadata or {}).get("rebuild") != "complete":
        return None
    try:
        staged.modify(name=settings.collection)
    except Exception:  # another process finished the swap first
        pass
    return _get(chroma, settings.collection)


def _get(chroma, name: str):
    """The collection by that name, or None."""
    try:
        return chroma.get_collection(name, embedding_function=None)
    except Exception as exc:
        if "does not exist" in str(exc).lower():
            return None
        raise


def _create(chroma, name: str, embedding_model: str):
    return chroma.get_or_create_collection(
        name,
        embedding_function=None,
        metadata={"embedding_model": embedding_model},
        configuration={"hnsw": {"space": "cosine"}},
    )
