#!/usr/bin/env bash
# Switching from Courier-IMAP to imapd with zero re-downloads, proven from the client side
# (issue 11).  A user syncs with mbsync and, separately, offlineimap3 against Courier's
# imapd serving ~/Maildir (behind imapd login under the real tcpserver, as in
# tests/sh/37-courier-chain.t), with flags and keywords set on both sides; then the
# administrator puts `imapd serve` in Courier's place on the same Maildir (Debian's
# checkpw in front, a system user), with
# IMAPD_NAMESPACE=INBOX. so that the folders keep Courier's names (INBOX.Sent, ...) and
# the clients keep the configuration they had.  Courier left courierimapuiddb,
# courierimapsubscribed and courierimapkeywords/: imapd must take over UIDVALIDITY, UIDs,
# subscriptions and keywords, so the next sync downloads nothing, uploads nothing,
# deletes nothing and changes no flag (mbsync's counters, offlineimap's actions) and no
# file of the clients' copies changes.  Both servers' views are compared whole (UIDs,
# flags with keywords, sizes, checksums), and Dovecot, run by hand afterwards, must see
# the same as imapd.
. "$(dirname "$0")/lib.sh"

need_imapd
command -v mbsync > /dev/null || skip_all "mbsync (isync) is not installed (make deps)"
OFFLINEIMAP=$(command -v offlineimap3 || command -v offlineimap) || skip_all "offlineimap3 is not installed (make deps)"
command -v setpriv > /dev/null || skip_all "no setpriv (util-linux)"
"$BIN/courier-imapd" --fetch 2> "$T_TMP/fetch.err" \
	|| skip_all "Courier-IMAP could not be fetched: $(tail -n1 "$T_TMP/fetch.err")"

[ -x /usr/bin/checkpw ] || skip_all "checkpw is not installed (make deps)"

PW='Cs.pw38'
add_sysuser cs "$PW"
MD=$SYSHOME/Maildir
timeout 30 "$BIN/mkmaildir" "$MD" 4 2 || fail "mkmaildir INBOX"
timeout 30 "$BIN/mkmaildir" "$MD/.Sent" 2 2 || fail "mkmaildir Sent"
timeout 30 "$BIN/mkmaildir" "$MD/.A" 3 0 || fail "mkmaildir A"
touch "$MD/.Sent/maildirfolder" "$MD/.A/maildirfolder"
# checkpw's password file goes to ~/pw ($MAILDIR, which checkpw honours): in ~/Maildir
# Courier would list it as a folder INBOX.password.
mkdir -p "$SYSHOME/pw" && mv "$MD/.password" "$SYSHOME/pw/.password"
chown -R "$SYSUSER:$SYSUSER" "$MD" "$SYSHOME/pw"

PORT=$(free_port) || { fail "no free port"; exit 1; }
LOG=$T_TMP/tcpserver.log
CHECKER=/usr/bin/checkpw
# serve_with ENV PROG...: tcpserver running `imapd login CHECKER PROG...` with ENV
# (replacing the one before: the administrator's switch)
serve_with() {
	local env=$1; shift
	[ -n "${SERVER_PID:-}" ] && { kill -TERM -- "-$SERVER_PID" 2> /dev/null; sleep 0.3; }
	bg sh -c "exec env IMAPD_PLAINTEXT= IMAPD_FAILDELAY=0 MAILDIR=pw $env \
		tcpserver -v -HRl0 -c 10 127.0.0.1 $PORT $IMAPD login $CHECKER $* 2>> $LOG"
	SERVER_PID=$BG_PID
	wait_port "$PORT" || { fail "tcpserver did not listen"; show "$LOG"; exit 1; }
}
# as_user CMD: CMD as the user, in the home (for the PREAUTH dumps)
as_user() { printf "cd %s && exec setpriv --reuid=%s --regid=%s --init-groups env HOME=%s USER=%s %s" \
	"$SYSHOME" "$SYSUSER" "$SYSUSER" "$SYSHOME" "$SYSUSER" "$1"; }
snapshot() {
	(cd "$1" && find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0r sha1sum)
}
same() {
	if diff -u "$1" "$2" > "$T_TMP/diff.out"; then pass "$3"; else fail "$3"; show "$T_TMP/diff.out"; fi
}
# Courier prints this alert at each login (no gamin server here; its FAM IDLE is off):
# it is about Courier's setup, not the switch.
FAM_ALERT='Filesystem notification initialization error'

