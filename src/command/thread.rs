//! THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT groups by base subject; REFERENCES
//! rebuilds reply trees from Message-ID, References and In-Response-To, then merges threads
//! with the same base subject, step by step as the RFC describes.
//!
//! Mail decides how deep the trees are, so nothing here recurses or walks a chain once per
//! link: step 1 keeps parent pointers and asks a link-cut forest whether a link would
//! close a loop; children lists are built once after it; pruning, sorting and output go
//! over the trees with explicit stacks. Each message brings at most
//! [`msgid::MAX_REFERENCES`] references.

use std::io::{self, Write};

use super::intern::{Ids, Interner};
use super::linkcut::Forest;
use super::search::{self, Key};
use super::sort::{each, push_number};
use super::Context;
use super::Response;
use crate::maildir::flags::base;
#[cfg(doc)]
use crate::message::msgid;
use crate::wire::{ParseError, Parser};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    OrderedSubject,
    References,
}

pub struct Thread {
    algorithm: Algorithm,
    key: Key,
}

/// `thread-alg SP charset 1*(SP search-key)`.
pub fn parse(p: &mut Parser) -> Result<Thread, ParseError> {
    let algorithm = match &p.keyword()?[..] {
        b"ORDEREDSUBJECT" => Algorithm::OrderedSubject,
        b"REFERENCES" => Algorithm::References,
        _ => return Err(ParseError::bad("Unknown threading algorithm")),
    };
    p.sp()?;
    search::charset(p)?;
    p.sp()?;
    Ok(Thread {
        algorithm,
        key: search::keys(p)?,
    })
}

/// "No node" and "no message", in the arrays below.
const NONE: u32 = u32::MAX;

/// The messages THREAD sees, in the order of the answer: per message its sent date (RFC
/// 5256 2.2), base subject and whether it was a reply, and with REFERENCES its id and its
/// parents' ids, every text as the number [`Interner`] gave it. A few dozen bytes a
/// message, and each distinct text once; the texts go as soon as the numbers are all that
/// the steps after need.
#[derive(Default)]
pub struct Messages {
    kept: Kept,
    id: Vec<u32>,
    /// The parents of message `m` are `parents[ends[m - 1]..ends[m]]`.
    parents: Vec<u32>,
    ends: Vec<u32>,
    ids: Ids,
    subjects: Interner,
}

/// What the trees are sorted and merged by, per message: its sent date, the number of its
/// base subject and whether it was a reply; `empty` is the number of the empty subject
/// ([`NONE`] when no message has it), set when the subjects' texts go.
#[derive(Default)]
struct Kept {
    sent: Vec<i64>,
    subject: Vec<u32>,
    reply: Vec<bool>,
    empty: u32,
}

impl Messages {
    fn len(&self) -> usize {
        self.kept.sent.len()
    }

    /// Room for `n` more messages (and their ids, with `links`), so that each array is
    /// made once at its size.
    pub fn reserve(&mut self, n: usize, links: bool) {
        let k = &mut self.kept;
        k.sent.reserve_exact(n);
        k.subject.reserve_exact(n);
        k.reply.reserve_exact(n);
        self.id.reserve_exact(n);
        self.ends.reserve_exact(n);
        if links {
            // Each message has an id, most of them once.
            self.ids.reserve(n);
        }
    }

    /// Adds a message; its id and parents only with `links` (REFERENCES).
    pub fn push<'a>(
        &mut self,
        sent: i64,
        subject: &[u8],
        reply: bool,
        links: Option<(Option<&[u8]>, impl Iterator<Item = &'a [u8]>)>,
    ) {
        self.kept.sent.push(sent);
        self.kept.subject.push(self.subjects.intern(subject));
        self.kept.reply.push(reply);
        let mut id = NONE;
        if let Some((own, parents)) = links {
            id = own.map_or(NONE, |i| self.ids.intern(i));
            for p in parents {
                let p = self.ids.intern(p);
                self.parents.push(p);
            }
        }
        self.id.push(id);
        self.ends.push(self.parents.len() as u32);
    }

