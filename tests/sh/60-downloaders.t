#!/usr/bin/env bash
# The downloaders (issue 11 item 5): fetchmail and getmail6 fetch every message of INBOX
# over IMAP through the real service and deliver it locally; what they delivered must be
# the messages on disk, byte for byte (neither adds a header with the options below),
# and when told to keep the mail nothing is removed; getmail, which only peeks, leaves
# every flag as it was.
. "$(dirname "$0")/lib.sh"

command -v fetchmail > /dev/null || skip_all "fetchmail is not installed (make deps)"
command -v getmail > /dev/null || skip_all "getmail6 is not installed (make deps)"

make_service
add_user joe 'Dl.pw60'
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 12 5 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

# sums DIR...: sorted SHA-1s of the message files under DIR
sums() { find "$@" -type f -exec sha1sum {} + | cut -d' ' -f1 | sort; }
sums "$MD/cur" "$MD/new" > "$T_TMP/server.sums"

note "fetchmail: all messages, kept, each handed to an MDA that stores it"
FM=$T_TMP/fetchmail
mkdir -p "$FM/out"
cat > "$FM/rc" <<EOF
set no bouncemail
poll 127.0.0.1 service $PORT protocol IMAP auth password timeout 20
	user "joe" password "Dl.pw60" is nobody here
	keep fetchall no rewrite
	mda "sh -c 'cat > $FM/out/msg.\$\$'"
EOF
chmod 600 "$FM/rc"
chown -R nobody "$FM"
# --invisible: no Received line of its own, so the bytes can be compared.  Both run as
# nobody, as a user would (getmail refuses to deliver as root).
HOME=$FM timeout 60 setuidgid nobody fetchmail -f "$FM/rc" --invisible --nosyslog -v --sslproto '' \
	--idfile "$FM/ids" --pidfile "$FM/pid" > "$FM/log" 2>&1
rc=$?
grep -E 'message|IMAP> |reading' "$FM/log" | grep -v 'IMAP> A[0-9]* LOGIN' | tail -n 12 | show /dev/stdin
expect_eq "$rc" 0 "fetchmail exits 0 (mail retrieved)"
expect_not "$FM/log" 'Dl\.pw60' "fetchmail's log shows no password (the server echoes none)"
expect_eq "$(find "$FM/out" -type f | wc -l)" 12 "fetchmail delivered 12 messages"
sums "$FM/out" > "$FM/sums"
if cmp -s "$T_TMP/server.sums" "$FM/sums"; then
	pass "fetchmail's messages are the files on disk, byte for byte"
else
	fail "fetchmail's messages differ from the files on disk"
	diff "$T_TMP/server.sums" "$FM/sums" | head | show /dev/stdin
fi

# fetchmail marks what it fetched with STORE +FLAGS (\Seen) itself, even when keeping it.
expect_eq "$(ls "$MD/cur" | grep -c ':2,[A-RT-Z]*S')" 12 "fetchmail's STOREs made every message \\Seen, and it removed none"

note "getmail6: all messages of INBOX into a Maildir, kept"
names_before=$(ls "$MD/cur" "$MD/new" | sort)
GM=$T_TMP/getmail
mkdir -p "$GM/Maildir/cur" "$GM/Maildir/new" "$GM/Maildir/tmp"
cat > "$GM/getmailrc" <<EOF
[retriever]
type = SimpleIMAPRetriever
server = 127.0.0.1
port = $PORT
username = joe
password = Dl.pw60
mailboxes = ("INBOX",)
record_mailbox = false

[destination]
type = Maildir
path = $GM/Maildir/

[options]
read_all = true
delete = false
delivered_to = false
received = false
verbose = 2
EOF
chown -R nobody "$GM"
HOME=$GM timeout 60 setuidgid nobody getmail --getmaildir "$GM" --rcfile "$GM/getmailrc" > "$GM/log" 2>&1
rc=$?
tail -n 5 "$GM/log" | show /dev/stdin
expect_eq "$rc" 0 "getmail exits 0"
expect "$GM/log" '12 messages .*retrieved' "getmail says it retrieved 12 messages"
sums "$GM/Maildir/new" "$GM/Maildir/cur" > "$GM/sums"
if cmp -s "$T_TMP/server.sums" "$GM/sums"; then
	pass "getmail's messages are the files on disk, byte for byte"
else
	fail "getmail's messages differ from the files on disk"
	diff "$T_TMP/server.sums" "$GM/sums" | head | show /dev/stdin
fi

# A second getmail run remembers what it fetched (by UIDVALIDITY and UID): nothing new.
HOME=$GM timeout 60 setuidgid nobody getmail --getmaildir "$GM" --rcfile "$GM/getmailrc" --new > "$GM/log2" 2>&1
expect_eq "$?" 0 "getmail --new exits 0"
expect "$GM/log2" '0 messages .*retrieved' "getmail --new: the same UIDs, nothing fetched again"

# getmail peeks: the mailbox is as it was, names (and so flags) included.
expect_eq "$(ls "$MD/cur" "$MD/new" | sort)" "$names_before" "getmail left the mailbox's files and flags as they were"
