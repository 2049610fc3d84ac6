#!/usr/bin/python3
"""Two processes with names a label value must escape write to a pipe that
PREFIX-rd reads: 'q"b\\c\\nd' (quote, backslash, newline) writes 10 bytes
and 'bad\\xff\\xfe' (not UTF-8) 5, one write each.  Usage: hostile_names.py PREFIX"""
import ctypes
import os
import sys

libc = ctypes.CDLL(None)


def name(n):
    libc.prctl(15, ctypes.c_char_p(n), 0, 0, 0)  # PR_SET_NAME


r, w = os.pipe()
for comm, data in ((b'q"b\\c\nd', b'x' * 10), (b'bad\xff\xfe', b'y' * 5)):
    if os.fork() == 0:
        name(comm)
        os.write(w, data)
        os._exit(0)
os.close(w)
name((sys.argv[1] + '-rd').encode())
while os.read(r, 100):
    pass
os.wait()
os.wait()
