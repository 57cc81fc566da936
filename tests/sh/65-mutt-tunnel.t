#!/usr/bin/env bash
# imapd over a pipe, the way ssh carries it (issue 11 item 1): mutt's `tunnel` runs
# `imapd serve` itself, which greets with PREAUTH (no password crosses anything), and
# mutt reads and changes the mailbox through it: open INBOX, read a message, delete
# another, sync, quit; the Maildir on disk shows both.
. "$(dirname "$0")/lib.sh"

need_imapd
need_mutt
USER_PW=unused PORT=143
MD=$T_TMP/home/Maildir
timeout 30 "$BIN/mkmaildir" "$MD" 4 0 nobody || fail "mkmaildir"
# a folder with a non-ASCII name, on disk in modified UTF-7 (RFC 3501 5.1.3) as Dovecot
# writes it: "Entwürfe"
timeout 30 "$BIN/mkmaildir" "$MD/.Entw&APw-rfe" 2 0 nobody || fail "mkmaildir Entwürfe"
touch "$MD/.Entw&APw-rfe/maildirfolder"
chown nobody "$T_TMP/home"

MUTT_END=$(( ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000 ))
write_muttrc "$T_TMP/muttrc" date-sent "set tunnel=\"setuidgid nobody $IMAPD serve $MD 2> $T_TMP/imapd.log\"
set delete=yes
set resolve=no"
start_mutt "$T_TMP/muttrc"
step "Mutt: [=+]INBOX \[Msgs:4 " "$MUTT through the tunnel opens INBOX: 4 messages" 15
keys 3 Enter; keys Enter
step '^Subject: test message 3 of 4$' "the pager shows message 3"
keys q; keys 1 Enter; keys d
step '^ +1 +[^ ]*D ' "d marks message 1 deleted"
keys '$'; step "Mutt: [=+]INBOX \[Msgs:3 " "\$ syncs: 3 messages"
keys q
wait_mutt_exit "q: $MUTT quits, exit status 0"
expect_eq "$(ls "$MD/cur" | wc -l)" 3 "3 message files left on disk"
expect_eq "$(grep -l '^Subject: test message 1 of 4$' "$MD"/cur/* | wc -l)" 0 "message 1 is gone from disk"
expect_eq "$(ls "$MD/cur" | grep -c ':2,[A-RT-Z]*S')" 1 "message 3, which was read, is \\\\Seen"
expect "$T_TMP/imapd.log" 'logout user=' "imapd logged the session (no password: PREAUTH)"

# mutt 2.2 enables UTF8=ACCEPT (RFC 6855 3) and then names mailboxes in UTF-8: it opens
# "Entwürfe" by its UTF-8 name and shows it so.
MUTT_END=$(( ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000 ))
start_mutt "$T_TMP/muttrc" -f "'=Entwürfe'"
step "Mutt: [=+]Entwürfe \[Msgs:2 " "$MUTT opens =Entwürfe by its UTF-8 name: 2 messages" 15
keys q
wait_mutt_exit "q: $MUTT quits, exit status 0"
if grep -hq '> a[0-9]* ENABLE UTF8=ACCEPT' "$MUTTHOME"/.muttdebug0 "$MUTTHOME"/.neomuttdebug0 2> /dev/null; then
	pass "$MUTT enabled UTF8=ACCEPT"
	expect "$MUTTHOME/.muttdebug0" '> a[0-9]* SELECT "Entwürfe"' "$MUTT selected the folder by its UTF-8 name"
else
	note "$MUTT did not enable UTF8=ACCEPT: it named the folder in modified UTF-7"
fi
