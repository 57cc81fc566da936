#!/usr/bin/env bash
# Real clients against the service: Python's imaplib and curl's imap:// (RFC 5092 URLs),
# both logging in and selecting INBOX.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Cl.pw7'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 7 5 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

cat > "$T_TMP/t_client.py" <<'PY'
import imaplib, sys
port = int(sys.argv[1])
M = imaplib.IMAP4("127.0.0.1", port, timeout=15)
print("capabilities", " ".join(M.capabilities))
print("login", M.login("joe", "Cl.pw7")[0])
typ, data = M.select("INBOX")
print("select", typ, data[0].decode())
print("untagged", sorted(M.untagged_responses.keys()))
typ, data = M.noop()
print("noop", typ)
typ, data = M.logout()
print("logout", typ)
PY
timeout 30 "$PYTHON" "$T_TMP/t_client.py" "$PORT" > "$T_TMP/py.out" 2>&1
note "imaplib:"; show "$T_TMP/py.out"
expect "$T_TMP/py.out" '^capabilities .*IMAP4REV1' "imaplib sees IMAP4rev1"
expect "$T_TMP/py.out" '^login OK$' "imaplib login OK"
expect "$T_TMP/py.out" '^select OK 7$' "imaplib select INBOX: OK, 7 messages"
expect "$T_TMP/py.out" '^noop OK$' "imaplib noop OK"
expect "$T_TMP/py.out" '^logout BYE$' "imaplib logout: BYE"

timeout 30 curl -s --max-time 20 --url "imap://127.0.0.1:$PORT/" -u 'joe:Cl.pw7' -X 'SELECT INBOX' > "$T_TMP/curl.out" 2> "$T_TMP/curl.err"
rc=$?
note "curl:"; show "$T_TMP/curl.out"
expect_eq "$rc" 0 "curl exit status 0"
tr -d '\r' < "$T_TMP/curl.out" > "$T_TMP/curl.lf"
expect "$T_TMP/curl.lf" '^\* 7 EXISTS$' "curl SELECT INBOX shows * 7 EXISTS"
expect "$T_TMP/curl.lf" '^\* OK \[UNSEEN 6\]' "curl shows [UNSEEN 6]"

timeout 30 curl -s --max-time 20 --url "imap://127.0.0.1:$PORT/" -u 'joe:wrong' -X 'SELECT INBOX' > "$T_TMP/curl.out" 2>&1
rc=$?
[ "$rc" = 67 ] && pass "curl with a wrong password: exit 67 (login denied)" || fail "curl with a wrong password: exit $rc, want 67"

# curl's own URLs (RFC 5092 via curl): the folder list, and a message by UID, which must
# be the file on disk with CRLF line ends, byte for byte.
timeout 30 curl -s --max-time 20 --url "imap://127.0.0.1:$PORT/" -u 'joe:Cl.pw7' > "$T_TMP/curl.list" 2>&1
expect_eq "$?" 0 "curl lists the folders"
expect "$T_TMP/curl.list" '^\* LIST \([^)]*\) "\." INBOX' "curl's LIST shows INBOX"
for uid in 1 4 7; do
	timeout 30 curl -s --max-time 20 --url "imap://127.0.0.1:$PORT/INBOX;UID=$uid" -u 'joe:Cl.pw7' > "$T_TMP/curl.$uid" 2>&1
	expect_eq "$?" 0 "curl fetches UID $uid"
	file=$(grep -l "^Subject: test message $uid of 7\$" "$HOME_joe"/MAILDIR.IMAP/cur/*)
	if [ -n "$file" ] && sed 's/$/\r/' "$file" | cmp -s - "$T_TMP/curl.$uid"; then
		pass "curl's UID $uid is its file, byte for byte (CRLF)"
	else
		fail "curl's UID $uid differs from its file"
	fi
done
