"""
Queries over a test's events (JSON objects from /debug/events or ipcdump
-f json), for events_stream.sh and ipcdump.sh.  Each script writes a small
ev.py that parses its own output into E (events), LOST (lost records),
BAD (lines that are not JSON), TEXT and more, adds its own helpers, and
hands over to run(): `python3 ev.py FILE EXPRESSION` prints the
expression's value, evaluated with all of them in scope.
"""
import base64, datetime, re, sys

E, LOST, BAD, TEXT = [], [], [], ''

def get(e, k):
    for p in k.split('.'):
        if not isinstance(e, dict) or p not in e:
            return None
        e = e[p]
    return e

def fmt(v):
    return '-' if v is None else 'true' if v is True else 'false' if v is False else str(v)

def es_(es):
    return E if es is None else es

def distinct(k, es=None):
    """The values of key K (dotted) over the events, sorted, comma-separated; '-' for absent."""
    if not es_(es):
        return '<no events>'	# never what a test wants
    return ','.join(sorted({fmt(get(e, k)) for e in es_(es)}))

def total(k, es=None):
    return sum(get(e, k) or 0 for e in es_(es))

def keys(es=None):
    return ','.join(sorted(set().union(*[set(e) for e in es_(es)]))) if es_(es) else ''

def pair(src, dst, es=None):
    return [e for e in es_(es) if get(e, 'src.comm') == src and get(e, 'dst.comm') == dst]

def by_time(es):
    return sorted(es, key=lambda e: e['time'])

def enc(b):
    return base64.b64encode(b).decode()

def dec(s):
    return base64.b64decode(s)

def tagged(n, writer=0):
    """ipc_workload's writes: 'a' + writer, then 'A' + writer."""
    return (bytes([97 + writer]) + bytes([65 + writer]) * (n - 1))[:n]

def times_bad(t0, t1, es=None):
    """Events whose time is not RFC 3339 UTC with nanoseconds within [t0 - 1, t1 + 1] (epoch seconds)."""
    if not es_(es):
        return 'no events'
    bad = 0
    for e in es_(es):
        m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z', e.get('time', ''))
        if not m:
            bad += 1
            continue
        t = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S').replace(
            tzinfo=datetime.timezone.utc).timestamp() + int(m.group(2)) / 1e9
        bad += not (t0 - 1 <= t <= t1 + 1)
    return bad

def hexdump(data):
    """hexdump -C's layout, indented and with a 4-digit offset, as the text format shows contents."""
    out = ''
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        cols = ''.join((' ' if i == 8 else '') + (' %02x' % chunk[i] if i < len(chunk) else '   ')
                       for i in range(16))
        out += '  %04x %s  |%s|\n' % (off, cols, ''.join(chr(c) if 32 <= c < 127 else '.' for c in chunk))
    return out

def run(load, scope, newline=True):
    """Loads argv[1] with LOAD (a dict of parsed names), evaluates argv[2] in SCOPE, prints it."""
    parsed = load(sys.argv[1])
    globals().update(parsed)
    scope.update(parsed)
    try:
        v = eval(sys.argv[2], scope)
    except Exception as err:	# a value that cannot equal what a test wants
        v = 'error: %s: %s' % (type(err).__name__, err)
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, tuple):
        v = tuple(int(x) if isinstance(x, bool) else x for x in v)
    if isinstance(v, list):
        v = ' '.join(map(str, v))
    sys.stdout.write(str(v) + ('\n' if newline else ''))
