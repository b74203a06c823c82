"""Row-chunked reading and writing of (N, V) logit arrays in .npy, .npz and .safetensors files.

Reading never holds more than the requested rows: rows are fetched with positioned reads
(``os.pread``) at the array's byte offset, so memory is bounded by the chunk, not by N (a memory
map would keep every touched page resident). ``.npz`` members stored without compression are read
the same way; compressed members are decompressed whole (memory = the member's size).
``.safetensors`` is parsed by hand (8-byte little-endian header length, JSON header, raw
little-endian buffer; F16, BF16, F32, F64), so no extra dependency is needed.

Also :func:`synthetic_logits`: logits of two related random softmax models, a test data set the
package makes itself (no model downloads).
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from theory._rng import RngLike, as_generator
from theory._validate import InputTypeError, as_int, as_positive_float

#: Largest array (rows x vocab) :func:`synthetic_logits` builds.
MAX_SYNTHETIC_ELEMS = 100_000_000
#: safetensors dtype names understood here.
SAFETENSORS_DTYPES: dict[str, str] = {"F16": "<f2", "BF16": "<u2", "F32": "<f4", "F64": "<f8"}
#: Largest array (entries) :func:`synthetic_logits` builds.
MAX_SYNTHETIC_ELEMS = 50_000_000
#: Member / tensor names picked when a file holds several arrays.
PREFERRED_NAMES: tuple[str, ...] = ("logits", "probs", "arr_0")


class LogitFileError(ValueError):
    """A logit file that cannot be read as an (N, V) float array; the message names the file."""


def _pick(names: list[str], path: Path) -> str:
    if len(names) == 1:
        return names[0]
    for name in PREFERRED_NAMES:
        if name in names:
            return name
    raise LogitFileError(f"{path}: holds {len(names)} arrays {names[:5]}; keep one or name it 'logits'")


class RowReader:
    """Read rows ``[lo, hi)`` of a 2-d array stored in a file, as float64.

    Attributes
    ----------
    path
        The file.
    shape
        (N, V).
    dtype
        Stored dtype (``<u2`` stands for bfloat16).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path: expected a str or os.PathLike file path, got {type(path).__name__}")
        self.path = Path(path)
        if not self.path.is_file():
            raise LogitFileError(f"{self.path}: no such file")
        if self.path.stat().st_size == 0:
            raise LogitFileError(f"{self.path}: empty file")
        self._whole: np.ndarray | None = None
        self._bf16 = False
        suffix = self.path.suffix.lower()
        try:
            if suffix == ".npy":
                self._open_npy(self.path, 0)
            elif suffix == ".npz":
                self._open_npz()
            elif suffix == ".safetensors":
                self._open_safetensors()
            else:
                raise LogitFileError(f"{self.path}: unknown extension {suffix!r}; "
                                     "use .npy, .npz or .safetensors")
        except (OSError, ValueError, KeyError, struct.error, zipfile.BadZipFile) as exc:
            if isinstance(exc, LogitFileError):
                raise
            raise LogitFileError(f"{self.path}: cannot be read ({type(exc).__name__}: {exc})") from None
        if len(self.shape) != 2:
            raise LogitFileError(f"{self.path}: expected a 2-d (N, V) array, got shape {self.shape}")
        if self.shape[0] == 0 or self.shape[1] == 0:
            raise LogitFileError(f"{self.path}: empty array of shape {self.shape}")
        if self.dtype.kind != "f" and not self._bf16:
            raise LogitFileError(f"{self.path}: expected floating-point data, got dtype {self.dtype}")

    def _open_npy(self, path: Path, base: int) -> None:
        with open(path, "rb") as f:
            f.seek(base)
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            offset = f.tell()
        if fortran and len(shape) == 2 and shape[0] > 1 and shape[1] > 1:
            raise LogitFileError(f"{self.path}: Fortran-ordered array; save it C-ordered "
                                 "(np.ascontiguousarray)")
        self.shape, self.dtype, self._offset = tuple(int(s) for s in shape), np.dtype(dtype), offset
        need = offset + self.dtype.itemsize * int(np.prod(self.shape))
        if os.path.getsize(path) < need:
            raise LogitFileError(f"{self.path}: truncated ({os.path.getsize(path)} bytes, "
                                 f"header says {need})")

    def _open_npz(self) -> None:
        with zipfile.ZipFile(self.path) as z:
            names = [n for n in z.namelist() if n.endswith(".npy")]
            if not names:
                raise LogitFileError(f"{self.path}: no arrays inside")
            member = _pick([n[:-4] for n in names], self.path) + ".npy"
            info = z.getinfo(member)
            if info.compress_type == zipfile.ZIP_STORED:
                with open(self.path, "rb") as f:
                    f.seek(info.header_offset)
                    local = f.read(30)
                    name_len, extra_len = struct.unpack("<HH", local[26:30])
                self._open_npy(self.path, info.header_offset + 30 + name_len + extra_len)
                return
            with z.open(member) as f:
                arr = np.lib.format.read_array(f)
        self._whole = arr
        self.shape, self.dtype = tuple(int(s) for s in arr.shape), arr.dtype

    def _open_safetensors(self) -> None:
        with open(self.path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            if n <= 0 or n > 100_000_000:
                raise LogitFileError(f"{self.path}: not a safetensors file (header length {n})")
            header = json.loads(f.read(n).decode("utf-8"))
        header.pop("__metadata__", None)
        name = _pick(sorted(header), self.path)
        entry = header[name]
        code = entry["dtype"]
        if code not in SAFETENSORS_DTYPES:
            raise LogitFileError(f"{self.path}: tensor {name!r} has dtype {code}; expected one of "
                                 f"{', '.join(SAFETENSORS_DTYPES)}")
        self._bf16 = code == "BF16"
        self.shape, self.dtype = tuple(int(s) for s in entry["shape"]), np.dtype(SAFETENSORS_DTYPES[code])
        begin, end = (int(x) for x in entry["data_offsets"])
        if end - begin != self.dtype.itemsize * int(np.prod(self.shape)):
            raise LogitFileError(f"{self.path}: tensor {name!r}: data size does not match its shape")
        self._offset = 8 + n + begin
        if os.path.getsize(self.path) < self._offset + end - begin:
            raise LogitFileError(f"{self.path}: truncated")

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo..hi-1`` as a float64 array of shape (hi - lo, V); ``0 <= lo <= hi <= N``."""
        lo = as_int(lo, "lo", min_value=0, max_value=self.shape[0])
        hi = as_int(hi, "hi", min_value=lo, max_value=self.shape[0])
        if self._whole is not None:
            return np.asarray(self._whole[lo:hi], dtype=np.float64)
        v = self.shape[1]
        count = (hi - lo) * v
        fd = os.open(self.path, os.O_RDONLY)
        try:
            buf = bytearray(count * self.dtype.itemsize)
            view, done = memoryview(buf), 0
            start = self._offset + lo * v * self.dtype.itemsize
            while done < len(buf):
                got = os.preadv(fd, [view[done:]], start + done)
                if got <= 0:
                    raise LogitFileError(f"{self.path}: truncated at row {lo}")
                done += got
        finally:
            os.close(fd)
        raw = np.frombuffer(buf, dtype=self.dtype, count=count).reshape(hi - lo, v)
        if self._bf16:  # bfloat16 = the top 16 bits of a float32
            return (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        return raw.astype(np.float64)


def save_safetensors(path: str | os.PathLike[str], array: np.ndarray, *, name: str = "logits",
                     bf16: bool = False) -> None:
    """Write one 2-d float array as a .safetensors file.

    F16/F32/F64, or BF16 by truncation with round-to-nearest-even when ``bf16``.

    ``array`` must be a non-empty 2-d real array without NaN or ``+inf`` (``-inf``, a masked
    logit, is kept); ``name`` a string. ``ValueError``/``TypeError`` naming them otherwise.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a str, got {type(name).__name__}")
    raw = np.asarray(array)
    if raw.dtype.kind not in "fiu":
        raise InputTypeError(f"array: expected a real float array, got dtype {raw.dtype}")
    if raw.ndim != 2 or raw.size == 0:
        raise ValueError(f"array: expected a non-empty 2-d (N, V) array, got shape {raw.shape}")
    if np.any(np.isnan(raw) | (raw == np.inf)):
        raise ValueError("array: contains NaN or +inf (only -inf, a masked logit, is allowed)")
    arr = np.ascontiguousarray(raw)
    if bf16:
        bits = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32)
        rounded = bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
        data, code = (rounded >> np.uint32(16)).astype("<u2"), "BF16"
    else:
        codes = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
        if arr.dtype not in codes:
            raise ValueError(f"array: dtype {arr.dtype} is not float16/32/64")
        code = codes[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    header = {name: {"dtype": code, "shape": list(arr.shape), "data_offsets": [0, data.nbytes]}}
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data.tobytes())


