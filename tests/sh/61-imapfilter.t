#!/usr/bin/env bash
# imapfilter (issue 11 item 5): filtering rules in Lua run against the real service, as
# a user would run them from cron: one moves every message from a mailing list into its
# folder (imapfilter searches, then MOVEs or COPY+STORE+EXPUNGE), one flags unseen mail
# from the boss, one deletes old spam. The result is checked on disk: the right files
# in the right folders with the right flags, and no message lost or doubled.
. "$(dirname "$0")/lib.sh"

command -v imapfilter > /dev/null || skip_all "imapfilter is not installed (make deps)"

make_service
add_user joe 'If.pw61'
MD=$HOME_joe/MAILDIR.IMAP
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
for f in Lists.rust Junk; do
	mkdir -p "$MD/.$f/cur" "$MD/.$f/new" "$MD/.$f/tmp"
	: > "$MD/.$f/maildirfolder"
done
# msg N FROM SUBJECT [FLAGS] [LIST]: message N in INBOX
msg() {
	local f=$MD/cur/$((1700000000 + $1)).M$1P61.filter:2,${4:-}
	{
		printf 'From: %s\nTo: joe@example.org\nSubject: %s\n' "$2" "$3"
		[ -n "${5:-}" ] && printf 'List-Id: %s\n' "$5"
		printf 'Message-ID: <%s@filter.example>\n\nBody %s.\n' "$1" "$1"
	} > "$f"
}
msg 1 'ann@example.org' 'lunch?'
msg 2 'list@rust.example' 'release notes' S '<rust.lists.example>'
msg 3 'boss@example.org' 'quarterly numbers'
msg 4 'list@rust.example' 'RFC: async' '' '<rust.lists.example>'
msg 5 'boss@example.org' 'old memo' S
msg 6 'spam@example.net' 'cheap pills' '' ''
msg 7 'list@rust.example' 'weekly digest' F '<rust.lists.example>'
# the spam is old: INTERNALDATE comes from the file's mtime
touch -d '2020-01-01' "$MD"/cur/1700000006.*
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

mkdir -p "$T_TMP/ifhome/.imapfilter"
cat > "$T_TMP/ifhome/.imapfilter/config.lua" <<EOF
options.timeout = 20
options.subscribe = false
account = IMAP {
	server = '127.0.0.1',
	port = $PORT,
	username = 'joe',
	password = 'If.pw61',
}
inbox = account.INBOX
lists = inbox:contain_field('List-Id', 'rust.lists.example')
lists:move_messages(account['Lists.rust'])
boss = inbox:is_unseen() * inbox:contain_from('boss@example.org')
boss:mark_flagged()
spam = inbox:contain_from('spam@example.net') * inbox:is_older(365)
spam:move_messages(account.Junk)
EOF
HOME=$T_TMP/ifhome timeout 60 imapfilter -v -c "$T_TMP/ifhome/.imapfilter/config.lua" \
	> "$T_TMP/if.log" 2>&1
rc=$?
tail -n 15 "$T_TMP/if.log" | cut -c1-160 | show /dev/stdin
expect_eq "$rc" 0 "imapfilter exits 0"
expect_not "$T_TMP/if.log" 'If\.pw61' "no password in imapfilter's output"

# subjects DIR: "subject|flags" of each message file in DIR, sorted
subjects() {
	local f
	for f in "$1"/cur/* "$1"/new/*; do
		[ -f "$f" ] || continue
		printf '%s|%s\n' "$(sed -n 's/^Subject: //p' "$f" | head -n1)" "${f##*:2,}"
	done | sort
}
expect_eq "$(subjects "$MD")" "$(printf '%s\n' 'lunch?|' 'old memo|S' 'quarterly numbers|F')" \
	"INBOX keeps the three others; the boss's unseen mail is \\Flagged, his read memo not"
expect_eq "$(subjects "$MD/.Lists.rust")" "$(printf '%s\n' 'RFC: async|' 'release notes|S' 'weekly digest|F')" \
	"Lists.rust holds the three list messages with their flags"
expect_eq "$(subjects "$MD/.Junk")" 'cheap pills|' "Junk holds the old spam"
expect_eq "$(find "$MD" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)" 7 \
	"7 messages in all: none lost, none doubled"