    /// Where the parents of message `m` are in `parents`.
    fn range(&self, m: usize) -> std::ops::Range<usize> {
        let start = match m {
            0 => 0,
            _ => self.ends[m - 1] as usize,
        };
        start..self.ends[m] as usize
    }
}

/// The thread trees: per node (a message, or a dummy) its message, its parent and its
/// children as a list (first, last, next sibling), all [`NONE`] when there is none.
struct Tree {
    kept: Kept,
    message: Vec<u32>,
    parent: Vec<u32>,
    first: Vec<u32>,
    last: Vec<u32>,
    next: Vec<u32>,
}

impl Tree {
    /// The tree whose nodes have these messages and parents, children in node order.
    fn new(kept: Kept, message: Vec<u32>, parent: Vec<u32>) -> Tree {
        let nodes = message.len();
        let mut tree = Tree {
            kept,
            message,
            parent,
            first: vec![NONE; nodes],
            last: vec![NONE; nodes],
            next: vec![NONE; nodes],
        };
        for n in 0..nodes as u32 {
            let p = tree.parent[n as usize];
            if p != NONE {
                // `append` sets the parent it was already.
                tree.append(p, n);
            }
        }
        tree
    }

    /// A new dummy.
    fn add(&mut self) -> u32 {
        for v in [
            &mut self.message,
            &mut self.parent,
            &mut self.first,
            &mut self.last,
            &mut self.next,
        ] {
            v.push(NONE);
        }
        self.message.len() as u32 - 1
    }

    fn is_dummy(&self, n: u32) -> bool {
        self.message[n as usize] == NONE
    }

    /// The children of `n`, in order.
    fn children(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        children(&self.first, &self.next, n)
    }

    /// Adds `child`, which has no parent, as the last child of `parent`.
    fn append(&mut self, parent: u32, child: u32) {
        let (p, c) = (parent as usize, child as usize);
        self.parent[c] = parent;
        self.next[c] = NONE;
        match self.last[p] {
            NONE => self.first[p] = child,
            l => self.next[l as usize] = child,
        }
        self.last[p] = child;
    }

    fn unlink(&mut self, child: u32) {
        let p = self.parent[child as usize];
        if p == NONE {
            return;
        }
        self.parent[child as usize] = NONE;
        let after = self.next[child as usize];
        let mut before = NONE;
        let mut c = self.first[p as usize];
        while c != child {
            before = c;
            c = self.next[c as usize];
        }
        match before {
            NONE => self.first[p as usize] = after,
            b => self.next[b as usize] = after,
        }
        if self.last[p as usize] == child {
            self.last[p as usize] = before;
        }
    }

    fn link(&mut self, parent: u32, child: u32) {
        self.unlink(child);
        self.append(parent, child);
    }

    /// The sent date and message order a node sorts by (a dummy: its first child's).
    fn sort_key(&self, mut n: u32) -> (i64, u32) {
        loop {
            match self.message[n as usize] {
                NONE if self.first[n as usize] != NONE => n = self.first[n as usize],
                NONE => return (i64::MAX, u32::MAX),
                m => return (self.kept.sent[m as usize], m),
            }
        }
    }

    /// Sorts the children of `n` by [`Tree::sort_key`]; `scratch` is any buffer.
    fn sort_children(&mut self, n: u32, scratch: &mut Vec<u32>) {
        if self.first[n as usize] == self.last[n as usize] {
            return;
        }
        scratch.clear();
        scratch.extend(self.children(n));
        scratch.sort_unstable_by_key(|&c| self.sort_key(c));
        self.first[n as usize] = NONE;
        self.last[n as usize] = NONE;
        for &c in scratch.iter() {
            self.append(n, c);
        }
    }

    /// Step 6: sorts every set of siblings under `roots`, and `roots`, deepest first so
    /// that a dummy's first child is known before the dummy is placed.
    fn sort_all(&mut self, roots: &mut [u32]) {
        let mut order = Vec::new();
        let mut stack = Vec::new();
        let mut scratch = Vec::new();
        for &r in roots.iter() {
            // Every node after its parent; backwards, every node before its parent.
            order.clear();
            stack.push(r);
            while let Some(n) = stack.pop() {
                order.push(n);
                stack.extend(self.children(n));
            }
            for &n in order.iter().rev() {
                self.sort_children(n, &mut scratch);
            }
        }
        roots.sort_unstable_by_key(|&n| self.sort_key(n));
    }

