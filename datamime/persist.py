"""A model's state on disk without pickle or torch: numpy arrays plus a JSON manifest.

A state is what ``get_state`` methods return: dicts, lists, tuples, strings, numbers,
``None``, numpy arrays and torch tensors (written as arrays). :func:`write_state` stores
it as an uncompressed ``.npz`` archive: every array is a member ``a0``, ``a1``... and the
structure around them is JSON in the member ``manifest``. :func:`read_state` gives the
same structure back with numpy arrays, reading with ``allow_pickle=False``, so a model
file can hold data but never code, and loading a model needs neither torch nor its
start-up time (see :mod:`datamime.models.numpy_nets`).
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

import numpy as np

MANIFEST = "manifest"


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
    the caller makes it atomic)."""
    arrays: list[np.ndarray] = []
    manifest = json.dumps(_encode(state, arrays))
    members = {f"a{i}": a for i, a in enumerate(arrays)}
    members[MANIFEST] = np.frombuffer(manifest.encode(), dtype=np.uint8)
    if hasattr(file, "write"):
        np.savez(file, **members)
        return
    with open(file, "wb") as fh:
        np.savez(fh, **members)


def read_state(file: str | os.PathLike | IO[bytes]) -> Any:
    """Read a state written by :func:`write_state` (``ValueError`` if it is not one)."""
    with np.load(file, allow_pickle=False) as archive:
        if MANIFEST not in archive.files:
            raise ValueError("no manifest")
        manifest = json.loads(archive[MANIFEST].tobytes().decode())
        return _decode(manifest, archive)
