#!/usr/bin/env bash
# mutt (and, through 63-neomutt-edit.t, NeoMutt) changing a mailbox, driven in tmux
# (issue 11 item 5: open, read, move, delete, search): joe's INBOX holds 6 messages
# ("test message N of 6") and a folder Archive. The client searches for message 4 and
# reads it, saves it to =Archive (mutt copies, then marks the original deleted), deletes
# message 2, syncs, limits the index to message 6 and quits. On disk afterwards: INBOX
# holds messages 1, 3, 5 and 6, Archive holds message 4, \Seen (it was read), and no
# message is lost or doubled.
. "$(dirname "$0")/lib.sh"

need_mutt

USER_PW='Mu.pw62'
make_service
add_user joe "$USER_PW"
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 6 0 || fail "mkmaildir"
timeout 30 "$BIN/mkmaildir" "$MD/.Archive" 0 0 || fail "mkmaildir Archive"
touch "$MD/.Archive/maildirfolder"
printf 'Archive\n' > "$MD/subscriptions"
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

# in FOLDER_DIR: the message numbers N of the "test message N of 6" files, sorted
numbers() { cat "$1"/cur/* "$1"/new/* 2> /dev/null | sed -n 's/^Subject: test message \([0-9]*\) of 6$/\1/p' | sort -n | tr '\n' ' '; }

MUTT_END=$(( ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000 ))
write_muttrc "$T_TMP/muttrc" date-sent 'set delete=yes
set confirmcreate=no
set resolve=no'
start_mutt "$T_TMP/muttrc"
step "Mutt: [=+]INBOX \[Msgs:6 " "$MUTT opens INBOX: 6 messages" 15
keys / ; step '^Search for:' "/ asks for a search"
keys 'message 4' Enter
keys Enter; step '^Subject: test message 4 of 6$' "the search found message 4, and the pager shows it"
step '^This is test message number 4\.$' "its body shows"
keys q; step "Mutt: [=+]INBOX" "back in the index"
keys s; step '^Save to mailbox' "s asks where to save"
keys C-u '=Archive' Enter
step '^ +4 +[^ ]*D ' "message 4 is marked deleted once saved" 10
keys 2 Enter; keys d
step '^ +2 +[^ ]*D ' "d marks message 2 deleted"
keys '$'; step "Mutt: [=+]INBOX \[Msgs:4 " "\$ syncs: INBOX has 4 messages" 10
keys l; step '^Limit to messages matching:' "l asks for a pattern"
keys '~s "message 6"' Enter
step 'test message 6 of 6$' "the limit shows message 6"
screen "$T_TMP/limited"
expect_eq "$(grep -cE 'test message [0-9] of 6$' "$T_TMP/limited")" 1 "the limited index lists only message 6"
keys q
wait_mutt_exit "q: $MUTT quits, exit status 0"

expect_eq "$(numbers "$MD")" "1 3 5 6 " "INBOX holds messages 1, 3, 5 and 6"
expect_eq "$(numbers "$MD/.Archive")" "4 " "Archive holds message 4"
expect_eq "$(ls "$MD/.Archive/cur" | grep -c ':2,[A-RT-Z]*S')" 1 "the archived message 4 is \\\\Seen"
expect_eq "$(ls "$MD/cur" | grep -c ':2,[A-RT-Z]*S')" 0 "no message left in INBOX was read"
