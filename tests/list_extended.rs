//! LIST-EXTENDED (RFC 5258) against the examples of its section 5 and the rules of 3.3
//! and 3.5, through `imapd serve` on pipes. The RFC's hierarchy separator is `/`, imapd's is
//! `.` (Maildir++, DESIGN.md 3), so `Fruit/Apple` is `Fruit.Apple` here. The examples'
//! `inbox` carries `\Marked \NoInferiors`; imapd's INBOX can have children and is not
//! marked, and it adds `\HasChildren` / `\HasNoChildren` to every answer (RFC 5258 4: a
//! server MAY return them unasked). Each answer is compared exactly, in any order (RFC
//! 5258 leaves the order free). Where the RFC leaves room, the test says which answer
//! Debian's Dovecot 2.3.19 gives on the same Maildir.

mod common;

use common::{folder, maildir, session, Client, TempDir};

/// A Maildir with `folders` (Maildir++ names), INBOX, and the names `subscribed` subscribed
/// through SUBSCRIBE (RFC 3501 6.3.6: a name that does not exist may be subscribed).
fn setup(name: &str, folders: &[&str], subscribed: &[&str]) -> (TempDir, Client) {
    let (dir, md) = maildir(name);
    for f in folders {
        folder(&md, f);
    }
    let mut c = session(&dir, &md);
    for (i, s) in subscribed.iter().enumerate() {
        c.expect(&format!("s{i} SUBSCRIBE {s}"), "OK");
    }
    (dir, c)
}

/// Sends `line`; the tagged answer is OK and the untagged ones are exactly `want`, in any
/// order.
fn exact(c: &mut Client, line: &str, want: &[&str]) {
    let lines = c.expect(line, "OK");
    let mut got: Vec<String> = lines[..lines.len() - 1].to_vec();
    got.sort();
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    if got != want {
        c.fail(&format!(
            "for {line:?}\nexpected (any order): {want:#?}\ngot: {got:#?}"
        ));
    }
}

// Issue 9 item 6, RFC 5258 3.3 rule 2 and 3.5: `f.p.c` is subscribed and matches the second
// pattern, so it is listed itself; its parent `f.p` is not subscribed and has no subscribed
// descendant that goes unlisted, so it is not listed at all (before: `* LIST (\NonExistent
// \HasChildren) "." f.p ("CHILDINFO" ("SUBSCRIBED"))` as well). Dovecot 2.3.19 answers the
// same. Whether `f.p` exists does not matter.
#[test]
fn childinfo_not_for_a_parent_whose_children_are_listed() {
    for (case, folders) in [("absent", &["f.p.c"][..]), ("present", &["f.p", "f.p.c"])] {
        let (_dir, mut c) = setup(&format!("listext-fpc-{case}"), folders, &["f.p.c"]);
        exact(
            &mut c,
            "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (f.p f.p.c)",
            &["* LIST (\\Subscribed \\HasNoChildren) \".\" f.p.c"],
        );
        // With `f.p` alone the child goes unlisted: now the parent carries CHILDINFO.
        let nonexistent = if case == "absent" {
            "\\NonExistent "
        } else {
            ""
        };
        exact(
            &mut c,
            "b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" f.p",
            &[&format!(
                "* LIST ({nonexistent}\\HasChildren) \".\" f.p (\"CHILDINFO\" (\"SUBSCRIBED\"))"
            )],
        );
        // The same with the parent listed by `%` one level up.
        exact(
            &mut c,
            "c LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (f.% f.p.c)",
            &["* LIST (\\Subscribed \\HasNoChildren) \".\" f.p.c"],
        );
    }
}

/// RFC 5258 example 9's hierarchy and subscriptions.
fn example9() -> (TempDir, Client) {
    setup(
        "listext-ex9",
        &[
            "foo2",
            "foo2.bar1",
            "foo2.bar2",
            "baz2",
            "baz2.bar2",
            "baz2.bar22",
            "baz2.bar222",
            "eps2",
            "eps2.mamba",
            "qux2.bar2",
        ],
        &[
            "foo2.bar1",
            "foo2.bar2",
            "baz2.bar2",
            "baz2.bar22",
            "baz2.bar222",
            "eps2",
            "eps2.mamba",
            "qux2.bar2",
        ],
    )
}