serve_with "" "$BIN/courier-imapd" Maildir

# ------------------------------------------------------------ Courier: flags, keywords
# set by another client of Courier (webmail, a phone) before the user's first sync
cat > "$T_TMP/courier-flags.py" <<'PY'
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=15)
M.login(sys.argv[3], sys.argv[2])
for box, seq, fl in (("INBOX", "1", r"($Junk)"), ("INBOX", "2", r"(\Flagged project)"),
                     ("INBOX.Sent", "1", r"(\Answered project)"), ("INBOX.A", "3", r"($Junk)")):
    M.select(box)
    print(box, seq, M.store(seq, "+FLAGS", fl)[0])
print("subscribe", M.subscribe("INBOX.Sent")[0])
M.logout()
PY
timeout 30 "$PYTHON" "$T_TMP/courier-flags.py" "$PORT" "$PW" "$SYSUSER" > "$T_TMP/courier-flags.out" 2>&1
show "$T_TMP/courier-flags.out"
expect_eq "$(grep -c ' OK$' "$T_TMP/courier-flags.out")" 5 "flags, keywords and a subscription set through Courier"

# ------------------------------------------------------------ mbsync's configuration
LOCAL=$T_TMP/mbsync
mkdir -p "$LOCAL"
RC_FILE=$T_TMP/mbsyncrc
cat > "$RC_FILE" <<RC
IMAPAccount server
Host 127.0.0.1
Port $PORT
User $SYSUSER
Pass $PW
SSLType None
AuthMechs LOGIN
Timeout 20

# Path INBOX.: what mbsync takes from NAMESPACE against Courier's own login, whose
# greeting lists NAMESPACE. Behind imapd login the greeting's capabilities are imapd
# login's, and Courier's `OK LOGIN Ok.` carries none, so mbsync 1.4 would not ask for
# the namespace; the prefix is written out, as Courier users commonly do.  INBOX gets a
# channel of its own: `Patterns INBOX *` makes mbsync send both LIST "" "INBOX.*" and
# LIST "" INBOX*, and it syncs each folder Courier lists twice twice.
IMAPStore remote
Account server
Path INBOX.

MaildirStore local
Path $LOCAL/
Inbox $LOCAL/INBOX
SubFolders Verbatim

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Sync All
Expunge Both
CopyArrivalDate yes
SyncState *

Channel folders
Far :remote:
Near :local:
Patterns *
Sync All
Create Both
Remove None
Expunge Both
CopyArrivalDate yes
SyncState *
RC
# mb WHAT: one mbsync run (lib.sh's mbsync_run), for its counters:
#   C: 1/1  B: 3/3  F: +0/0 *0/0 #0/0  N: +9/9 *0/0 #0/0
mb() {
	mbsync_run "$RC_FILE"
	note "mbsync run $SYNC_N ($1): exit ${SYNC_RC:-none}; $COUNTERS"
	expect_eq "${SYNC_RC:-none}" 0 "mbsync $1: exit status"
	mbsync_trouble | grep -v -e "$FAM_ALERT" > "$SYNC_OUT.bad"
	if [ -s "$SYNC_OUT.bad" ]; then fail "mbsync $1: complained"; show "$SYNC_OUT.bad"; else pass "mbsync $1: no error or warning"; fi
	[ "${SYNC_RC:-none}" != 0 ] && show "$SYNC_OUT"
}
# counters WANT WHAT: the last counter line has WANT (a glob)
counters() {
	case $COUNTERS in
	$1) pass "$2 (counters: $COUNTERS)" ;;
	*) fail "$2: counters '$COUNTERS'" ;;
	esac
}

# ------------------------------------------------------------ offlineimap's configuration
OLOCAL=$T_TMP/offlineimap
mkdir -p "$OLOCAL"
OCONF=$T_TMP/offlineimaprc
# customflag_*: offlineimap keeps keywords as Maildir letters too, so a keyword lost in
# the switch would show as a flag change.
cat > "$OCONF" <<CONF
[general]
accounts = t
metadata = $T_TMP/oimeta
ui = basic
maxsyncaccounts = 1

