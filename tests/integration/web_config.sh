#!/bin/bash
# --web.config.file, as an operator and as a stranger on the network would
# meet it: bad files refused at start with FILE:LINE:COLUMN (before the
# programs load); TLS with basic authentication checked with curl and
# openssl (versions, 401s and WWW-Authenticate on every path, plain HTTP to
# the TLS port, the configured headers); a real Prometheus scraping over
# TLS with basic auth from an ordinary scrape config, the workload's ground
# truth read back through its query API; SIGHUP switching to client
# certificates with an event stream open; a bad file at SIGHUP keeping the
# old configuration; certificates rotated by replacing their files.
. "$(dirname "$0")/lib.sh"
require_root
deadline_in 150
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
command -v openssl >/dev/null || { tap_ok 1 "openssl is installed"; tap_finish; }
[ -x "$PROMETHEUS" ] || { tap_ok 1 "prometheus is installed"; tap_finish; }

# ---- certificates and hashes made here
d=$TEST_TMP/tls
mkdir -p "$d"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key "$d/ca.key"
openssl req -x509 -key "$d/ca.key" -out "$d/ca.crt" -days 2 -subj /CN=ipc-test-ca 2>/dev/null
issue() { # NAME CN [EXT]
	key "$d/$1.key"
	openssl req -new -key "$d/$1.key" -out "$d/$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
		-out "$d/$1.crt" -days 2 ${3:+-extfile "$3"} 2>/dev/null
}
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/san"
issue server localhost "$d/san"
issue server2 localhost "$d/san"
issue client ipc-test-client
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))')
for f in ca.crt server.crt server.key server2.crt server2.key client.crt client.key; do
	[ -s "$d/$f" ] || { tap_ok 1 "made $f"; tap_finish; }
done

# ---- bad files: refused at once, with where and why
bad() { # DESCRIPTION PATTERN FILE-CONTENT [EXTRA FLAGS]
	printf '%s\n' "$3" >"$d/bad.yml"
	local start=$SECONDS status attempt
	# (another test's exporter may hold the port drawn: the port's error comes first, draw again)
	for attempt in 1 2 3 4 5; do
		timeout 20 "$EXPORTER" --web.listen-address=127.0.0.1:$((20000 + RANDOM % 20000)) \
			--web.config.file="$d/bad.yml" $4 >"$TEST_TMP/out" 2>&1
		status=$?
		grep -q "the port is already in use" "$TEST_TMP/out" || break
	done
	tap_eq "$status" 1 "$1: refused (exit status 1)"
	grep -q -- "$2" "$TEST_TMP/out"
	tap_ok $? "$1: says \"$2\""
	grep -qv "^ipc_exporter: hook" "$TEST_TMP/out" && ! grep -q "^ipc_exporter: hook" "$TEST_TMP/out"
	tap_ok $? "$1: before any program loads"
	tap_diag <"$TEST_TMP/out"
}
bad "unknown key" "bad.yml:3:3: tls_server_config: unknown key \"cert_fil\"" \
	"tls_server_config:
  key_file: $d/server.key
  cert_fil: $d/server.crt"
bad "not bcrypt" 'bad.yml:2:9: basic_auth_users: the password of "prom" must be a bcrypt hash' \
	"basic_auth_users:
  prom: plaintext"
bad "key of another certificate" "server2.key: the key does not match the certificate" \
	"tls_server_config:
  cert_file: server.crt
  key_file: server2.key"
bad "missing certificate file" "nothere.crt: cannot read: No such file or directory" \
	"tls_server_config:
  cert_file: nothere.crt
  key_file: server.key"
bad "not YAML" "bad.yml:2:1: did not find expected" "[unclosed"
bad "cipher_suites" "cipher_suites is not supported" \
	"tls_server_config:
  cert_file: server.crt
  key_file: server.key
  cipher_suites: [TLS_AES_128_GCM_SHA256]"
bad "a user twice" '"prom" is given twice' \
	"basic_auth_users:
  prom: $hash
  prom: $hash"
# contents for anyone on the network: refused without authentication
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >"$d/tls-only.yml"
timeout 20 "$EXPORTER" --web.listen-address=:$((20000 + RANDOM % 20000)) --web.config.file="$d/tls-only.yml" \
	--debug.events --debug.events-contents >"$TEST_TMP/out" 2>&1
