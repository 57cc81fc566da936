#!/usr/bin/env bash
# Switching from Dovecot with nothing downloaded again, shown from the client's side
# (issue 11 item 2): a user syncs with mbsync (and, separately, offlineimap3) against
# Debian's Dovecot, changes mail on both sides, syncs until nothing is left to do; then
# the administrator switches the same Maildir to imapd, and the next sync moves nothing:
# no download, no upload, no flag change, no deletion (mbsync's counters, offlineimap's
# actions). Then back to Dovecot, again nothing. Both clients reach the servers the way
# ssh would carry them: through a tunnel (mbsync's Tunnel, offlineimap's preauthtunnel)
# that runs the server in PREAUTH on a pipe, as nobody; for imapd that is `imapd serve`.
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/lib/dovecot/imap ] || skip_all "Debian's dovecot-imapd is not installed (make deps)"
command -v mbsync > /dev/null || skip_all "mbsync (isync) is not installed (make deps)"
command -v offlineimap > /dev/null || skip_all "offlineimap3 is not installed (make deps)"
NOGROUP=$(id -gn nobody)

# server ROOT: a Maildir ROOT/Maildir with INBOX (5 messages, 2 \Seen) and Sent (2),
# owned by nobody, and a dovecot.conf for it
server() {
	mkdir -p "$1/home"
	timeout 30 "$BIN/mkmaildir" "$1/Maildir" 5 2 || fail "mkmaildir"
	timeout 30 "$BIN/mkmaildir" "$1/Maildir/.Sent" 2 2 || fail "mkmaildir Sent"
	touch "$1/Maildir/.Sent/maildirfolder"
	printf 'mail_location = maildir:%s/Maildir\nlog_path = /dev/null\nssl = no\n' "$1" > "$1/dovecot.conf"
	chown -R "nobody:$NOGROUP" "$1"
}
# tunnel ROOT dovecot|imapd: the command a client runs to reach the server of ROOT
tunnel() {
	case $2 in
	dovecot) printf "setuidgid nobody env USER=nobody HOME=%s/home /usr/lib/dovecot/imap -c %s/dovecot.conf 2>/dev/null" "$1" "$1" ;;
	imapd) printf "setuidgid nobody env HOME=%s/home %s serve %s/Maildir 2>/dev/null" "$1" "$IMAPD" "$1" ;;
	esac
}