[Account t]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = $OLOCAL
sep = .
customflag_a = \$Junk
customflag_b = project

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = $PORT
ssl = no
starttls = no
remoteuser = $SYSUSER
remotepass = $PW
maxconnections = 1
holdconnectionopen = no
timeout = 20
CONF
OI_N=0
# oi WHAT: one offlineimap run; its actions (copies, deletions, flag changes) in $OI_ACT
oi() {
	OI_OUT=$T_TMP/offlineimap.$((++OI_N))
	HOME=$T_TMP timeout 60 "$OFFLINEIMAP" -c "$OCONF" -o -u basic < /dev/null > "$OI_OUT" 2>&1
	OI_RC=$?
	OI_ACT=$T_TMP/offlineimap.$OI_N.actions
	grep -E '^ *(Copy message|Deleting|Adding|Removing|Changing)' "$OI_OUT" > "$OI_ACT"
	note "offlineimap run $OI_N ($1): exit $OI_RC, $(wc -l < "$OI_ACT") actions"
	expect_eq "$OI_RC" 0 "offlineimap $1: exit status"
	grep -Ei 'error|warn|exception|traceback|abort|unexpected|fail|BAD|NO \[|uidvalidity' "$OI_OUT" \
		| grep -v -e 'Licensed under the GNU GPL' -e "$FAM_ALERT" > "$OI_OUT.bad"
	if [ -s "$OI_OUT.bad" ]; then fail "offlineimap $1: complained"; show "$OI_OUT.bad"; else pass "offlineimap $1: no error or warning"; fi
	[ "$OI_RC" != 0 ] && show "$OI_OUT"
}

# ============================================================ against Courier
mb "first sync, Courier"
counters '*F: +0/0 *N: +9/9 *' "mbsync's first sync against Courier downloads the 9 messages"
# the user works in the local copy: one message read and flagged, one written in A
f=$(ls "$LOCAL/INBOX/cur" "$LOCAL/INBOX/new" 2> /dev/null | grep -v -e '^$' -e ':$' | sort | head -n1)
src=$(find "$LOCAL/INBOX" -name "$f" -type f)
mv "$src" "$LOCAL/INBOX/cur/${f%%:2,*}:2,FS"
printf 'From: joe@example.net\nSubject: written locally\nMessage-ID: <loc1@switch.test>\n\nhi\n' \
	> "$LOCAL/A/tmp/1700000999.M1P1.local" && mv "$LOCAL/A/tmp/1700000999.M1P1.local" "$LOCAL/A/new/"
mb "second sync, Courier"
counters '*F: +1/1 \*1/1 *' "mbsync's second sync uploads 1 message and 1 flag change to Courier"
mb "third sync, Courier"
counters '*F: +0/0 \*0/0 #0/0  N: +0/0 \*0/0 #0/0*' "mbsync's third sync against Courier changes nothing"

oi "first sync, Courier"
expect_eq "$(grep -c '^ *Copy message' "$OI_ACT")" 10 "offlineimap's first sync against Courier downloads the 10 messages"
oi "second sync, Courier"
expect_eq "$(wc -l < "$OI_ACT")" 0 "offlineimap's second sync against Courier does nothing"
show "$OI_ACT"
# offlineimap keeps the keywords as letters: \$Junk (a) on 2 messages, project (b) on 2
expect_eq "$(find "$OLOCAL" -name '*:2,*a*' -type f | wc -l)" 2 "offlineimap's copy has \$Junk on 2 messages"
expect_eq "$(find "$OLOCAL" -name '*:2,*b*' -type f | wc -l)" 2 "offlineimap's copy has project on 2 messages"

timeout 30 "$BIN/imappipe" --dump "$(as_user "$BIN/courier-imapd Maildir")" 2> /dev/null \
	| grep -v -e "$FAM_ALERT" -e '^bad unparsed \* PREAUTH' > "$T_TMP/courier.dump"
show "$T_TMP/courier.dump"
expect "$T_TMP/courier.dump" '^msg INBOX [0-9]+ flags=\$Junk' "Courier's view has the keyword \$Junk"
[ -d "$MD/courierimapkeywords" ] && [ -f "$MD/courierimapuiddb" ] && [ -f "$MD/courierimapsubscribed" ] \
	&& pass "Courier left courierimapuiddb, courierimapsubscribed and courierimapkeywords/" \
	|| fail "Courier's files missing: $(ls "$MD" | tr '\n' ' ')"
