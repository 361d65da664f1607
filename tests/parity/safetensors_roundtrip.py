#!/usr/bin/env python3
"""Reads the safetensors file ctorch wrote (tests/io/test_safetensors_export.c)
with only the format's specification, struct, json and torch (no `safetensors`
package), checks the format's rules, and compares every tensor bit for bit
with the tensors torch builds from the same patterns (tests/io/io_patterns.h).

Usage: safetensors_roundtrip.py FILE   (exit status 0 when everything matches)
"""
import json
import struct
import sys

import torch

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/fixtures")
from io_safetensors import pattern  # noqa: E402  (the same bit patterns)

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32,
          "I64": torch.int64, "U8": torch.uint8, "BOOL": torch.bool}
SIZES = {"F32": 4, "F64": 8, "I32": 4, "I64": 8, "U8": 1, "BOOL": 1}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header length past the end of the file"
    assert (8 + n) % 8 == 0, "data section not 8-byte aligned"
    text = blob[8:8 + n].decode("utf-8")
    assert text.rstrip(" ") == text.strip(), "padding must be trailing spaces"
    pairs = json.loads(text, object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), "duplicate keys"
    data = blob[8 + n:]
    tensors, metadata, ranges = {}, {}, []
    for name, info in pairs:
        if name == "__metadata__":
            metadata = dict(info)
            assert all(isinstance(v, str) for v in metadata.values())
            continue
        info = dict(info)
        code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        numel = 1
        for s in shape:
            numel *= s
        assert end - begin == numel * SIZES[code], f"{name}: offsets do not match the shape"
        assert begin % SIZES[code] == 0, f"{name}: not aligned to its element size"
        ranges.append((begin, end))
        raw = bytearray(data[begin:end])
        if numel == 0:
            t = torch.empty(shape, dtype=DTYPES[code])
        else:
            t = torch.frombuffer(raw, dtype=torch.uint8).view(DTYPES[code]).reshape(shape)
        tensors[name] = t
    pos = 0
    for begin, end in sorted(ranges):
        assert begin == pos, "ranges overlap or leave a gap"
        pos = end
    assert pos == len(data), "data section not fully covered"
    return list(tensors.items()), metadata


def same_bits(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == torch.float32:
        a, b = a.view(torch.int32), b.view(torch.int32)
    elif a.dtype == torch.float64:
        a, b = a.view(torch.int64), b.view(torch.int64)
    return torch.equal(a, b)


def main():
    got, metadata = read_safetensors(sys.argv[1])
    expected = [
        ("f32", pattern(torch.float32, [2, 3])),
        ("f64", pattern(torch.float64, [4])),
        ("i32", pattern(torch.int32, [3, 1, 2])),
        ("i64", pattern(torch.int64, [5])),
        ("u8", pattern(torch.uint8, [7])),
        ("bool", pattern(torch.bool, [2, 5])),
        ("scalar", pattern(torch.float64, [])),
        ("empty", pattern(torch.int32, [0, 3])),
        ("model.0.weight", pattern(torch.float32, [3, 4]).t()),
        ("w\u00e9ight", pattern(torch.uint8, [2])),
    ]
    failures = []
    if [n for n, _ in got] != [n for n, _ in expected]:
        failures.append(f"names {[n for n, _ in got]} != {[n for n, _ in expected]}")
    got = dict(got)
    for name, want in expected:
        if name not in got or not same_bits(got[name], want):
            failures.append(f"tensor {name!r} differs: got {got.get(name)}, expected {want}")
    want_meta = {"format": "pt", "note": "tab\t \"quoted\" \u00e9"}
    if metadata != want_meta:
        failures.append(f"metadata {metadata!r} != {want_meta!r}")
    for f in failures:
        print("FAIL:", f)
    print(f"safetensors_roundtrip: {len(expected)} tensors, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
