#!/usr/bin/env bash
# The README's first command: `make demo` runs tests/demo/setup, which must leave a working,
# supervised server on 127.0.0.1 with a demo account and sample mail. This runs that same
# script from a copy of the checkout's service files (so the checkout itself is left
# alone), on a free port, under an svscan of the test's own, with a user of its own.
. "$(dirname "$0")/lib.sh"

need_imapd
need_service_files
CO=$T_TMP/checkout
mkdir -p "$CO/log" "$CO/tcprules" "$CO/tests"
cp "$TOP/run" "$CO/run"
cp "$TOP/log/run" "$CO/log/run"
cp "$TOP/tcprules/imap.rules" "$CO/tcprules/imap.rules"
cp -r "$TOP/tests/demo" "$CO/tests/demo"
compile_rules "$CO/tcprules/imap.rules" "$CO/tcprules/imap.cdb"
PORT=$(free_port) || { fail "no free port"; exit 1; }
SVDIR=$T_TMP/service
mkdir -p "$SVDIR"
user=imapdemo$$
pass=Demo.pw$$
T_SYSUSERS+=("$user")

# Our own svscan, so that cleanup stops it; setup sees it and starts none.
bg svscan "$SVDIR" > "$T_TMP/svscan.out" 2>&1 < /dev/null
T_SVSCANS+=("$SVDIR")
out=$T_TMP/setup.out
DEMO_USER=$user DEMO_PASSWORD=$pass DEMO_PORT=$PORT DEMO_IMAPD=$IMAPD SVCDIR=$SVDIR \
	timeout 60 sh "$CO/tests/demo/setup" > "$out" 2>&1
expect_eq "$?" 0 "tests/demo/setup succeeded"
show "$out"
expect "$out" "^imapd is up on 127\\.0\\.0\\.1:$PORT" "setup says where the server is"
expect "$out" "Log in as $user, password $pass" "setup says how to log in"

# What the README tells a newcomer to type (RFC 3501 6.3.2 EXAMINE).
got=$T_TMP/curl.out
timeout 20 curl -s --url "imap://127.0.0.1:$PORT/" -u "$user:$pass" -X 'EXAMINE INBOX' > "$got" 2>&1
show "$got"
expect "$got" '^\* 3 EXISTS' "the demo INBOX holds the three sample messages"
timeout 20 curl -s --url "imap://127.0.0.1:$PORT/INBOX;UID=3" -u "$user:$pass" > "$got" 2>&1
expect "$got" '^Subject: The report, attached' "a sample message can be read (UID 3)"
expect_eq "$(readlink "$SVDIR/imapd")" "$CO" "the checkout is the service directory"
svstat "$SVDIR/imapd" "$SVDIR/imapd/log" > "$T_TMP/svstat.out" 2>&1
expect "$T_TMP/svstat.out" "^$SVDIR/imapd: up" "imapd is supervised"
expect "$T_TMP/svstat.out" "^$SVDIR/imapd/log: up" "its logger is supervised"
wait_file_match "$CO/log/main/current" "login ok user=$user" 10
expect "$CO/log/main/current" "^@4000[0-9a-f]{20} imapd [0-9]+ 127\\.0\\.0\\.1 login ok user=$user" \
	"multilog holds the login, TAI64N-stamped"
expect_not "$CO/log/main/current" "$pass" "no password in the log"

# Run twice, the sample mail is not delivered twice.
DEMO_USER=$user DEMO_PASSWORD=$pass DEMO_PORT=$PORT DEMO_IMAPD=$IMAPD SVCDIR=$SVDIR \
	timeout 60 sh "$CO/tests/demo/setup" > "$out" 2>&1
timeout 20 curl -s --url "imap://127.0.0.1:$PORT/" -u "$user:$pass" -X 'EXAMINE INBOX' > "$got" 2>&1
expect "$got" '^\* 3 EXISTS' "a second setup delivers no more sample mail"

home=$(getent passwd "$user" | cut -d: -f6)
timeout 5 svc -dx "$SVDIR/imapd" "$SVDIR/imapd/log" 2>/dev/null
userdel -r "$user" 2>/dev/null || { userdel "$user" 2>/dev/null; rm -rf "$home"; }