    /// The subject a root-level thread goes by (step 5.B.i), and whether it was a reply.
    fn thread_subject(&self, n: u32) -> Option<(u32, bool)> {
        let m = match self.message[n as usize] {
            NONE => match self.first[n as usize] {
                NONE => return None,
                c => self.message[c as usize],
            },
            m => m,
        };
        if m == NONE {
            return None;
        }
        let s = self.kept.subject[m as usize];
        (s != self.kept.empty).then_some((s, self.kept.reply[m as usize]))
    }

    /// Writes the thread under `root` (`"(" thread-members / thread-nested ")"`): a chain
    /// of single children inline, then the rest nested.
    fn write(&self, out: &mut Vec<u8>, root: u32, numbers: &[u32], stack: &mut Vec<u32>) {
        // A node: the thread of it is still to be written; NONE: a `)` to close.
        stack.clear();
        stack.push(root);
        while let Some(task) = stack.pop() {
            if task == NONE {
                out.push(b')');
                continue;
            }
            let mut n = task;
            out.push(b'(');
            stack.push(NONE);
            let mut first = true;
            let nested = loop {
                let m = self.message[n as usize];
                if m == NONE {
                    // A dummy: its children are nested threads.
                    break n;
                }
                if !first {
                    out.push(b' ');
                }
                push_number(out, numbers[m as usize]);
                first = false;
                let (c, l) = (self.first[n as usize], self.last[n as usize]);
                if c == NONE {
                    break NONE;
                }
                if c == l && !self.is_dummy(c) {
                    n = c;
                    continue;
                }
                out.push(b' ');
                break n;
            };
            if nested != NONE {
                let at = stack.len();
                stack.extend(self.children(nested));
                stack[at..].reverse();
            }
        }
    }
}

/// The children of `n` in the lists `first` and `next`.
fn children<'a>(first: &'a [u32], next: &'a [u32], n: u32) -> impl Iterator<Item = u32> + 'a {
    let mut c = first[n as usize];
    std::iter::from_fn(move || {
        let this = c;
        (this != NONE).then(|| {
            c = next[this as usize];
            this
        })
    })
}

/// Step 1: per node its message and its parent. Node `i` is the id numbered `i`; the
/// nodes of messages without an id of their own come after them.
fn link(msgs: &Messages, ids: usize) -> (Vec<u32>, Vec<u32>) {
    // Step 1.A: no or a duplicate Message-ID gets a node of its own. Counted first, so
    // that each array is made at its size.
    let mut taken = vec![false; ids];
    let mut extra = 0;
    for &id in &msgs.id {
        match id {
            NONE => extra += 1,
            id if taken[id as usize] => extra += 1,
            id => taken[id as usize] = true,
        }
    }
    drop(taken);
    let nodes = ids + extra;
    let column = |fill: u32| {
        let mut v = Vec::with_capacity(nodes);
        v.resize(ids, fill);
        v
    };
    let (mut message, mut parent) = (column(NONE), column(NONE));
    // The loop check asks the forest, which mirrors every parent pointer; a node without
    // children is a tree of its own, which needs no asking.
    let mut forest = Forest::new(ids, nodes);
    let mut kids = column(0);
    for m in 0..msgs.len() {
        let me = match msgs.id[m] {
            id if id != NONE && message[id as usize] == NONE => id,
            _ => {
                message.push(NONE);
                parent.push(NONE);
                kids.push(0);
                forest.add()
            }
        };
        message[me as usize] = m as u32;
        // `c` is an ancestor of `p` (so linking `c` under `p` would close a loop) exactly
        // when `c`, which has no parent, is the root of `p`'s tree.
        let ancestor = |forest: &mut Forest, kids: &[u32], c: u32, p: u32| match kids[c as usize] {
            0 => c == p,
            _ => forest.root(p) == c,
        };
        // Links already made stay; a link that would close a loop is not made.
        let refs = msgs.range(m);
        for i in refs.start + 1..refs.end {
            let (p, c) = (msgs.parents[i - 1], msgs.parents[i]);
            if parent[c as usize] == NONE && !ancestor(&mut forest, &kids, c, p) {
                parent[c as usize] = p;
                kids[p as usize] += 1;
                forest.link(c, p);
            }
        }
        // Step 1.B: the last reference is the parent.
        let old = parent[me as usize];
        if old != NONE {
            parent[me as usize] = NONE;
            kids[old as usize] -= 1;
            forest.cut(me);
        }
        if let Some(&p) = msgs.parents[refs].last() {
            if !ancestor(&mut forest, &kids, me, p) {
                parent[me as usize] = p;
                kids[p as usize] += 1;
                forest.link(me, p);
            }
        }
    }
    (message, parent)
}

