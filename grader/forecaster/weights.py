"""Reading a student's trained weights from files that cannot run code: safetensors or .npz.

Pickled checkpoints (torch.save's .pt/.pth, .pkl) execute code when loaded, so they are
refused by name and never opened. Every other problem becomes an InputFileError naming the
file and what is wrong, never a traceback.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from grader.errors import InputFileError

EXPORT_HINT = ('export the weights with safetensors.torch.save_file(model.state_dict(), '
               '"model.safetensors")')
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar")
"""torch.save and pickle files (pytorch_model.bin and .tar checkpoints are pickles too)."""
WEIGHTS_SUFFIXES = (".safetensors", ".npz")
MAX_WEIGHTS_BYTES = 200_000_000
"""The course's model is 8 MB in float32; larger files are refused unread."""
MAX_HEADER_BYTES = 10_000_000
SAFETENSORS_DTYPES = {"F16": 2, "F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4, "I64": 8,
                      "U8": 1, "U16": 2, "U32": 4, "U64": 8, "BOOL": 1}
"""Element sizes of the safetensors dtypes NumPy can read."""
UNREADABLE_DTYPES = ("BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2")
FLOAT_HINT = ("export float32 weights: safetensors.torch.save_file({k: v.float() for k, v in "
              'model.state_dict().items()}, "model.safetensors")')


def load_tensors(path: Path) -> dict[str, np.ndarray]:
    """The named tensors of a weights file (floats as float32), in file order."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise InputFileError(path, f"pickled checkpoints are never loaded (they can run code); "
                                   f"{EXPORT_HINT}")
    if suffix not in WEIGHTS_SUFFIXES:
        raise InputFileError(path, f"expected a .safetensors or .npz file; {EXPORT_HINT}")
    _check_size(path)
    raw = _read_safetensors(path) if suffix == ".safetensors" else _read_npz(path)
    if not raw:
        raise InputFileError(path, "holds no tensors")
    return {name: _as_float32(path, name, array) for name, array in raw.items()}


def _check_size(path: Path) -> None:
    if not path.exists():
        raise InputFileError(path, "no such file")
    if not path.is_file():
        raise InputFileError(path, "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(path, "file is empty")
    if size > MAX_WEIGHTS_BYTES:
        raise InputFileError(path, f"file is too large ({size} bytes; at most "
                                   f"{MAX_WEIGHTS_BYTES})")


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    header = _safetensors_header(path)
    from safetensors import SafetensorError, safe_open

    names = sorted(header, key=lambda name: header[name]["data_offsets"][0])
    try:
        with safe_open(path, framework="np") as handle:
            return {name: np.array(handle.get_tensor(name)) for name in names}
    except (SafetensorError, OSError, ValueError, TypeError) as error:
        raise InputFileError(path, f"malformed safetensors file ({error})") from None


def _safetensors_header(path: Path) -> dict[str, dict]:
    """The header's tensor entries, checked before the library reads them: the library's
    own messages do not say which tensor is bfloat16 or that a file is torch.save's zip."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        start = handle.read(8)
        if start[:2] == b"PK":
            raise InputFileError(path, "this is a zip archive (a torch.save checkpoint?), not "
                                       f"safetensors; {EXPORT_HINT}")
        if len(start) < 8:
            raise InputFileError(path, f"too short for a safetensors file ({size} bytes)")
        length = int.from_bytes(start, "little")
        if length > min(size - 8, MAX_HEADER_BYTES):
            _refuse_pickle(path, start)
            raise InputFileError(path, f"not a safetensors file, or truncated: its header "
                                       f"claims {length} bytes, the file has {size}")
        text = handle.read(length)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        _refuse_pickle(path, start)
        raise InputFileError(path, "not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise InputFileError(path, "not a safetensors file (its header is not a mapping)")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InputFileError(path, "malformed safetensors header: its __metadata__ must map "
                                   "names to text")
    data_bytes = size - 8 - length
    for name, entry in header.items():
        _check_entry(path, name, entry, data_bytes)
    _check_layout(path, header, data_bytes)
    return header


def _refuse_pickle(path: Path, start: bytes) -> None:
    """Name pickled data (a checkpoint renamed) for what it is. Only asked once the bytes
    have failed as safetensors: a real header of 640, 896, 1152 or 1408 bytes starts with
    the same two bytes as a pickle (its length, little-endian: 0x80, then 0x02 to 0x05)."""
    if start[:1] == b"\x80" and start[1:2] in b"\x02\x03\x04\x05":
        raise InputFileError(path, "this is pickled data (a checkpoint renamed?), not "
                                   f"safetensors; it is never loaded; {EXPORT_HINT}")


