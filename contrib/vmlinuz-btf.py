#!/usr/bin/env python3
"""vmlinuz-btf.py VMLINUZ OUT: the kernel's own BTF, cut out of its image.

A kernel built with CONFIG_DEBUG_INFO_BTF carries its BTF in the image
(the .BTF section; /sys/kernel/btf/vmlinux is the same bytes).  An arm64
vmlinuz is a flat Image (Debian's: uncompressed; gzip is undone here), so
there are no section headers to find it by: it is the one place where a
BTF header (magic 0xeB9F, version 1, its type and string sections right
after it) is followed by exactly the sizes it announces.  OUT is raw BTF,
what `bpftool btf dump file OUT format c` reads to write a vmlinux.h for
that architecture without booting it (bpf/vendor/vmlinux_arm64.h).
"""
import gzip
import struct
import sys

BTF_MAGIC = b"\x9f\xeb\x01\x00"  # little-endian magic, then version 1, flags 0
HEADER = 24


def btf_blobs(image):
    at = image.find(BTF_MAGIC)
    while at >= 0:
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", image, at + 4)
        end = at + HEADER + str_off + str_len
        if hdr_len == HEADER and type_off == 0 and str_off == type_len and end <= len(image) \
                and image[end - 1] == 0:  # the string section ends with a NUL
            yield image[at:end]
        at = image.find(BTF_MAGIC, at + 1)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: vmlinuz-btf.py VMLINUZ OUT")
    with open(sys.argv[1], "rb") as f:
        image = f.read()
    if image[:2] == b"\x1f\x8b":
        image = gzip.decompress(image)
    blobs = list(btf_blobs(image))
    if len(blobs) != 1:
        sys.exit(f"vmlinuz-btf.py: {len(blobs)} BTF blobs in {sys.argv[1]}, expected one")
    with open(sys.argv[2], "wb") as f:
        f.write(blobs[0])


if __name__ == "__main__":
    main()
