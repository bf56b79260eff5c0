"""Deleting every stored object under a folder, for disk and S3 storages alike."""

from collections.abc import Iterator

from django.core.files.storage import Storage


def storage_walk(storage: Storage, folder: str) -> Iterator[str]:
    """Names of every object under `folder` (recursively); nothing if it does not exist."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for child in folders:
        yield from storage_walk(storage, f"{folder}/{child}")


def storage_delete_folder(storage: Storage, folder: str) -> int:
    """Delete every object under `folder`; returns how many. Idempotent; storage errors
    propagate."""
    names = list(storage_walk(storage, folder.rstrip("/")))
    for name in names:
        storage.delete(name)
    return len(names)