// RFC 5258 example 9, D03 with "*2": foo2 is listed for foo2.bar1, which "*2" does not
// match; eps2 is subscribed and has a subscribed child; baz2 and qux2 are left out, since
// every subscribed child of theirs is listed ("this would violate a SHOULD NOT in Section
// 3.5"). Exactly the RFC's names and CHILDINFO; Dovecot 2.3.19 answers the same.
#[test]
fn example_9_star2() {
    let (_dir, mut c) = example9();
    exact(
        &mut c,
        "D03 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*2\"",
        &[
            "* LIST (\\HasChildren) \".\" foo2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" foo2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar22",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar222",
            "* LIST (\\Subscribed \\HasChildren) \".\" eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" qux2.bar2",
        ],
    );
}

// RFC 5258 example 9, D03 with "*": the RFC's own answer here lists foo2 and baz2 with a
// CHILDINFO it calls redundant, against the SHOULD of 3.5 ("servers SHOULD suppress
// redundant CHILDINFO responses") that the same example invokes for "*2". The RFC leaves
// room; imapd follows the SHOULD, as Dovecot 2.3.19 does (its answer is exactly these
// names, with eps2 the only CHILDINFO: a subscribed name says it has subscribed children,
// as in example 8 A1).
#[test]
fn example_9_star() {
    let (_dir, mut c) = example9();
    exact(
        &mut c,
        "D03 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*\"",
        &[
            "* LIST (\\Subscribed \\HasNoChildren) \".\" foo2.bar1",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" foo2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar22",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar222",
            "* LIST (\\Subscribed \\HasChildren) \".\" eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" eps2.mamba",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" qux2.bar2",
        ],
    );
    // D02: the subscribed names, no CHILDINFO without RECURSIVEMATCH (3.5: MUST NOT).
    exact(
        &mut c,
        "D02 LIST (SUBSCRIBED) \"\" \"*\"",
        &[
            "* LIST (\\Subscribed \\HasNoChildren) \".\" foo2.bar1",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" foo2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar22",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" baz2.bar222",
            "* LIST (\\Subscribed \\HasChildren) \".\" eps2",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" eps2.mamba",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" qux2.bar2",
        ],
    );
    // With "%" no child is listed, so every parent with a subscribed child says so; qux2
    // does not exist (the 3.5 table: `(\NonExistent) + CHILDINFO`). Dovecot 2.3.19 lists
    // the same names with the same CHILDINFO.
    exact(
        &mut c,
        "D04 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"%\"",
        &[
            "* LIST (\\HasChildren) \".\" foo2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasChildren) \".\" baz2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\Subscribed \\HasChildren) \".\" eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\NonExistent \\HasChildren) \".\" qux2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
        ],
    );
}