[ ! -e "$MD/dovecot-uidlist" ] && pass "no dovecot-uidlist yet: imapd has not touched the tree" || fail "a dovecot-uidlist before the switch"
snapshot "$LOCAL" > "$T_TMP/mbsync.before"
snapshot "$OLOCAL" > "$T_TMP/offlineimap.before"

# ============================================================ the switch
note "the administrator switches to imapd serve (IMAPD_NAMESPACE=INBOX.) on the same Maildir"
serve_with "IMAPD_NAMESPACE=INBOX." "$IMAPD" serve Maildir
mb "first sync, imapd"
counters '*F: +0/0 \*0/0 #0/0  N: +0/0 \*0/0 #0/0*' "after the switch mbsync downloads, uploads, deletes and changes nothing"
snapshot "$LOCAL" > "$T_TMP/mbsync.after"
same "$T_TMP/mbsync.before" "$T_TMP/mbsync.after" "mbsync's local copy is unchanged file for file (names, contents, .mbsyncstate)"
oi "first sync, imapd"
show "$OI_ACT"
expect_eq "$(wc -l < "$OI_ACT")" 0 "after the switch offlineimap copies, deletes and changes no flag or keyword"
snapshot "$OLOCAL" > "$T_TMP/offlineimap.after"
same "$T_TMP/offlineimap.before" "$T_TMP/offlineimap.after" "offlineimap's local copy is unchanged file for file"
expect_eq "$(grep -c "Courier's keywords taken over" "$LOG")" 3 "imapd took over Courier's keywords in each of the 3 folders, once"
mb "second sync, imapd"
counters '*F: +0/0 \*0/0 #0/0  N: +0/0 \*0/0 #0/0*' "a second mbsync sync against imapd changes nothing either"

# Both servers' views, whole: UIDVALIDITY, UIDs, flags and keywords, sizes and checksums.
# (The greeting: Courier's `* OK [ALERT]` comes before its PREAUTH, which the dump then
# reads as stray.)  Courier sends no UIDNEXT in SELECT, so that field is left out of the
# comparison, and Courier reports INBOX subscribed whatever courierimapsubscribed says,
# which imapd does not (a client shows INBOX anyway).
timeout 30 "$BIN/imappipe" --dump "$(as_user "env IMAPD_NAMESPACE=INBOX. $IMAPD serve Maildir")" \
	> "$T_TMP/imapd.dump" 2> "$T_TMP/imapd.err"
expect_eq "$?" 0 "imapd: dump completed"
sed 's/ uidnext=[0-9?]*//; /^lsub INBOX$/d' "$T_TMP/courier.dump" > "$T_TMP/courier.cmp"
sed 's/ uidnext=[0-9?]*//' "$T_TMP/imapd.dump" > "$T_TMP/imapd.cmp"
same "$T_TMP/courier.cmp" "$T_TMP/imapd.cmp" "imapd serves what Courier served: folders, subscriptions, UIDVALIDITY, UIDs, flags, keywords, bytes"

# ============================================================ and Dovecot after imapd
if [ -x /usr/lib/dovecot/imap ]; then
	DVHOME=$T_TMP/dvhome
	mkdir -p "$DVHOME" && chown "$SYSUSER:$SYSUSER" "$DVHOME"
	# Dovecot's Courier-compatible namespace: the same INBOX. names.
	cat > "$T_TMP/dovecot.conf" <<-EOF
	mail_location = maildir:$MD
	log_path = /dev/stderr
	ssl = no
	namespace inbox {
	  inbox = yes
	  prefix = INBOX.
	  separator = .
	}
	EOF
	chmod 644 "$T_TMP/dovecot.conf"
	timeout 30 "$BIN/imappipe" --dump "$(as_user "/usr/lib/dovecot/imap -c $T_TMP/dovecot.conf")" \
		> "$T_TMP/dovecot.dump" 2> "$T_TMP/dovecot.err"
	expect_eq "$?" 0 "Dovecot: dump completed"
	same "$T_TMP/imapd.dump" "$T_TMP/dovecot.dump" "Dovecot, run after imapd, sees the same UIDs, flags and keywords"
else
	note "no /usr/lib/dovecot/imap: Dovecot cross-check skipped"
fi