def _check_entry(path: Path, name: str, entry, data_bytes: int) -> None:
    if not isinstance(entry, dict):
        raise InputFileError(path, f"malformed safetensors header entry for '{name}'")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype in UNREADABLE_DTYPES:
        raise InputFileError(path, f"tensor '{name}' is {_dtype_name(dtype)}, which NumPy "
                                   f"cannot read; {FLOAT_HINT}")
    if dtype not in SAFETENSORS_DTYPES:
        raise InputFileError(path, f"tensor '{name}' has an unknown dtype {dtype!r}")
    if (not isinstance(shape, list) or not _naturals(shape)
            or not isinstance(offsets, list) or len(offsets) != 2 or not _naturals(offsets)):
        raise InputFileError(path, f"malformed safetensors header entry for '{name}'")
    begin, end = offsets
    if not begin <= end <= data_bytes:
        raise InputFileError(path, f"truncated: tensor '{name}' lies beyond the end of the file")
    if end - begin != math.prod(shape) * SAFETENSORS_DTYPES[dtype]:
        raise InputFileError(path, f"tensor '{name}': its data size does not match its shape")


def _check_layout(path: Path, header: dict[str, dict], data_bytes: int) -> None:
    """The tensors' data must lie one after another from the start of the data to its end,
    as safetensors writes it (and its reader requires)."""
    end = 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        begin, stop = entry["data_offsets"]
        if begin != end:
            where = "overlaps the tensor before it" if begin < end else "leaves a gap before it"
            raise InputFileError(path, f"malformed safetensors file: tensor '{name}' {where} "
                                       f"(its data starts at byte {begin}, not {end})")
        end = stop
    if end != data_bytes:
        raise InputFileError(path, f"malformed safetensors file: {data_bytes - end} bytes "
                                   "after the last tensor's data, which no tensor holds")


def _naturals(values: list) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def _dtype_name(dtype: str) -> str:
    return "bfloat16" if dtype == "BF16" else f"an 8-bit or smaller float ({dtype})"


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        with path.open("rb") as handle:
            is_npy = handle.read(6) == b"\x93NUMPY"
        problem = ("a single .npy array, not an .npz archive of named tensors" if is_npy
                   else "not an .npz file (not a zip archive), or truncated")
        raise InputFileError(path, problem) from None
    for member in members:
        if member.filename.endswith(".pkl") or "/data/" in member.filename:
            raise InputFileError(path, f"this is a PyTorch checkpoint (torch.save), not an "
                                       f".npz of arrays; {EXPORT_HINT}")
        if not member.filename.endswith(".npy"):
            raise InputFileError(path, f"member '{member.filename}' is not a .npy array")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_WEIGHTS_BYTES:
        raise InputFileError(path, f"unpacks to {unpacked} bytes (at most {MAX_WEIGHTS_BYTES})")
    try:
        _check_npy_headers(path, members)
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error) or "Object arrays" in str(error):
            raise InputFileError(path, "holds Python objects (pickled data), which are never "
                                       "loaded; save plain float arrays") from None
        raise InputFileError(path, f"malformed .npz file ({error})") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError, NotImplementedError,
            RuntimeError) as error:
        # NotImplementedError: an unsupported compression; RuntimeError: an encrypted member.
        raise InputFileError(path, f"malformed or truncated .npz file ({error})") from None


def _check_npy_headers(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Each member must be a .npy array whose header declares no more bytes than the cap:
    loading allocates what the header says before reading a byte (a 100000 x 100000 header
    in a small file asked for 37 GiB), and a member that is no .npy loads as raw bytes."""
    with zipfile.ZipFile(path) as archive:
        for member in members:
            with archive.open(member) as handle:
                try:
                    major, _ = np.lib.format.read_magic(handle)
                    read_header = (np.lib.format.read_array_header_1_0 if major == 1
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(handle)
                except ValueError:
                    raise InputFileError(path, f"member '{member.filename}' is not a .npy "
                                               "array") from None
            declared = math.prod(shape) * dtype.itemsize
            if declared > MAX_WEIGHTS_BYTES:
                raise InputFileError(path, f"member '{member.filename}' declares {declared} "
                                           f"bytes (at most {MAX_WEIGHTS_BYTES})")


def _as_float32(path: Path, name: str, array: np.ndarray) -> np.ndarray:
    if array.dtype.kind != "f":
        return array  # not floating point: the architecture check names it (a weight, by dtype)
    if not np.all(np.isfinite(array)):
        raise InputFileError(path, f"tensor '{name}' holds NaN or infinite values")
    with np.errstate(over="ignore"):
        single = np.ascontiguousarray(array, dtype=np.float32)
    if not np.all(np.isfinite(single)):
        raise InputFileError(path, f"tensor '{name}' holds values beyond float32's range "
                                   f"(±3.4e38)")
    return single
