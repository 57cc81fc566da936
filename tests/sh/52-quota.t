#!/usr/bin/env bash
# QUOTA (RFC 9208) against Debian's Dovecot 2.3.19 with its quota plugin on Maildir++
# (`quota = maildir:User quota`, the limits taken from the maildirsize header, as when
# the MTA or the administrator sets them): the same commands on two fresh Maildirs, one
# served by each, must get the same answers (tests/bin/imapsame), and each server must
# read the other's maildirsize to the same usage, since they share it with the MTA.
# - GETQUOTAROOT of INBOX, a folder and a mailbox not yet created (4.1.2), GETQUOTA of
#   the root and of roots that do not exist (4.1.1), STORAGE in KiB rounded up (5.1);
# - APPEND and COPY refused with [OVERQUOTA] (4.3.1) at the STORAGE and MESSAGE limits,
#   reaching a limit exactly allowed, MOVE within the root never refused;
# - SETQUOTA refused (4.1.3), the usage after EXPUNGE and CLOSE.
# Then Python's imaplib, a real client with getquotaroot, getquota and setquota, against
# imapd alone: its parsed answers, and an APPEND refused before its literal is sent.
# Not compared: STATUS DELETED and DELETED-STORAGE, which Dovecot 2.3.19 does not have
# (tests/quota.rs), and the file's lines themselves (Dovecot writes a recount line of its
# own when it likes; the sums must agree).
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/lib/dovecot/imap ] || skip_all "Debian's dovecot-imapd is not installed"
[ -e /usr/lib/dovecot/modules/lib10_quota_plugin.so ] || skip_all "Dovecot's quota plugin is not installed"
getent passwd nobody > /dev/null || skip_all "no user nobody"
NOGROUP=$(id -gn nobody)

S=$T_TMP/scenarios
mkdir -p "$S"
# LITERAL+ throughout: imapsame waits for a + that a refused synchronizing literal never
# gets (tests/quota.rs checks that one).
cat > "$S/quota" <<'PY'
def msg(n):
    return b"Subject: m\r\n\r\n" + b"x" * (n - 16) + b"\r\n"
def append(m):
    return b"APPEND INBOX {%d+}\r\n" % len(m) + m
q = b'GETQUOTA "User quota"'
commands = [b"GETQUOTAROOT INBOX", q, b'GETQUOTA ""', b"GETQUOTA nosuch",
            append(msg(1000)), q, append(msg(2500)), q,
            b"CREATE Sent", b"SELECT INBOX", b"COPY 1 Sent", q, b"COPY 1 Sent", b"COPY 1 Sent", q,
            b"MOVE 1 Sent", q,
            b'SETQUOTA "User quota" (STORAGE 10)', b'SETQUOTA "User quota" ()',
            b"GETQUOTAROOT Sent", b"GETQUOTAROOT Nosuch.Child",
            b"UNSELECT", b"SELECT Sent", b"STORE 1 +FLAGS.SILENT (\\Deleted)", b"EXPUNGE", q,
            b"STORE 1 +FLAGS.SILENT (\\Deleted)", b"CLOSE", q,
            append(b"abcde"), append(b"abcde"), append(b"abcde"), q, append(b"abcde"), q]