tap_eq "$?" 1 "--debug.events-contents on all interfaces without users: refused"
grep -q "needs basic_auth_users" "$TEST_TMP/out"
tap_ok $? "--debug.events-contents: the error says what would allow it"

# ---- TLS and basic authentication
cat >"$d/web.yml" <<EOF2
# the toolkit's format: a file written for node_exporter works as it is
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS12
http_server_config:
  http2: true
  headers:
    X-Content-Type-Options: nosniff
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  prom: $hash
EOF2
exporter_start --own --web.config.file="$d/web.yml" --debug.events || tap_finish
url="https://127.0.0.1:$EXPORTER_PORT"
tls=(--cacert "$d/ca.crt")
code() { "$CURL" -s -o /dev/null -w '%{http_code}' "${tls[@]}" "$@"; }
tap_eq "$(code "$url/metrics")" 401 "no credentials: 401"
tap_eq "$(code -u prom:wrong "$url/metrics")" 401 "wrong password: 401"
tap_eq "$(code -u nobody:s3cret "$url/metrics")" 401 "unknown user: 401"
tap_eq "$(code "$url/")" 401 "the landing page is guarded too"
tap_eq "$(code "$url/debug/events?count=1")" 401 "the event stream is guarded too"
tap_eq "$(code "$url/nothing-here")" 401 "a path that does not exist: 401 before 404"
"$CURL" -s -D "$TEST_TMP/headers" -o /dev/null "${tls[@]}" "$url/metrics"
grep -qi '^WWW-Authenticate: Basic realm="ipc_exporter"' "$TEST_TMP/headers"
tap_ok $? "401 names the scheme: WWW-Authenticate: Basic"
tap_eq "$(code -u prom:s3cret "$url/metrics")" 200 "the right password: 200"
"$CURL" -s -D "$TEST_TMP/headers" -o "$TEST_TMP/page" "${tls[@]}" -u prom:s3cret "$url/metrics"
grep -qi '^X-Content-Type-Options: nosniff' "$TEST_TMP/headers" &&
	grep -qi '^Strict-Transport-Security: max-age=31536000' "$TEST_TMP/headers"
tap_ok $? "the configured headers are on the answer"
grep -q '^ipc_exporter_web_config_last_reload_successful 1' "$TEST_TMP/page"
tap_ok $? "ipc_exporter_web_config_last_reload_successful 1"
"$CURL" -s -m 5 -o /dev/null "http://127.0.0.1:$EXPORTER_PORT/metrics"
tap_ok "$([ $? -ne 0 ]; echo $?)" "plain HTTP to the TLS port gets no page"
tap_eq "$(code -u prom:s3cret "$url/metrics")" 200 "the server still answers after plain HTTP"
s_client() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$EXPORTER_PORT" -CAfile "$d/ca.crt" "$@" 2>&1; }
s_client -tls1_3 | grep -q "^New, TLSv1.3"
tap_ok $? "openssl s_client: TLS 1.3 accepted"
s_client -tls1_2 | grep -q "^New, TLSv1.2"
tap_ok $? "openssl s_client: TLS 1.2 accepted"
s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' | grep -q "^New, TLSv1.1"
tap_ok "$([ $? -ne 0 ]; echo $?)" "openssl s_client: TLS 1.1 refused (min_version TLS12)"

# ---- a real Prometheus, over TLS with basic auth, reads the ground truth back
cat >"$TEST_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ipc
    scheme: https
    tls_config:
      ca_file: $d/ca.crt
    basic_auth:
      username: prom
      password: s3cret
    static_configs:
      - targets: ['127.0.0.1:$EXPORTER_PORT']
EOF2
prometheus_start "$TEST_TMP/prometheus.yml"
tap_eq "$(prom_wait_for 'up{job="ipc"}' 1)" 1 "Prometheus scrapes over TLS with basic auth: up == 1"
prefix=$(unique_prefix w)
"$WORKLOAD" pipe "$prefix" 1 1 100 64 >"$TEST_TMP/truth"
tap_ok $? "workload ran"
prom_check_truth "$TEST_TMP/truth"
prometheus_stop