note "--- mbsync ---"
S=$T_TMP/mb
server "$S"
LOCAL=$T_TMP/mb-local
mkdir -p "$LOCAL"
# mbsyncrc dovecot|imapd: the user's configuration; only the tunnel changes
mbsyncrc() {
	cat > "$T_TMP/mbsyncrc" <<-EOF
	IMAPAccount far
	Tunnel "$(tunnel "$S" "$1")"
	Timeout 20

	IMAPStore far
	Account far

	MaildirStore near
	Path $LOCAL/
	Inbox $LOCAL/INBOX
	SubFolders Verbatim

	Channel all
	Far :far:
	Near :near:
	Patterns *
	Sync All
	Create Both
	Expunge Both
	CopyArrivalDate yes
	SyncState *
	EOF
}
# sync WHAT: one mbsync run (lib.sh's mbsync_run: $COUNTERS, e.g.
#   C: 2/2  B: 2/2  F: +0/0 *0/0 #0/0  N: +7/7 *0/0 #0/0)
sync() {
	mbsync_run "$T_TMP/mbsyncrc"
	note "mbsync run $SYNC_N ($1): $COUNTERS"
	expect_eq "${SYNC_RC:-none}" 0 "$1: mbsync exits 0"
	if mbsync_trouble > "$SYNC_OUT.bad"; then
		fail "$1: mbsync complained"; show "$SYNC_OUT.bad"
	fi
}
# idle WHAT: the last sync moved nothing, either way
idle() {
	if [[ $COUNTERS =~ F:\ \+0/0\ \*0/0\ \#0/0\ +N:\ \+0/0\ \*0/0\ \#0/0 ]]; then
		pass "$1: nothing downloaded, uploaded, changed or deleted"
	else
		fail "$1: mbsync moved something: $COUNTERS"
	fi
}
mbsyncrc dovecot
sync "first sync with Dovecot"
[[ $COUNTERS =~ N:\ \+7/7 ]] && pass "the first sync downloads the 7 messages" || fail "first sync: $COUNTERS"
# the user reads one message and writes one locally; the next sync carries both up
f=$(ls "$LOCAL/INBOX/cur" | head -n1)
mv "$LOCAL/INBOX/cur/$f" "$LOCAL/INBOX/cur/${f%%:2,*}:2,FS"
printf 'From: joe@example.org\nSubject: draft\nMessage-ID: <d1@example.org>\n\nA note.\n' > "$LOCAL/INBOX/new/1800000000.M1P1.local"
sync "second sync with Dovecot"
[[ $COUNTERS =~ F:\ \+1/1\ \*1/1 ]] && pass "the second sync uploads one message and one flag change" || fail "second sync: $COUNTERS"
sync "third sync with Dovecot"; idle "third sync with Dovecot"
before=$(cd "$LOCAL" && find . -type f | sort | xargs sha1sum)

mbsyncrc imapd
sync "first sync after the switch to imapd"; idle "first sync after the switch to imapd"
sync "second sync with imapd"; idle "second sync with imapd"
after=$(cd "$LOCAL" && find . -type f | sort | xargs sha1sum)
expect_eq "$after" "$before" "the local Maildir (files, names, sync state) is as it was"

mbsyncrc dovecot
sync "back to Dovecot"; idle "back to Dovecot"

note "--- offlineimap ---"
S=$T_TMP/oi
server "$S"
OLOCAL=$T_TMP/oi-local
mkdir -p "$OLOCAL" "$T_TMP/oi-meta"
# oirc dovecot|imapd: the user's offlineimaprc; only the tunnel changes
oirc() {
	cat > "$T_TMP/offlineimaprc" <<-EOF
	[general]
	accounts = a
	metadata = $T_TMP/oi-meta
	ui = basic

	[Account a]
	localrepository = l
	remoterepository = r

	[Repository l]
	type = Maildir
	localfolders = $OLOCAL

	[Repository r]
	type = IMAP
	preauthtunnel = $(tunnel "$S" "$1")
	EOF
}
OI_N=0
# oisync WHAT: one offlineimap run; the actions it logged in $ACTIONS
oisync() {
	local out=$T_TMP/oi.$((++OI_N))
	timeout 60 offlineimap -c "$T_TMP/offlineimaprc" -o -u basic > "$out" 2>&1
	expect_eq "$?" 0 "$1: offlineimap exits 0"
	ACTIONS=$(grep -cE '^ *(Copy|Deleting|Adding flag|Deleting flag|Creating folder)' "$out")
	note "offlineimap run $OI_N ($1): $ACTIONS actions"
	if grep -Eqi 'error|warning|uidvalidity' "$out"; then
		fail "$1: offlineimap complained"; grep -Ei 'error|warning|uidvalidity' "$out" | head | show /dev/stdin
	fi
}
oirc dovecot
oisync "first sync with Dovecot"
[ "$ACTIONS" -ge 7 ] && pass "the first sync copies the 7 messages ($ACTIONS actions)" || fail "first sync: $ACTIONS actions"
oisync "second sync with Dovecot"
expect_eq "$ACTIONS" 0 "second sync with Dovecot: nothing to do"
before=$(cd "$OLOCAL" && find . -type f | sort | xargs sha1sum)
oirc imapd
oisync "first sync after the switch to imapd"
expect_eq "$ACTIONS" 0 "after the switch to imapd: nothing copied, deleted or flagged"
after=$(cd "$OLOCAL" && find . -type f | sort | xargs sha1sum)
expect_eq "$after" "$before" "offlineimap's local Maildir is as it was"
oirc dovecot
oisync "back to Dovecot"
expect_eq "$ACTIONS" 0 "back to Dovecot: nothing to do"
