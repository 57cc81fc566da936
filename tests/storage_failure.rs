//! A storage failure during a command is that command's: it is answered `NO` with an
//! RFC 5530 code, logged on one line, and the same connection answers the next command.
//! Only a failure to read from or write to the client ends a session (RFC 3501 7.1.2 and
//! 7.1.5: NO and BAD are answers, BYE is the server closing). The failure here is real and
//! works as root too: the selected folder's directory is removed under the session.

mod common;

use common::{folder, maildir, put_message, session, tagged};

#[test]
fn a_removed_folder_fails_the_command_and_the_session_goes_on() {
    let (dir, md) = maildir("storage-failure");
    let f = folder(&md, "Work");
    put_message(&f, "cur", "1700000000.M1P1.host,S=10:2,T");
    put_message(&f, "cur", "1700000001.M2P1.host,S=10:2,");
    let mut c = session(&dir, &md);
    c.expect("a SELECT Work", "OK [READ-WRITE]");
    std::fs::remove_dir_all(&f).unwrap();
    // RFC 5530 3: SERVERBUG, "the server encountered a bug in itself or violated one of
    // its assumptions": its folder vanished while selected.
    c.expect("b STORE 2 +FLAGS (\\Seen)", "NO [SERVERBUG] ");
    c.expect("c EXPUNGE", "NO [SERVERBUG] ");
    let lines = c.expect("d NOOP", "OK");
    assert_eq!(tagged(&lines), "d OK NOOP completed");
    c.expect("e STATUS Work (MESSAGES)", "NO [NONEXISTENT] ");
    c.expect("f SELECT INBOX", "OK [READ-WRITE]");
    let lines = c.cmd("g LOGOUT");
    assert_eq!(lines, ["* BYE Logging out", "g OK LOGOUT completed"]);
    c.expect_eof();
    let log = c.stderr();
    for verb in ["STORE", "EXPUNGE"] {
        let line = log
            .lines()
            .find(|l| l.contains(&format!("{verb} failed: ")))
            .unwrap_or_else(|| panic!("no `{verb} failed` line in {log:?}"));
        assert!(line.contains(".Work"), "{line:?} names the path");
    }
}
