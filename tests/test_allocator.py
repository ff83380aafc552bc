"""symact.kernels primes glibc's allocator on import (kernels._prime_allocator): block-sized
temporaries (256 KiB) then come from the heap, not from a fresh mmap() that page-faults per block.

Observed through glibc's own counters (mallinfo2: hblks, mmapped chunks; arena, heap bytes), in a
fresh interpreter, on eight 256 KiB arrays touched and freed: before ``import symact`` each is
mmapped (the control: glibc's default 128 KiB threshold); after it none is, and freeing them trims
no heap (without the priming the import's own allocations lift the mmap threshold, but the frees
gave 2 MiB back to the OS, to be faulted in again by the next block).  Skipped where the C library
is not glibc >= 2.33 (no mallinfo2) or the control does not hold (a tuned or different allocator:
nothing to prime)."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import ctypes
    import numpy as np

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    try:
        info = ctypes.CDLL(None).mallinfo2
    except AttributeError:
        print("none")
        raise SystemExit
    info.restype = Info

    def blocks(n=8, nbytes=1 << 18):
        # n block-sized temporaries, touched and freed as a kernel's blocks do: how many were
        # mmapped, and how many bytes of heap the frees gave back to the OS (trimmed)
        h0 = info().hblks
        arrays = [np.empty(nbytes, np.uint8) for _ in range(n)]
        for a in arrays:
            a[::4096] = 1
        mapped, arena = info().hblks - h0, info().arena
        del arrays, a
        return mapped, arena - info().arena

    control = blocks()
    import symact  # noqa: F401
    print(*control, *blocks())
""")


def test_import_primes_the_allocator():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    if out == ["none"] or out[:2] != ["8", "0"]:
        pytest.skip(f"not glibc's default allocator (mallinfo2 control: {out})")
    mapped, trimmed = map(int, out[2:])
    assert (mapped, trimmed) == (0, 0), \
        f"after import symact, 8 block temporaries: {mapped} mmapped, {trimmed} bytes of heap trimmed on free"