fn references(mut msgs: Messages) -> (Tree, Vec<u32>) {
    // Only the numbers of the texts count from here on.
    msgs.kept.empty = msgs.subjects.find(b"").unwrap_or(NONE);
    let (ids, subjects) = (msgs.ids.len(), msgs.subjects.len());
    msgs.ids = Ids::default();
    msgs.subjects = Interner::default();
    let (message, parent) = link(&msgs, ids);
    let kept = std::mem::take(&mut msgs.kept);
    drop(msgs);
    let mut tree = Tree::new(kept, message, parent);
    let nodes = tree.message.len() as u32;
    // Step 2: the roots.
    let roots: Vec<u32> = (0..nodes)
        .filter(|&n| tree.parent[n as usize] == NONE)
        .collect();
    // Step 3: prune dummies.
    let mut roots = prune(&mut tree, &roots);
    // Step 4: sort the roots.
    let mut scratch = Vec::new();
    for &r in &roots {
        tree.sort_children(r, &mut scratch);
    }
    roots.sort_unstable_by_key(|&n| tree.sort_key(n));
    // Step 5: merge threads by subject.
    let mut table: Vec<u32> = vec![NONE; subjects];
    for &r in &roots {
        let Some((subject, reply)) = tree.thread_subject(r) else {
            continue;
        };
        match table[subject as usize] {
            NONE => table[subject as usize] = r,
            t => {
                let t_reply = tree.thread_subject(t).is_some_and(|(_, re)| re);
                if !tree.is_dummy(t) && (tree.is_dummy(r) || (t_reply && !reply)) {
                    table[subject as usize] = r;
                }
            }
        }
    }
    let mut merged: Vec<u32> = Vec::new();
    let mut gone = vec![false; tree.message.len()];
    // A thread that a new dummy took in stands in the list as that dummy.
    let mut replaced = vec![NONE; tree.message.len()];
    for r in roots {
        let Some((subject, reply)) = tree.thread_subject(r) else {
            merged.push(r);
            continue;
        };
        let t = table[subject as usize];
        if t == r {
            merged.push(r);
            continue;
        }
        let t_dummy = tree.is_dummy(t);
        let r_dummy = tree.is_dummy(r);
        let t_reply = tree.thread_subject(t).is_some_and(|(_, re)| re);
        if t_dummy && r_dummy {
            let mut c = tree.first[r as usize];
            tree.first[r as usize] = NONE;
            tree.last[r as usize] = NONE;
            while c != NONE {
                let after = tree.next[c as usize];
                tree.append(t, c);
                c = after;
            }
            gone[r as usize] = true;
        } else if t_dummy || (reply && !t_reply && !r_dummy) {
            tree.link(t, r);
        } else {
            let d = tree.add();
            gone.push(false);
            replaced.push(NONE);
            tree.link(d, t);
            tree.link(d, r);
            table[subject as usize] = d;
            replaced[t as usize] = d;
        }
    }
    // Threads merged later may still be listed where they stood: keep roots only.
    let mut roots: Vec<u32> = merged
        .into_iter()
        .map(|n| match replaced[n as usize] {
            NONE => n,
            d => d,
        })
        .filter(|&n| !gone[n as usize] && tree.parent[n as usize] == NONE)
        .collect();
    roots.dedup();
    // Step 6: sort every set of siblings.
    tree.sort_all(&mut roots);
    (tree, roots)
}