# ---- SIGHUP: client certificates required from now on; a stream open meanwhile ends, the daemon lives
"$CURL" -sN "${tls[@]}" -u prom:s3cret "$url/debug/events?mechanism=signal" >"$TEST_TMP/stream" 2>&1 &
stream=$!
# and a keep-alive connection that scraped once and waits: the reload closes it
python3 - "$EXPORTER_PORT" "$d/ca.crt" >"$TEST_TMP/keepalive" 2>&1 <<'PY' &
import base64, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))), server_hostname='localhost')
auth = base64.b64encode(b'prom:s3cret').decode()
s.sendall(f'GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nAccept-Encoding: identity\r\n\r\n'.encode())
head = b''
while b'\r\n\r\n' not in head:
    head += s.recv(1)
length = int([l for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')][0].split(b':')[1])
body = b''
while len(body) < length:
    body += s.recv(length - len(body))
print('answered', head.split(b' ')[1].decode(), flush=True)
s.settimeout(40)
start = time.time()
try:
    gone = s.recv(1) == b''
except (ssl.SSLError, OSError):
    gone = True
print('closed' if gone else 'data', f'{time.time() - start:.1f}', flush=True)
PY
keepalive=$!
wait_until 10 grep -q "^answered 200" "$TEST_TMP/keepalive"
sleep 1
cat >"$d/web.yml" <<EOF2
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
basic_auth_users:
  prom: $hash
EOF2
kill -HUP "$EXPORTER_PID"
wait_until 10 grep -q "reloaded" "$TEST_TMP/exporter.log"
tap_ok $? "SIGHUP: the configuration is re-read"
wait_until 40 gone "$stream"
tap_ok $? "SIGHUP: a stream admitted under the old configuration ends"
kill -0 "$EXPORTER_PID"
tap_ok $? "SIGHUP: the exporter lives on"
wait "$keepalive"
grep -q "^closed" "$TEST_TMP/keepalive"
tap_ok $? "SIGHUP: an idle keep-alive connection of the old configuration is closed ($(tail -1 "$TEST_TMP/keepalive"))"
tap_eq "$(code -u prom:s3cret "$url/metrics")" 403 "client certificates required: none given: 403"
mtls=(--cert "$d/client.crt" --key "$d/client.key")
tap_eq "$(code "${mtls[@]}" -u prom:s3cret "$url/metrics")" 200 "a client certificate of the CA: 200"
tap_eq "$(code "${mtls[@]}" "$url/metrics")" 401 "a client certificate does not replace the password"

# ---- a bad file at SIGHUP: the configuration in force stays
printf 'tls_server_config:\n  cert_file: [\n' >"$d/web.yml"
kill -HUP "$EXPORTER_PID"
wait_until 10 grep -q "not reloaded" "$TEST_TMP/exporter.log"
tap_ok $? "a bad file at SIGHUP is reported"
tap_eq "$(code "${mtls[@]}" -u prom:s3cret "$url/metrics")" 200 "... and the configuration in force stays"
"$CURL" -s "${tls[@]}" "${mtls[@]}" -u prom:s3cret "$url/metrics" >"$TEST_TMP/page"
grep -q '^ipc_exporter_web_config_last_reload_successful 0' "$TEST_TMP/page"
tap_ok $? "ipc_exporter_web_config_last_reload_successful 0"

# ---- rotation: replacing the certificate files is enough
cat >"$d/web.yml" <<EOF2
tls_server_config:
  cert_file: server.crt
  key_file: server.key
EOF2
kill -HUP "$EXPORTER_PID"
wait_until 10 sh -c "[ \$(grep -c ' reloaded' '$TEST_TMP/exporter.log') -ge 2 ]"
serial() { s_client </dev/null | openssl x509 -noout -serial 2>/dev/null; }
before=$(serial)
want=$(openssl x509 -noout -serial -in "$d/server2.crt")
cp "$d/server2.key" "$d/server.key.new" && cp "$d/server2.crt" "$d/server.crt.new"
mv "$d/server.key.new" "$d/server.key" && mv "$d/server.crt.new" "$d/server.crt"
wait_until 20 sh -c "[ \"\$(echo | timeout 5 openssl s_client -connect 127.0.0.1:$EXPORTER_PORT -CAfile $d/ca.crt 2>/dev/null | openssl x509 -noout -serial 2>/dev/null)\" = '$want' ]"
tap_ok $? "certificate files replaced: the new certificate is served without a restart ($before -> $want)"
tap_eq "$(code "$url/metrics")" 200 "and the server answers with it"
exporter_stop
tap_finish