def synthetic_logits(n: Any, vocab: Any, *, rng: RngLike = None, hidden: int = 16,
                     drift: float = 0.6, scale: float = 3.0, dtype: Any = np.float32
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Logits of two related random softmax models over ``n`` positions.

    Position i has a context vector ``h_i ~ N(0, I_hidden)``; the target's logits are
    ``z_p = scale * h W / sqrt(hidden) - log(1 + rank)`` (a Zipf-like prior over the tokens) and
    the draft's are ``z_q = scale * h (W + drift E) / sqrt(hidden (1 + drift^2)) - log(1 + rank)``
    with independent Gaussian W, E of shape (hidden, V): the draft is a noisy copy of the target,
    as a small model is of a large one. O(n V hidden).

    Returns
    -------
    (target_logits, draft_logits)
        Two arrays of shape (n, vocab) and the given dtype.
    """
    rows = as_int(n, "n", min_value=1)
    v = as_int(vocab, "vocab", min_value=2)
    d = as_int(hidden, "hidden", min_value=1)
    for what, size in (("n * vocab", rows * v), ("hidden * vocab", d * v), ("n * hidden", rows * d)):
        if size > MAX_SYNTHETIC_ELEMS:
            raise ValueError(f"n, vocab, hidden: {what} = {size} exceeds {MAX_SYNTHETIC_ELEMS:.0e} entries; "
                             "generate the data in chunks of rows")
    eps = as_positive_float(drift, "drift", allow_zero=True)
    s = as_positive_float(scale, "scale", allow_zero=True)
    gen = as_generator(rng)
    w = gen.standard_normal((d, v))
    e = gen.standard_normal((d, v))
    h = gen.standard_normal((rows, d))
    prior = -np.log1p(np.arange(v, dtype=np.float64))
    z_p = s * (h @ w) / np.sqrt(d) + prior
    z_q = s * (h @ (w + eps * e)) / np.sqrt(d * (1.0 + eps**2)) + prior
    return z_p.astype(dtype), z_q.astype(dtype)
