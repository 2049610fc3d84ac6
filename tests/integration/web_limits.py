"""Load for web_limits.sh: slowloris connections and parallel scrapers, bounded in count and time."""
import socket, sys, threading, time, urllib.request


def slowloris(port, source, count, seconds, report):
    """Holds up to `count` connections from `source`, each sending a header byte every second;
    reconnects those the server closes.  Reports how many were open at the end."""
    conns = []
    deadline = time.time() + seconds
    opened = closed = 0
    while time.time() < deadline:
        while len(conns) < count and time.time() < deadline:
            s = socket.socket()
            s.setblocking(True)
            s.settimeout(1)
            try:
                s.bind((source, 0))
                s.connect(('127.0.0.1', port))
                s.send(b'GET /metrics HTTP/1.1\r\nHost: x\r\n')
                conns.append(s)
                opened += 1
            except OSError:
                s.close()
                break
        alive = []
        for s in conns:
            try:
                s.send(b'X')
                alive.append(s)
            except OSError:
                s.close()
                closed += 1
        conns = alive
        time.sleep(1)
    report['slowloris_open'] = len(conns)
    report['slowloris_opened'] = opened
    report['slowloris_closed'] = closed
    for s in conns:
        s.close()


def scrape(port, source):
    """One scrape from `source`: (status, seconds)."""
    start = time.time()
    s = socket.create_connection(('127.0.0.1', port), timeout=10, source_address=(source, 0))
    try:
        s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    status = int(data.split(b' ', 2)[1]) if data.startswith(b'HTTP/') else 0
    return status, time.time() - start


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == 'slowloris':
        # slowloris PORT COUNT SECONDS SCRAPES: scrapes in a row from another address meanwhile
        count, seconds, scrapes = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
        report = {}
        t = threading.Thread(target=slowloris, args=(port, '127.0.0.1', count, seconds, report))
        t.start()
        time.sleep(min(seconds / 3, 5))  # let the connections pile up first
        times, bad = [], 0
        for _ in range(scrapes):
            try:
                status, took = scrape(port, '127.0.0.2')
            except OSError:
                status, took = 0, 10
            bad += status != 200
            times.append(took)
        t.join()
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"scrapes {len(times)} failed {bad} p50_ms {times[len(times) // 2] * 1000:.0f} "
              f"p99_ms {p99 * 1000:.0f} held {report['slowloris_open']} "
              f"opened {report['slowloris_opened']} closed {report['slowloris_closed']}")
    elif mode == 'perclient':
        # perclient PORT N SECONDS: N silent connections from 127.0.0.4; how many the server kept
        n, wait = int(sys.argv[3]), float(sys.argv[4])
        conns = [socket.create_connection(('127.0.0.1', port), timeout=5, source_address=('127.0.0.4', 0))
                 for _ in range(n)]
        time.sleep(wait)
        kept = 0
        for s in conns:
            s.setblocking(False)
            try:
                kept += s.recv(1) != b''   # data would be odd; b'': closed by the server
            except BlockingIOError:
                kept += 1                  # nothing to read: still open
            except OSError:
                pass                       # reset by the server
            s.close()
        print(f"kept {kept}")
    elif mode == 'parallel':
        # parallel PORT SCRAPERS SECONDS: scrapers spread over four source addresses
        scrapers, seconds = int(sys.argv[3]), float(sys.argv[4])
        counts = {'ok': 0, 'status': 0, 'refused': 0}
        lock = threading.Lock()
        deadline = time.time() + seconds

        def run(i):
            source = f'127.0.0.{2 + i % 4}'
            while time.time() < deadline:
                try:
                    status, _ = scrape(port, source)
                    key = 'ok' if status == 200 else 'status'
                except OSError:
                    key = 'refused'
                with lock:
                    counts[key] += 1
        threads = [threading.Thread(target=run, args=(i,)) for i in range(scrapers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # the first scrape after the burst
        try:
            after, _ = scrape(port, '127.0.0.2')
        except OSError:
            after = 0
        print(f"ok {counts['ok']} other_status {counts['status']} refused {counts['refused']} after {after}")


main()