/// Step 3: dummies without children go; a dummy's children take its place, except that
/// at the root level they do only when there is one. Each node that stays keeps as
/// children its nearest descendants that are messages. Returns the new roots.
fn prune(tree: &mut Tree, roots: &[u32]) -> Vec<u32> {
    // The walk reads the old lists (`first`, `next`); the new ones are made in two fresh
    // arrays and in `parent` and `last`, which it does not read.
    let nodes = tree.message.len();
    let first = std::mem::replace(&mut tree.first, vec![NONE; nodes]);
    let next = std::mem::replace(&mut tree.next, vec![NONE; nodes]);
    tree.parent.fill(NONE);
    tree.last.fill(NONE);
    let mut out = Vec::new();
    // (node, the node that stays whose child it becomes, if it is a message)
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for &r in roots {
        stack.extend(children(&first, &next, r).map(|c| (c, r)));
        while let Some((n, owner)) = stack.pop() {
            let under = match tree.is_dummy(n) {
                true => owner,
                false => {
                    tree.append(owner, n);
                    n
                }
            };
            stack.extend(children(&first, &next, n).map(|c| (c, under)));
        }
        let (c, l) = (tree.first[r as usize], tree.last[r as usize]);
        if !tree.is_dummy(r) || c != l {
            out.push(r);
        } else if c != NONE {
            tree.parent[c as usize] = NONE;
            out.push(c);
        }
    }
    out
}

fn ordered_subject(msgs: Messages) -> (Tree, Vec<u32>) {
    let n = msgs.len();
    let Messages { kept, subjects, .. } = msgs;
    // Each distinct subject's place among them, so that messages sort by numbers.
    let mut by_text: Vec<u32> = (0..subjects.len() as u32).collect();
    by_text.sort_unstable_by(|&a, &b| subjects.get(a).cmp(subjects.get(b)));
    let mut rank = vec![0u32; by_text.len()];
    for (i, &s) in by_text.iter().enumerate() {
        rank[s as usize] = i as u32;
    }
    drop((by_text, subjects));
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&m| {
        let m = m as usize;
        (rank[kept.subject[m] as usize], kept.sent[m], m)
    });
    drop(rank);
    let mut tree = Tree::new(kept, (0..n as u32).collect(), vec![NONE; n]);
    let mut roots: Vec<u32> = Vec::new();
    for m in order {
        match roots.last() {
            Some(&r) if tree.kept.subject[r as usize] == tree.kept.subject[m as usize] => {
                tree.append(r, m)
            }
            _ => roots.push(m),
        }
    }
    roots.sort_unstable_by_key(|&r| (tree.kept.sent[r as usize], r));
    (tree, roots)
}

/// Appends the `* THREAD` response data for `msgs`, which the answer calls `numbers`
/// (sequence numbers or UIDs), to `out`: the threads, each in parentheses.
pub fn threads(algorithm: Algorithm, msgs: Messages, numbers: &[u32], out: &mut Vec<u8>) {
    let (tree, roots) = match algorithm {
        Algorithm::OrderedSubject => ordered_subject(msgs),
        Algorithm::References => references(msgs),
    };
    let mut stack = Vec::new();
    for r in roots {
        tree.write(out, r, numbers, &mut stack);
    }
}

