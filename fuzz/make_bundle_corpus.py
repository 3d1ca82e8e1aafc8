#!/usr/bin/env python3
"""Writes the seed corpus of the bundle fuzz target, fuzz/corpus/bundle/.

An independent writer of the bundle format, from docs/bundle-format.md alone:
ctest checks that Keel's parser accepts every valid_* seed and rejects every
invalid_* seed with a message (fuzz/CMakeLists.txt), so this file and the
C++ code cross-check each other. Run it from anywhere; it overwrites the seeds.
"""
import os
import random
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "bundle")
FORMATS = {"ptx": 1, "cubin": 2, "fatbin": 3, "spirv-vulkan": 4, "spirv-opencl": 5}


def ptx(arch):
    return (".version 8.0\n.target sm_%s\n.address_size 64\n" % arch).encode()


def cubin(tag=b""):
    return b"\x7fELF\x02\x01\x01\x33" + bytes(56) + tag


def fatbin(tag=b""):
    return struct.pack("<I", 0xBA55ED50) + b"\x01\x00\x10\x00" + bytes(24) + tag


def spirv(capability, addressing, model, big_endian=False):
    words = [0x07230203, 0x00010500, 0, 16, 0, (2 << 16) | 17, capability, (3 << 16) | 14,
             addressing, model]
    return struct.pack((">" if big_endian else "<") + "%dI" % len(words), *words)


def spirv_vulkan():
    return spirv(1, 0, 1)


def spirv_opencl(big_endian=False):
    return spirv(6, 2, 2, big_endian)


def bundle(entries, minor=0, header_size=32, entry_size=64, flags=0, count=None):
    """entries: (format name or number, target, payload)."""
    table_end = header_size + entry_size * len(entries)
    offsets, end = [], table_end
    for _, _, payload in entries:
        offset = (end + 15) // 16 * 16
        offsets.append(offset)
        end = offset + len(payload)
    out = bytearray(end)
    struct.pack_into("<8sHHIIIQ", out, 0, b"KEELBNDL", 1, minor, header_size, entry_size,
                     len(entries) if count is None else count, end)
    for i, (fmt, target, payload) in enumerate(entries):
        fmt = FORMATS.get(fmt, fmt)
        struct.pack_into("<IIQQ32sQ", out, header_size + i * entry_size, fmt, flags, offsets[i],
                         len(payload), target.encode(), 0)
        out[offsets[i]:offsets[i] + len(payload)] = payload
    return bytes(out)


def entry_offset(i, field):
    return 32 + 64 * i + {"format": 0, "flags": 4, "offset": 8, "size": 16, "target": 24}[field]


def patched(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


def main():
    all_formats = bundle([("ptx", "compute_75", ptx("75")), ("cubin", "sm_80", cubin(b"80")),
                          ("cubin", "sm_90a", cubin(b"90a")), ("fatbin", "cuda", fatbin()),
                          ("spirv-vulkan", "vulkan1.2", spirv_vulkan()),
                          ("spirv-opencl", "opencl1.2", spirv_opencl())])
    seeds = {
        "valid_all_formats": all_formats,
        "valid_cuda": bundle([("cubin", "sm_86", cubin()), ("ptx", "compute_90", ptx("90"))]),
        "valid_vulkan_versions": bundle([("spirv-vulkan", "vulkan1.1", spirv_vulkan()),
                                         ("spirv-vulkan", "vulkan1.3", spirv_vulkan())]),
        "valid_opencl_big_endian": bundle([("spirv-opencl", "opencl", spirv_opencl(True))]),
        # A newer minor version: larger header and entries, flags, an unknown format.
        "valid_v1_1_extended": bundle([(9, "future-1.0", b"anything"),
                                       ("fatbin", "cuda", fatbin())],
                                      minor=1, header_size=40, entry_size=72, flags=1),
        "invalid_truncated": all_formats[:-5],
        "invalid_trailing": all_formats + b"\0" * 3,
        "invalid_version_2": patched(all_formats, 8, "<H", 2),
        "invalid_count_huge": patched(all_formats, 20, "<I", 0xFFFFFFFF),
        "invalid_count_zero": patched(all_formats, 20, "<I", 0),
        "invalid_unaligned": patched(all_formats, entry_offset(1, "offset"), "<Q",
                                     struct.unpack_from("<Q", all_formats, entry_offset(1, "offset"))[0] + 8),
        "invalid_overlap": patched(all_formats, entry_offset(2, "offset"), "<Q",
                                   struct.unpack_from("<Q", all_formats, entry_offset(1, "offset"))[0]),
        "invalid_past_end": patched(all_formats, entry_offset(5, "size"), "<Q", 1 << 40),
        "invalid_offset_in_table": patched(all_formats, entry_offset(0, "offset"), "<Q", 48),
        "invalid_target_unterminated": patched(all_formats, entry_offset(3, "target"), "32s", b"x" * 32),
        "invalid_target_grammar": patched(all_formats, entry_offset(1, "target"), "32s", b"compute_80"),
        "invalid_payload_mismatch": patched(patched(all_formats, entry_offset(0, "format"), "<I", 2),
                                            entry_offset(0, "target"), "32s", b"sm_75"),
        "invalid_duplicate": patched(all_formats, entry_offset(2, "target"), "32s", b"sm_80"),
        "invalid_flags": patched(all_formats, entry_offset(4, "flags"), "<I", 1),
        "invalid_empty_payload": patched(all_formats, entry_offset(3, "size"), "<Q", 0),
        "invalid_header_only": all_formats[:32],
        "invalid_garbage": bytes(random.Random(7).getrandbits(8) for _ in range(64)),
        "invalid_not_bundle_spirv": spirv_vulkan(),
        "invalid_not_bundle_ptx": ptx("75"),
    }
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