// RFC 5258 example 8: Foo, Foo/Bar, Foo/Baz, Moo; cases A, A1, A2, B and C.
#[test]
fn example_8() {
    let tree = ["Foo", "Foo.Bar", "Foo.Baz", "Moo"];
    // A: only Foo/Baz is subscribed.
    let (_dir, mut c) = setup("listext-ex8a", &tree, &["Foo.Baz"]);
    exact(
        &mut c,
        "CA3 LIST \"\" \"%\" RETURN (CHILDREN)",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasChildren) \".\" Foo",
            "* LIST (\\HasNoChildren) \".\" Moo",
        ],
    );
    exact(
        &mut c,
        "C02 LIST (SUBSCRIBED) \"\" \"*\"",
        &["* LIST (\\Subscribed \\HasNoChildren) \".\" Foo.Baz"],
    );
    exact(&mut c, "C03 LIST (SUBSCRIBED) \"\" \"%\"", &[]);
    exact(
        &mut c,
        "C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"",
        &["* LIST (\\HasChildren) \".\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"],
    );
    // A1: Foo subscribed too: `(\Subscribed) ... ("CHILDINFO" ("SUBSCRIBED"))` (before:
    // no CHILDINFO). Dovecot 2.3.19 answers the same.
    let (_dir, mut c) = setup("listext-ex8a1", &tree, &["Foo", "Foo.Baz"]);
    exact(
        &mut c,
        "C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"",
        &["* LIST (\\Subscribed \\HasChildren) \".\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"],
    );
    // A2: Foo does not exist (Maildir++ needs no parent) and is not subscribed.
    let (_dir, mut c) = setup(
        "listext-ex8a2",
        &["Foo.Bar", "Foo.Baz", "Moo"],
        &["Foo.Baz"],
    );
    exact(
        &mut c,
        "C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"",
        &["* LIST (\\NonExistent \\HasChildren) \".\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"],
    );
    // B: nothing subscribed, nothing listed (even though Foo has children).
    let (_dir, mut c) = setup("listext-ex8b", &tree, &[]);
    exact(
        &mut c,
        "C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"",
        &[],
    );
    // C: Foo and Moo subscribed: no CHILDINFO, since no child of Foo is.
    let (_dir, mut c) = setup("listext-ex8c", &tree, &["Foo", "Moo"]);
    exact(
        &mut c,
        "C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)",
        &[
            "* LIST (\\Subscribed \\HasChildren) \".\" Foo",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" Moo",
        ],
    );
}

// RFC 5258 example 10: CHILDINFO without \HasChildren (foo/bar is subscribed but does not
// exist). Exactly the RFC's answers (Dovecot 2.3.19 says \HasChildren in a3, counting the
// subscription; the RFC's \HasNoChildren is what 4 defines: no child mailbox exists).
#[test]
fn example_10() {
    let (_dir, mut c) = setup("listext-ex10", &["foo"], &["foo.bar"]);
    exact(
        &mut c,
        "a1 LIST \"\" (\"foo\" \"foo.*\")",
        &["* LIST (\\HasNoChildren) \".\" foo"],
    );
    exact(
        &mut c,
        "a2 LIST (SUBSCRIBED) \"\" \"foo.*\"",
        &["* LIST (\\NonExistent \\Subscribed) \".\" foo.bar"],
    );
    exact(
        &mut c,
        "a3 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" foo RETURN (CHILDREN)",
        &["* LIST (\\HasNoChildren) \".\" foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"],
    );
}

// RFC 5258 example 11 and 3.5's note: music/rock exists, music does not; without
// RECURSIVEMATCH the server says `(\NonExistent \HasChildren)`. REMOTE changes nothing
// here (3.1: it has no interaction with other options; imapd has no remote mailboxes).
// Exactly the RFC's answers, except that for a3.1 imapd also lists music, which the RFC
// allows ("clients must handle both cases"), as Dovecot 2.3.19 does.
#[test]
fn example_11() {
    let (_dir, mut c) = setup("listext-ex11", &["music.rock"], &[]);
    exact(
        &mut c,
        "a2 LIST () \"\" %",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\NonExistent \\HasChildren) \".\" music",
        ],
    );
    exact(
        &mut c,
        "a3 LIST (REMOTE) \"\" %",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\NonExistent \\HasChildren) \".\" music",
        ],
    );
    exact(
        &mut c,
        "a3.1 LIST \"\" (% music.rock)",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\NonExistent \\HasChildren) \".\" music",
            "* LIST (\\HasNoChildren) \".\" music.rock",
        ],
    );
}

/// RFC 5258 example 1's hierarchy, with example 2's subscriptions (Fruit/Peach is
/// subscribed and does not exist).
fn fruit() -> (TempDir, Client) {
    setup(
        "listext-fruit",
        &[
            "Fruit",
            "Fruit.Apple",
            "Fruit.Banana",
            "Tofu",
            "Vegetable",
            "Vegetable.Broccoli",
            "Vegetable.Corn",
        ],
        &[
            "INBOX",
            "Fruit.Banana",
            "Fruit.Peach",
            "Vegetable",
            "Vegetable.Broccoli",
        ],
    )
}