PY
cat > "$S/read" <<'PY'
commands = [b"GETQUOTAROOT INBOX"]
PY
chmod 644 "$S"/*

run() { # run SERVER DIR SCENARIO
	if [ "$1" = imapd ]; then
		cmd="su nobody -s /bin/sh -c '$IMAPD serve $2/Maildir'"
	else
		cmd="su nobody -s /bin/sh -c 'USER=nobody HOME=$2/home /usr/lib/dovecot/imap -c $2/dovecot.conf'"
	fi
	timeout 60 "$PYTHON" "$BIN/imapsame" "$S/$3" "$cmd"
}

for server in imapd dovecot; do
	D=$T_TMP/srv-$server
	mkdir -p "$D/Maildir/cur" "$D/Maildir/new" "$D/Maildir/tmp" "$D/home"
	printf '3100S,4C\n' > "$D/Maildir/maildirsize"
	cat > "$D/dovecot.conf" <<EOF
mail_location = maildir:$D/Maildir
log_path = /dev/stderr
ssl = no
mail_plugins = quota
protocol imap {
  mail_plugins = quota imap_quota
}
plugin {
  quota = maildir:User quota
}
EOF
	chown -R "nobody:$NOGROUP" "$D"
	run $server "$D" quota > "$T_TMP/quota.$server" 2>&1
	rc=$?
	[ $rc = 0 ] || fail "$server's run ended with status $rc"
done
if diff -u "$T_TMP/quota.dovecot" "$T_TMP/quota.imapd" > "$T_TMP/quota.diff"; then
	pass "imapd answers as Dovecot 2.3.19 ($(grep -c '^> ' "$T_TMP/quota.imapd") commands)"
else
	fail "imapd and Dovecot 2.3.19 differ"
	show "$T_TMP/quota.diff"
fi
# The answers are the right ones, not only the same.
has() { if grep -Fxq -- "$1" "$T_TMP/quota.imapd"; then pass "$2"; else fail "$2 (no line '$1')"; fi; }
has '* QUOTAROOT Nosuch.Child "User quota"' "RFC 9208 4.1.2: a mailbox not yet created has its root"
has '* QUOTA "User quota" (STORAGE 1 4 MESSAGE 1 4)' "RFC 9208 5.1: 997 bytes are 1 KiB of 3100 bytes' 4"
has 'NO [OVERQUOTA]' "RFC 9208 4.3.1: APPEND and COPY past the limit"
has '* QUOTA "User quota" (STORAGE 1 4 MESSAGE 4 4)' "RFC 9208 5.2: the message limit reached exactly"

# Each reads the other's file: the same usage.
for pair in "imapd dovecot" "dovecot imapd"; do
	set -- $pair
	sum=$(awk 'NR > 1 { b += $1; c += $2 } END { print b, c }' "$T_TMP/srv-$1/Maildir/maildirsize")
	[ "$(head -1 "$T_TMP/srv-$1/Maildir/maildirsize")" = 3100S,4C ] &&
		pass "$1 kept the limit line" || fail "$1 changed the limit line"
	run $2 "$T_TMP/srv-$1" read > "$T_TMP/read.$2" 2>&1
	if grep -Fxq '* QUOTA "User quota" (STORAGE 1 4 MESSAGE 4 4)' "$T_TMP/read.$2" && [ "$sum" = "1012 4" ]; then
		pass "$2 reads $1's maildirsize ($sum)"
	else
		fail "$2 reads $1's maildirsize ($sum)"
		show "$T_TMP/read.$2"
	fi
done

# imaplib: what a client parses from the answers. Its append waits for the + of a
# synchronizing literal and takes the tagged NO that comes instead.
D=$T_TMP/imaplib
mkdir -p "$D/Maildir/cur" "$D/Maildir/new" "$D/Maildir/tmp"
printf '2000S,10C\n' > "$D/Maildir/maildirsize"
chown -R "nobody:$NOGROUP" "$D"
cat > "$S/quota-client.py" <<'PY'
import imaplib, sys
m = imaplib.IMAP4_stream(sys.argv[1])
print("root", m.getquotaroot("INBOX"))
print("append", m.append("INBOX", None, None, b"Subject: a\r\n\r\n" + b"x" * 1000 + b"\r\n"))
print("quota", m.getquota('"User quota"'))
print("big", m.append("INBOX", None, None, b"Subject: b\r\n\r\n" + b"x" * 1500 + b"\r\n"))
print("set", m.setquota('"User quota"', "(STORAGE 100)"))
print("status", m.status("INBOX", "(MESSAGES DELETED DELETED-STORAGE)"))
m.logout()
PY
chmod 644 "$S/quota-client.py"
timeout 30 "$PYTHON" "$S/quota-client.py" "su nobody -s /bin/sh -c '$IMAPD serve $D/Maildir'" > "$T_TMP/imaplib.out" 2>&1
rc=$?
[ $rc = 0 ] || { fail "imaplib ended with status $rc"; show "$T_TMP/imaplib.out"; }
line() { if grep -Fxq -- "$1" "$T_TMP/imaplib.out"; then pass "imaplib: $2"; else fail "imaplib: $2 (no line '$1')"; show "$T_TMP/imaplib.out"; fi; }
line "root ('OK', [[b'INBOX \"User quota\"'], [b'\"User quota\" (STORAGE 0 2 MESSAGE 0 10)']])" "GETQUOTAROOT INBOX parsed"
line "quota ('OK', [b'\"User quota\" (STORAGE 1 2 MESSAGE 1 10)'])" "GETQUOTA after an APPEND of 1016 octets"
line "big ('NO', [b'[OVERQUOTA] APPEND would exceed the quota'])" "APPEND past the limit: NO [OVERQUOTA]"
line "status ('OK', [b'INBOX (MESSAGES 1 DELETED 0 DELETED-STORAGE 0)'])" "STATUS DELETED DELETED-STORAGE"
expect "$T_TMP/imaplib.out" "^set \('NO'" "imaplib: SETQUOTA refused"
[ "$(find "$D/Maildir/cur" "$D/Maildir/new" "$D/Maildir/tmp" -type f | wc -l)" = 1 ] &&
	pass "imaplib: one message stored, nothing left of the refused one" ||
	fail "imaplib: the Maildir holds $(find "$D/Maildir" -type f -path '*/[cnt][ue][rwp]/*' | wc -l) message files"
