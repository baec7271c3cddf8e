"""A model's state on disk without pickle or torch: numpy arrays plus a JSON manifest.

A state is what ``get_state`` methods return: dicts, lists, tuples, strings, numbers,
``None``, numpy arrays and torch tensors (written as arrays). :func:`write_state` stores
it as an uncompressed ``.npz`` archive: every array is a member ``a0``, ``a1``... and the
structure around them is JSON in the member ``manifest``. :func:`read_state` gives the
same structure back with numpy arrays, reading with ``allow_pickle=False``, so a model
file can hold data but never code, and loading a model needs neither torch nor its
start-up time (see :mod:`datamime.models.numpy_nets`).

:func:`check_model_dir` and :func:`write_model_dir` keep a model folder safe: datamime
writes a model only into a new or empty folder or over a folder that already holds a
datamime model, replaces only its own files there, and deletes nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

MANIFEST = "manifest"
MODEL_FILE = "model.npz"
LEGACY_MODEL_FILE = "model.pt"  # format 1: torch.save, read with torch.load(weights_only=True)
# Every file a model folder may hold that datamime wrote; nothing else is ever replaced.
KNOWLEDGE_FILE = "knowledge.json"  # the knowledge file kept with a model (datamime/knowledge.py)
OWN_FILES = (MODEL_FILE, "schema.json", "loss_curve.png", KNOWLEDGE_FILE, LEGACY_MODEL_FILE)


def to_numpy(value: Any) -> Any:
    """``value`` with every torch tensor, at any depth, replaced by a numpy array."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a tensor; torch not imported
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(to_numpy(v) for v in value)
    return value


def _encode(value: Any, arrays: list[np.ndarray]) -> Any:
    value = to_numpy(value)
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, arrays) for k, v in value.items()}
        return {"__items__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a model file")


def _decode(value: Any, archive: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v, archive) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return archive[f"a{value['__array__']}"]
    if "__tuple__" in value:
        return tuple(_decode(v, archive) for v in value["__tuple__"])
    if "__items__" in value:
        return {_decode(k, archive): _decode(v, archive) for k, v in value["__items__"]}
    return {k: _decode(v, archive) for k, v in value.items()}


def write_state(state: Any, file: str | os.PathLike | IO[bytes]) -> None:
    """Write ``state`` to ``file``, a path or a binary file object (an ``.npz`` archive;
    the caller makes it atomic).

    The same state gives the same bytes: members are stored in order with a fixed
    time stamp (``np.savez`` stamps each member with the current time).
    """
    arrays: list[np.ndarray] = []
    manifest = json.dumps(_encode(state, arrays))
    members = {f"a{i}": a for i, a in enumerate(arrays)}
    members[MANIFEST] = np.frombuffer(manifest.encode(), dtype=np.uint8)
    if hasattr(file, "write"):
        _write_npz(file, members)
        return
    with open(file, "wb") as fh:
        _write_npz(fh, members)


def _write_npz(fh: IO[bytes], members: dict[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` as ``np.savez`` writes it, time stamps fixed at 1980-01-01."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def read_state(file: str | os.PathLike | IO[bytes]) -> Any:
    """Read a state written by :func:`write_state` (``ValueError`` if it is not one)."""
    with np.load(file, allow_pickle=False) as archive:
        if MANIFEST not in archive.files:
            raise ValueError("no manifest")
        manifest = json.loads(archive[MANIFEST].tobytes().decode())
        return _decode(manifest, archive)


# Class paths that saved models may name, for generators that have since moved.
MOVED_CLASSES = {
    "datamime.baselines.SeasonalBootstrap": "datamime.models.seasonal.SeasonalBootstrap",
    "datamime.baselines.SeasonalAR": "datamime.models.seasonal.SeasonalAR",
    "datamime.baselines.BlockBootstrap": "datamime.models.bootstrap.BlockBootstrap",
}


def current_class_path(path: str) -> str:
    """Where the class a saved model names lives now (``path`` itself unless it moved)."""
    return MOVED_CLASSES.get(path, path)


def is_state_file(file: str | os.PathLike) -> bool:
    """Whether ``file`` is an archive written by :func:`write_state` (members only read)."""
    try:
        with np.load(file, allow_pickle=False) as archive:
            return MANIFEST in archive.files
    except Exception:  # noqa: BLE001 - unreadable, truncated, not an archive: not ours
        return False


def check_model_dir(path: str | os.PathLike, key: str = "model_dir") -> Path:
    """Refuse a model folder datamime may not write into; ``path`` as a :class:`Path`.

    A new path, an empty folder and a folder holding a datamime model are fine. An
    existing file, or a folder holding anything else (the user's own files, a model
    file that is not datamime's), is refused with a :class:`ModelError` naming it, so
    nothing of the user's is ever replaced. ``key`` names the setting in the message.
    """
    from datamime.errors import ModelError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(f"{key}={path} is a file, not a folder; give a folder for the "
                         f"model ({key}=models/mine)")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ModelError(f"{key}={path}: {parent} is a file, not a folder")
            break
    if not path.is_dir():
        return path
    try:
        names = sorted(p.name for p in path.iterdir())
    except OSError as exc:
        raise ModelError(f"cannot read the folder {key}={path}: {exc.strerror or exc}") from None
    if not names:
        return path
    ours = (MODEL_FILE in names and is_state_file(path / MODEL_FILE)) or (
        MODEL_FILE not in names and LEGACY_MODEL_FILE in names and "schema.json" in names)
    if not ours:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise ModelError(f"{key}={path} holds other files ({shown}) and no datamime model, "
                         f"and datamime deletes nothing it did not write: give a new or empty "
                         f"folder, e.g. {key}={path / 'model'}")
    return path


def _fsync(file: Path) -> None:
    fd = os.open(file, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C for the few renames that put a model in place (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(*caught[0])
        elif caught and previous == signal.default_int_handler:
            raise KeyboardInterrupt


def write_model_dir(path: str | os.PathLike, fill: Callable[[Path], None]) -> Path:
    """Write a model folder: ``fill(tmp)`` writes the files, then they replace the old ones.

    ``fill`` writes into a new temporary folder beside ``path``; only once it has
    finished are the files moved into place. A new or empty ``path`` is the
    temporary folder renamed. A folder holding a previous model keeps every file
    that is not one of :data:`OWN_FILES`; the model file is moved last, so at every
    moment the folder holds a complete model, old or new, and own files the new model
    lacks (an old loss curve) are removed. On any failure (disk full, Ctrl-C) the
    temporary folder is removed and ``path`` is as it was.

    Raises:
        ModelError: ``path`` is refused by :func:`check_model_dir`, or the files cannot
            be written (disk full, no permission; the previous model is unchanged).
    """
    from datamime.errors import ModelError

    path = check_model_dir(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise ModelError(f"cannot create the model folder {path}: {exc.strerror or exc}") from None
    try:
        fill(tmp)
        written = sorted(p.name for p in tmp.iterdir())
        for name in written:  # on disk before any name points at them
            _fsync(tmp / name)
        with _sigint_deferred():
            if not path.is_dir() or not any(path.iterdir()):
                os.replace(tmp, path)
            else:
                for name in sorted(written, key=lambda n: n == MODEL_FILE):  # model last
                    os.replace(tmp / name, path / name)
                for name in OWN_FILES:
                    if name not in written:
                        (path / name).unlink(missing_ok=True)
                tmp.rmdir()
    except OSError as exc:
        raise ModelError(f"cannot save the model to {path}: {exc.strerror or exc}; the "
                         "previous model there is unchanged") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