// RFC 5258 examples 2, 3, 5 and 6: the same names and \Subscribed / \NonExistent as the
// RFC; example 6 does not list the nonexistent Fruit/Peach (return options "MUST NOT cause
// the server to report information about additional mailbox names", 3).
#[test]
fn examples_2_3_5_6() {
    let (_dir, mut c) = fruit();
    let subscribed = [
        "* LIST (\\Subscribed \\HasNoChildren) \".\" INBOX",
        "* LIST (\\Subscribed \\HasNoChildren) \".\" Fruit.Banana",
        "* LIST (\\NonExistent \\Subscribed) \".\" Fruit.Peach",
        "* LIST (\\Subscribed \\HasChildren) \".\" Vegetable",
        "* LIST (\\Subscribed \\HasNoChildren) \".\" Vegetable.Broccoli",
    ];
    exact(&mut c, "A02 LIST (SUBSCRIBED) \"\" \"*\"", &subscribed);
    exact(
        &mut c,
        "A03 LIST () \"\" \"%\" RETURN (CHILDREN)",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasChildren) \".\" Fruit",
            "* LIST (\\HasNoChildren) \".\" Tofu",
            "* LIST (\\HasChildren) \".\" Vegetable",
        ],
    );
    exact(
        &mut c,
        "A05 LIST (REMOTE SUBSCRIBED) \"\" \"*\"",
        &subscribed,
    );
    exact(
        &mut c,
        "A06 LIST (REMOTE) \"\" \"*\" RETURN (SUBSCRIBED)",
        &[
            "* LIST (\\Subscribed \\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasChildren) \".\" Fruit",
            "* LIST (\\HasNoChildren) \".\" Fruit.Apple",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" Fruit.Banana",
            "* LIST (\\HasNoChildren) \".\" Tofu",
            "* LIST (\\Subscribed \\HasChildren) \".\" Vegetable",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" Vegetable.Broccoli",
            "* LIST (\\HasNoChildren) \".\" Vegetable.Corn",
        ],
    );
}

// RFC 5258 example 7: several patterns, each name once (3: "the server SHOULD return only
// a single LIST response").
#[test]
fn example_7() {
    let (_dir, mut c) = setup(
        "listext-ex7",
        &[
            "Drafts",
            "Sent.March2004",
            "Sent.December2003",
            "Sent.August2004",
        ],
        &[],
    );
    exact(
        &mut c,
        "BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent.%\" \"Sent.*\")",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren) \".\" Sent.March2004",
            "* LIST (\\HasNoChildren) \".\" Sent.December2003",
            "* LIST (\\HasNoChildren) \".\" Sent.August2004",
        ],
    );
}

// RFC 5258 3: "the server MUST return information about mailbox names that satisfy every
// selection option": SUBSCRIBED with SPECIAL-USE (RFC 6154) lists only subscribed
// special-use mailboxes (before: every subscribed name; X.Sent has no special use, imapd
// gives one only at the top level). Dovecot 2.3.19, with the same names configured
// special-use, lists Junk and Sent (and also a subscribed Drafts that does not exist,
// because its configuration names it; imapd gives special use only to mailboxes that
// exist).
#[test]
fn subscribed_and_special_use_together() {
    let (_dir, mut c) = setup(
        "listext-subspecial",
        &["Sent", "Trash", "Junk", "X", "X.Sent"],
        &["Sent", "Junk", "X.Sent", "Drafts"],
    );
    let want = [
        "* LIST (\\Subscribed \\HasNoChildren \\Junk) \".\" Junk",
        "* LIST (\\Subscribed \\HasNoChildren \\Sent) \".\" Sent",
    ];
    exact(&mut c, "a LIST (SUBSCRIBED SPECIAL-USE) \"\" \"*\"", &want);
    // X has a subscribed child, but not one that is special-use: no CHILDINFO.
    exact(
        &mut c,
        "b LIST (SUBSCRIBED SPECIAL-USE RECURSIVEMATCH) \"\" \"%\"",
        &want,
    );
}