pub fn thread(s: &mut Context, t: &Thread, uid: bool) -> io::Result<Response> {
    // RFC 7162 3.1.9: THREAD answers as ever, but its MODSEQ key needs the MODSEQs.
    if let Some(refused) = search::modseqs_for(s, &t.key, "THREAD")? {
        return Ok(refused);
    }
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::not_selected());
    };
    let links = t.algorithm == Algorithm::References;
    let mut msgs = Messages::default();
    let mut numbers = Vec::new();
    let gathered = search::hits(sel, &t.key).and_then(|hits| {
        numbers.reserve_exact(hits.len());
        msgs.reserve(hits.len(), links);
        each(sel, &hits, false, |i, f| {
            numbers.push(match uid {
                true => sel.messages[i].uid,
                false => i as u32 + 1,
            });
            let k = &f.keys;
            msgs.push(
                f.sent(),
                k.subject,
                k.reply,
                links.then(|| (k.id, k.parents())),
            );
        })
    });
    sel.cache.finish(sel.messages.names().map(base));
    if let Err(e) = gathered {
        return Ok(super::failed("THREAD", e));
    }
    let mut out = Vec::with_capacity(16 + numbers.len() * 9);
    out.extend_from_slice(b"* THREAD ");
    threads(t.algorithm, msgs, &numbers, &mut out);
    if out.len() == 9 {
        out.pop();
    }
    out.extend_from_slice(b"\r\n");
    s.conn.output.write_all(&out)?;
    Ok(super::completed("THREAD", uid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::keys::Keys;

    /// The messages of `list` as THREAD sees them: (subject, sent date, the rest of a
    /// header).
    fn messages(list: &[(&str, i64, &str)]) -> Messages {
        let mut msgs = Messages::default();
        for &(subject, sent, hdr) in list {
            let hdr = format!("Subject: {subject}\n{hdr}\n");
            let k = Keys::of(hdr.as_bytes(), true);
            let parents = k.parents.iter().map(Vec::as_slice);
            let links = Some((k.id.as_deref(), parents));
            msgs.push(sent, k.subject.as_bytes(), k.reply, links);
        }
        msgs
    }

    fn render(tree: Tree, roots: Vec<u32>) -> String {
        let numbers: Vec<u32> = (1..=tree.kept.sent.len() as u32).collect();
        let mut out = Vec::new();
        for r in roots {
            tree.write(&mut out, r, &numbers, &mut Vec::new());
        }
        String::from_utf8(out).unwrap()
    }

    fn threads(algorithm: Algorithm, msgs: Messages, numbers: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        super::threads(algorithm, msgs, numbers, &mut out);
        out
    }

    #[test]
    fn ordered_subject_threads() {
        let facts = messages(&[
            ("Hello", 10, ""),
            ("Other", 20, ""),
            ("Re: hello", 30, ""),
            ("re: HELLO", 40, ""),
            ("Re: other", 50, ""),
        ]);
        let (tree, roots) = ordered_subject(facts);
        assert_eq!(render(tree, roots), "(1 (3)(4))(2 5)");
    }

    #[test]
    fn references_threads() {
        let facts = messages(&[
            ("a", 10, "Message-ID: <1@x>\n"),
            ("Re: a", 20, "Message-ID: <2@x>\nReferences: <1@x>\n"),
            ("Re: a", 30, "Message-ID: <3@x>\nReferences: <1@x> <2@x>\n"),
            ("Re: a", 40, "Message-ID: <4@x>\nIn-Response-To: <1@x>\n"),
            ("b", 50, "Message-ID: <5@x>\nReferences: <missing@x>\n"),
            ("Re: b", 60, "Message-ID: <6@x>\nReferences: <missing@x>\n"),
            ("c", 70, "Message-ID: <7@x>\n"),
        ]);
        let (tree, roots) = references(facts);
        // 1 has children 2 (with child 3) and 4; 5 and 6 share a missing parent; 7 alone.
        assert_eq!(render(tree, roots), "(1 (2 3)(4))((5)(6))(7)");
    }

    #[test]
    fn references_merges_by_subject_and_survives_loops() {
        let facts = messages(&[
            ("topic", 10, "Message-ID: <1@x>\nReferences: <2@x>\n"),
            ("Re: topic", 20, "Message-ID: <2@x>\nReferences: <1@x>\n"),
            ("Re: unrelated", 30, "Message-ID: <3@x>\n"),
            ("unrelated", 40, "Message-ID: <4@x>\n"),
        ]);
        let (tree, roots) = references(facts);
        // 1 and 2 name each other: the link that would close the loop is not made, so 2
        // (the parent 1 named) heads the thread. 3 and 4 share a base subject and 3 is
        // the reply: step 5.C makes it 4's child.
        assert_eq!(render(tree, roots), "(2 1)(4 3)");
    }

    #[test]
    fn references_gives_messages_without_an_id_of_their_own_a_node() {
        // RFC 5256 3, step 1.A: a message without a Message-ID, or with one an earlier
        // message has, is threaded as if it had a unique id.
        let facts = messages(&[
            ("a", 10, "Message-ID: <1@x>\n"),
            ("Re: a", 20, "References: <1@x>\n"),
            ("b", 30, "Message-ID: <1@x>\n"),
            ("c", 40, ""),
            ("Re: c", 50, "Message-ID: <5@x>\nReferences: <1@x> <9@x>\n"),
        ]);
        let (tree, roots) = references(facts);
        // 5 hangs under the missing <9@x>, which hangs under 1: pruned, 5 is 1's child.
        assert_eq!(render(tree, roots), "(1 (2)(5))(3)(4)");
    }

    /// Adds a message with id `<id@x>` whose parents are the ids `parents`.
    fn linked(msgs: &mut Messages, id: usize, parents: impl Iterator<Item = usize>, sent: i64) {
        let id = format!("{id}@x");
        let parents: Vec<String> = parents.map(|p| format!("{p}@x")).collect();
        let links = Some((Some(id.as_bytes()), parents.iter().map(|p| p.as_bytes())));
        msgs.push(sent, b"", false, links);
    }

    #[test]
    fn deep_reference_chains_neither_overflow_nor_walk() {
        // 128,000 references overflowed the stack; here they are not even cut to
        // MAX_REFERENCES (that is msgid's job), and the dummies they make are pruned.
        let mut one = Messages::default();
        linked(&mut one, 0, 1..=128_000, 0);
        assert_eq!(threads(Algorithm::References, one, &[1]), b"(1)");
        // 100,000 messages, each a reply to the one before: one chain, written inline.
        let n = 100_000;
        let mut chain = Messages::default();
        for i in 0..n {
            linked(&mut chain, i, (i > 0).then(|| i - 1).into_iter(), i as i64);
        }
        let numbers: Vec<u32> = (1..=n as u32).collect();
        let out = threads(Algorithm::References, chain, &numbers);
        let expected: Vec<String> = numbers.iter().map(u32::to_string).collect();
        assert_eq!(out, format!("({})", expected.join(" ")).into_bytes());
    }

    #[test]
    fn deep_nesting_is_written_without_recursion() {
        // Message 2j has two replies: 2j+1 (a leaf) and 2j+2, which goes on the same way:
        // (1 (2)(3 (4)(5 ...))), 50,000 levels deep.
        let n = 100_001;
        let mut msgs = Messages::default();
        for i in 0..n {
            let parent = match i {
                0 => None,
                i if i % 2 == 1 => Some(i - 1),
                i => Some(i - 2),
            };
            linked(&mut msgs, i, parent.into_iter(), i as i64);
        }
        let numbers: Vec<u32> = (1..=n as u32).collect();
        let out = String::from_utf8(threads(Algorithm::References, msgs, &numbers)).unwrap();
        assert!(out.starts_with("(1 (2)(3 (4)(5 (6)(7 "), "{}", &out[..40]);
        assert!(out.ends_with(&format!("(100000)(100001){}", ")".repeat(50_000))));
        // ORDEREDSUBJECT: one subject for all, one thread.
        let same: Vec<(&str, i64, &str)> = (0..n).map(|i| ("same", i as i64, "")).collect();
        let out = threads(Algorithm::OrderedSubject, messages(&same), &numbers);
        assert!(out.starts_with(b"(1 (2)(3)(4)"));
        assert!(out.ends_with(b"(100001))"));
    }

    #[test]
    fn references_that_loop_at_depth_are_not_linked() {
        // A long chain, then a message whose References would hang the chain's root
        // under its own tip: the loop check must see through the whole depth.
        let n = 50_000;
        let mut msgs = Messages::default();
        linked(&mut msgs, 0, 1..n, 0);
        let mut back: Vec<usize> = (1..n).rev().collect();
        back.push(n + 1);
        linked(&mut msgs, n, back.into_iter(), 1);
        let out = threads(Algorithm::References, msgs, &[1, 2]);
        // The link <2@x> -> <1@x> would close a loop and is not made; <n+1@x> hangs under
        // the chain's root <1@x> and message 2 under it. Pruned, the root dummy keeps
        // its two messages.
        assert_eq!(out, b"((1)(2))");
    }
}
