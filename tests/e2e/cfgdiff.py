#!/usr/bin/env python3
# cfgdiff.py DEVICE EXPECTED-DIFFS A.cfg B.cfg: two dumps of one device's
# config space (run.sh's layout), byte by byte.  Prints each differing
# byte with the reason expected-diffs gives for it, or NOT EXPLAINED;
# exits 1 if any differing bit is not in a row of DEVICE's mask.
import re
import sys

dev, ex, fa, fb = sys.argv[1:5]
row = re.compile(r'^([0-9a-f]{2,3}):((?: [0-9a-f]{2})+)\s*$')


def load(path):
    cfg = {}
    for line in open(path):
        m = row.match(line)
        if m is None:
            continue
        base = int(m.group(1), 16)
        for i, b in enumerate(m.group(2).split()):
            cfg[base + i] = int(b, 16)
    return cfg


mask, why = {}, {}
for line in open(ex):
    f = line.split(None, 3)
    if not f or f[0].startswith('#') or f[0] != dev:
        continue
    o = int(f[1], 0)
    mask[o] = mask.get(o, 0) | int(f[2], 0)
    why[o] = f[3].strip()
a, b = load(fa), load(fb)
bad = 0
for o in sorted(set(a) | set(b)):
    x, y = a.get(o, -1), b.get(o, -1)
    if x == y:
        continue
    if x < 0 or y < 0 or (x ^ y) & ~mask.get(o, 0):
        print('  0x%03x: %02x -> %02x: NOT EXPLAINED' % (o, x, y))
        bad = 1
    else:
        print('  0x%03x: %02x -> %02x: %s' % (o, x, y, why[o]))
sys.exit(bad)
