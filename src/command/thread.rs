//! THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT groups by base subject; REFERENCES
//! rebuilds reply trees from Message-ID, References and In-Reply-To, then merges threads
//! with the same base subject, step by step as the RFC describes.
//!
//! Mail decides how deep the trees are, so nothing here recurses or walks a chain once per
//! link: step 1 keeps parent pointers and asks a link-cut forest whether a link would
//! close a loop; children lists are built once after it; pruning, sorting and output go
//! over the trees with explicit stacks. Each message brings at most
//! [`msgid::MAX_REFERENCES`] references.

use std::collections::HashMap;
use std::io::{self, Write};

use super::linkcut::Forest;
use super::search::{self, Key};
use super::sort::rows_of;
use super::Reply;
use crate::maildir::flags::base;
use crate::maildir::index::cache::record::Want;
use crate::message::keys::Keys;
#[cfg(doc)]
use crate::message::msgid;
use crate::session::Session;
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

/// One message as THREAD sees it: its sent date (RFC 5256 2.2) and its keys.
pub struct Message {
    pub sent: i64,
    pub keys: Keys,
}

/// A node of the thread tree: a message (its number in the answer) or a dummy.
#[derive(Default)]
struct Node {
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Tree {
    nodes: Vec<Node>,
    facts: Vec<Message>,
}

impl Tree {
    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    /// The sent date and message order a node sorts by (a dummy: its first child's).
    fn sort_key(&self, mut n: usize) -> (i64, usize) {
        loop {
            match (self.nodes[n].message, self.nodes[n].children.first()) {
                (Some(m), _) => return (self.facts[m].sent, m),
                (None, Some(&c)) => n = c,
                (None, None) => return (i64::MAX, usize::MAX),
            }
        }
    }

    /// The nodes under `root` (itself included), every node after all of its children.
    fn post_order(&self, root: usize) -> Vec<usize> {
        let mut order = Vec::new();
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                order.push(n);
            } else {
                stack.push((n, true));
                stack.extend(self.nodes[n].children.iter().rev().map(|&c| (c, false)));
            }
        }
        order
    }

    /// Step 6: sorts every set of siblings under `roots`, and `roots`, deepest first so
    /// that a dummy's first child is known before the dummy is placed.
    fn sort_all(&mut self, roots: &mut [usize]) {
        for &r in roots.iter() {
            for n in self.post_order(r) {
                let mut children = std::mem::take(&mut self.nodes[n].children);
                children.sort_by_key(|&c| self.sort_key(c));
                self.nodes[n].children = children;
            }
        }
        roots.sort_by_key(|&n| self.sort_key(n));
    }

    /// The subject a root-level thread goes by (step 5.B.i).
    fn thread_subject(&self, n: usize) -> Option<(&str, bool)> {
        let m = match self.nodes[n].message {
            Some(m) => m,
            None => self.nodes[*self.nodes[n].children.first()?].message?,
        };
        let f = &self.facts[m].keys;
        (!f.subject.is_empty()).then_some((f.subject.as_str(), f.reply))
    }

    /// Writes the thread under `root` (`"(" thread-members / thread-nested ")"`): a chain
    /// of single children inline, then the rest nested.
    fn write(&self, out: &mut Vec<u8>, root: usize, numbers: &[u32]) {
        // `Some(n)`: the thread of `n` is still to be written; `None`: a `)` to close.
        let mut stack = vec![Some(root)];
        while let Some(task) = stack.pop() {
            let Some(mut n) = task else {
                out.push(b')');
                continue;
            };
            out.push(b'(');
            stack.push(None);
            let mut first = true;
            let nested: &[usize] = loop {
                let Some(m) = self.nodes[n].message else {
                    // A dummy: its children are nested threads.
                    break &self.nodes[n].children;
                };
                if !first {
                    out.push(b' ');
                }
                out.extend_from_slice(numbers[m].to_string().as_bytes());
                first = false;
                match self.nodes[n].children.as_slice() {
                    [] => break &[],
                    [only] if self.nodes[*only].message.is_some() => n = *only,
                    children => {
                        out.push(b' ');
                        break children;
                    }
                }
            };
            stack.extend(nested.iter().rev().map(|&c| Some(c)));
        }
    }
}

fn references(facts: Vec<Message>) -> (Tree, Vec<usize>) {
    let mut tree = Tree {
        nodes: Vec::new(),
        facts,
    };
    // The loop check of step 1 asks the forest, which mirrors every parent pointer.
    let mut forest = Forest::default();
    let mut by_id: HashMap<Vec<u8>, usize> = HashMap::new();
    let new_node = |tree: &mut Tree, forest: &mut Forest| {
        tree.nodes.push(Node::default());
        forest.add()
    };
    for m in 0..tree.facts.len() {
        let own = tree.facts[m].keys.id.take();
        let refs = std::mem::take(&mut tree.facts[m].keys.parents);
        // Step 1.A: no or a duplicate Message-ID gets a node of its own.
        let me = match own {
            Some(id)
                if by_id
                    .get(&id)
                    .is_none_or(|&n| tree.nodes[n].message.is_none()) =>
            {
                *by_id
                    .entry(id)
                    .or_insert_with(|| new_node(&mut tree, &mut forest))
            }
            _ => new_node(&mut tree, &mut forest),
        };
        tree.nodes[me].message = Some(m);
        let ref_nodes: Vec<usize> = refs
            .into_iter()
            .map(|r| {
                *by_id
                    .entry(r)
                    .or_insert_with(|| new_node(&mut tree, &mut forest))
            })
            .collect();
        // Links already made stay; a link that would close a loop is not made. `c` has
        // no parent, so `c` is an ancestor of `p` exactly when it is the root of `p`'s tree.
        for pair in ref_nodes.windows(2) {
            let (p, c) = (pair[0], pair[1]);
            if tree.nodes[c].parent.is_none() && forest.root(p) != c {
                tree.nodes[c].parent = Some(p);
                forest.link(c, p);
            }
        }
        // Step 1.B: the last reference is the parent.
        if tree.nodes[me].parent.take().is_some() {
            forest.cut(me);
        }
        if let Some(&p) = ref_nodes.last() {
            if forest.root(p) != me {
                tree.nodes[me].parent = Some(p);
                forest.link(me, p);
            }
        }
    }
    drop(forest);
    for n in 0..tree.nodes.len() {
        if let Some(p) = tree.nodes[n].parent {
            tree.nodes[p].children.push(n);
        }
    }
    // Step 2: the roots.
    let roots: Vec<usize> = (0..tree.nodes.len())
        .filter(|&n| tree.nodes[n].parent.is_none())
        .collect();
    // Step 3: prune dummies.
    let mut roots = prune(&mut tree, &roots);
    // Step 4: sort the roots.
    roots.sort_by_key(|&n| {
        let mut c = std::mem::take(&mut tree.nodes[n].children);
        c.sort_by_key(|&x| tree.sort_key(x));
        tree.nodes[n].children = c;
        tree.sort_key(n)
    });
    // Step 5: merge threads by subject.
    let mut table: HashMap<String, usize> = HashMap::new();
    for &r in &roots {
        let Some((subject, reply)) = tree.thread_subject(r) else {
            continue;
        };
        match table.get(subject) {
            None => {
                table.insert(subject.to_string(), r);
            }
            Some(&t) => {
                let t_reply = tree.thread_subject(t).is_some_and(|(_, re)| re);
                let r_dummy = tree.nodes[r].message.is_none();
                if tree.nodes[t].message.is_some() && (r_dummy || (t_reply && !reply)) {
                    table.insert(subject.to_string(), r);
                }
            }
        }
    }
    let mut merged: Vec<usize> = Vec::new();
    let mut gone = vec![false; tree.nodes.len()];
    // A thread that a new dummy took in stands in the list as that dummy.
    let mut replaced: HashMap<usize, usize> = HashMap::new();
    for r in roots {
        let Some((subject, reply)) = tree.thread_subject(r).map(|(s, re)| (s.to_string(), re))
        else {
            merged.push(r);
            continue;
        };
        let t = table[&subject];
        if t == r {
            merged.push(r);
            continue;
        }
        let t_dummy = tree.nodes[t].message.is_none();
        let r_dummy = tree.nodes[r].message.is_none();
        let t_reply = tree.thread_subject(t).is_some_and(|(_, re)| re);
        if t_dummy && r_dummy {
            for c in std::mem::take(&mut tree.nodes[r].children) {
                tree.nodes[c].parent = None;
                tree.link(t, c);
            }
            gone[r] = true;
        } else if t_dummy || (reply && !t_reply && !r_dummy) {
            tree.link(t, r);
        } else {
            tree.nodes.push(Node::default());
            gone.push(false);
            let d = tree.nodes.len() - 1;
            tree.link(d, t);
            tree.link(d, r);
            table.insert(subject, d);
            replaced.insert(t, d);
        }
    }
    // Threads merged later may still be listed where they stood: keep roots only.
    let mut roots: Vec<usize> = merged
        .into_iter()
        .map(|n| replaced.get(&n).copied().unwrap_or(n))
        .filter(|&n| !gone[n] && tree.nodes[n].parent.is_none())
        .collect();
    roots.dedup();
    // Step 6: sort every set of siblings.
    tree.sort_all(&mut roots);
    (tree, roots)
}

/// Step 3: dummies without children go; a dummy's children take its place, except that
/// at the root level they do only when there is one. Returns the new roots.
fn prune(tree: &mut Tree, roots: &[usize]) -> Vec<usize> {
    // What each pruned subtree leaves for its parent: itself, or a dummy's children.
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); tree.nodes.len()];
    let mut out = Vec::new();
    for &r in roots {
        for n in tree.post_order(r) {
            let mut kept = Vec::new();
            for c in std::mem::take(&mut tree.nodes[n].children) {
                kept.append(&mut left[c]);
            }
            if tree.nodes[n].message.is_none() && (kept.len() <= 1 || n != r) {
                left[n] = kept;
                continue;
            }
            for &c in &kept {
                tree.nodes[c].parent = Some(n);
            }
            tree.nodes[n].children = kept;
            left[n] = vec![n];
        }
        out.append(&mut left[r]);
    }
    for &n in &out {
        tree.nodes[n].parent = None;
    }
    out
}

fn ordered_subject(facts: Vec<Message>) -> (Tree, Vec<usize>) {
    let mut order: Vec<usize> = (0..facts.len()).collect();
    order.sort_by(|&a, &b| {
        (&facts[a].keys.subject, facts[a].sent, a).cmp(&(&facts[b].keys.subject, facts[b].sent, b))
    });
    let mut tree = Tree {
        nodes: (0..facts.len())
            .map(|m| Node {
                message: Some(m),
                ..Node::default()
            })
            .collect(),
        facts,
    };
    let mut roots: Vec<usize> = Vec::new();
    for m in order {
        match roots.last() {
            Some(&r) if tree.facts[r].keys.subject == tree.facts[m].keys.subject => tree.link(r, m),
            _ => roots.push(m),
        }
    }
    roots.sort_by_key(|&r| (tree.facts[r].sent, r));
    (tree, roots)
}

/// The `* THREAD` response data for messages with `facts`, which the answer calls
/// `numbers` (sequence numbers or UIDs): the threads, each in parentheses.
pub fn threads(algorithm: Algorithm, facts: Vec<Message>, numbers: &[u32]) -> Vec<u8> {
    let (tree, roots) = match algorithm {
        Algorithm::OrderedSubject => ordered_subject(facts),
        Algorithm::References => references(facts),
    };
    let mut out = Vec::new();
    for r in roots {
        tree.write(&mut out, r, numbers);
    }
    out
}

pub fn thread(s: &mut Session, t: &Thread, uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let want = Want {
        subject: true,
        addresses: false,
        links: t.algorithm == Algorithm::References,
    };
    let rows = search::hits(sel, &t.key).and_then(|hits| {
        rows_of(sel, &hits, want, false, |i, f| {
            let number = if uid {
                sel.messages[i].uid
            } else {
                i as u32 + 1
            };
            let m = Message {
                sent: f.sent(),
                keys: f.keys,
            };
            (number, m)
        })
    });
    sel.cache.finish(sel.messages.names().map(base));
    let (numbers, all): (Vec<u32>, Vec<Message>) = match rows {
        Ok(rows) => rows.into_iter().unzip(),
        Err(e) => return Ok(super::failed("THREAD", e)),
    };
    let threads = threads(t.algorithm, all, &numbers);
    let mut line = b"* THREAD".to_vec();
    if !threads.is_empty() {
        line.push(b' ');
    }
    line.extend_from_slice(&threads);
    line.extend_from_slice(b"\r\n");
    s.conn.output.write_all(&line)?;
    Ok(format!(
        "OK {}THREAD completed",
        if uid { "UID " } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(subject: &str, sent: i64, hdr: &str) -> Message {
        let hdr = format!("Subject: {subject}\n{hdr}\n");
        Message {
            sent,
            keys: Keys::of(hdr.as_bytes(), true),
        }
    }

    fn render(tree: Tree, roots: Vec<usize>) -> String {
        let numbers: Vec<u32> = (1..=tree.facts.len() as u32).collect();
        let mut out = Vec::new();
        for r in roots {
            tree.write(&mut out, r, &numbers);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ordered_subject_threads() {
        let facts = vec![
            msg("Hello", 10, ""),
            msg("Other", 20, ""),
            msg("Re: hello", 30, ""),
            msg("re: HELLO", 40, ""),
            msg("Re: other", 50, ""),
        ];
        let (tree, roots) = ordered_subject(facts);
        assert_eq!(render(tree, roots), "(1 (3)(4))(2 5)");
    }

    #[test]
    fn references_threads() {
        let facts = vec![
            msg("a", 10, "Message-ID: <1@x>\n"),
            msg("Re: a", 20, "Message-ID: <2@x>\nReferences: <1@x>\n"),
            msg("Re: a", 30, "Message-ID: <3@x>\nReferences: <1@x> <2@x>\n"),
            msg("Re: a", 40, "Message-ID: <4@x>\nIn-Reply-To: <1@x>\n"),
            msg("b", 50, "Message-ID: <5@x>\nReferences: <missing@x>\n"),
            msg("Re: b", 60, "Message-ID: <6@x>\nReferences: <missing@x>\n"),
            msg("c", 70, "Message-ID: <7@x>\n"),
        ];
        let (tree, roots) = references(facts);
        // 1 has children 2 (with child 3) and 4; 5 and 6 share a missing parent; 7 alone.
        assert_eq!(render(tree, roots), "(1 (2 3)(4))((5)(6))(7)");
    }

    #[test]
    fn references_merges_by_subject_and_survives_loops() {
        let facts = vec![
            msg("topic", 10, "Message-ID: <1@x>\nReferences: <2@x>\n"),
            msg("Re: topic", 20, "Message-ID: <2@x>\nReferences: <1@x>\n"),
            msg("Re: unrelated", 30, "Message-ID: <3@x>\n"),
            msg("unrelated", 40, "Message-ID: <4@x>\n"),
        ];
        let (tree, roots) = references(facts);
        // 1 and 2 name each other: the link that would close the loop is not made, so 2
        // (the parent 1 named) heads the thread. 3 and 4 share a base subject and 3 is
        // the reply: step 5.C makes it 4's child.
        assert_eq!(render(tree, roots), "(2 1)(4 3)");
    }

    /// A message with id `<id@x>` whose parents are the ids `parents`.
    fn linked(id: usize, parents: impl Iterator<Item = usize>, sent: i64) -> Message {
        Message {
            sent,
            keys: Keys {
                id: Some(format!("{id}@x").into_bytes()),
                parents: parents.map(|p| format!("{p}@x").into_bytes()).collect(),
                ..Keys::default()
            },
        }
    }

    #[test]
    fn deep_reference_chains_neither_overflow_nor_walk() {
        // 128,000 references overflowed the stack; here they are not even cut to
        // MAX_REFERENCES (that is msgid's job), and the dummies they make are pruned.
        let one = vec![linked(0, 1..=128_000, 0)];
        assert_eq!(threads(Algorithm::References, one, &[1]), b"(1)");
        // 100,000 messages, each a reply to the one before: one chain, written inline.
        let n = 100_000;
        let chain: Vec<Message> = (0..n)
            .map(|i| linked(i, (i > 0).then(|| i - 1).into_iter(), i as i64))
            .collect();
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
        let msgs: Vec<Message> = (0..n)
            .map(|i| {
                let parent = match i {
                    0 => None,
                    i if i % 2 == 1 => Some(i - 1),
                    i => Some(i - 2),
                };
                linked(i, parent.into_iter(), i as i64)
            })
            .collect();
        let numbers: Vec<u32> = (1..=n as u32).collect();
        let out = String::from_utf8(threads(Algorithm::References, msgs, &numbers)).unwrap();
        assert!(out.starts_with("(1 (2)(3 (4)(5 (6)(7 "), "{}", &out[..40]);
        assert!(out.ends_with(&format!("(100000)(100001){}", ")".repeat(50_000))));
        // ORDEREDSUBJECT: one subject for all, one thread.
        let same: Vec<Message> = (0..n).map(|i| msg("same", i as i64, "")).collect();
        let out = threads(Algorithm::OrderedSubject, same, &numbers);
        assert!(out.starts_with(b"(1 (2)(3)(4)"));
        assert!(out.ends_with(b"(100001))"));
    }

    #[test]
    fn references_that_loop_at_depth_are_not_linked() {
        // A long chain, then a message whose References would hang the chain's root
        // under its own tip: the loop check must see through the whole depth.
        let n = 50_000;
        let mut msgs = vec![linked(0, 1..n, 0)];
        let mut back: Vec<usize> = (1..n).rev().collect();
        back.push(n + 1);
        msgs.push(linked(n, back.into_iter(), 1));
        let out = threads(Algorithm::References, msgs, &[1, 2]);
        // The link <2@x> -> <1@x> would close a loop and is not made; <n+1@x> hangs under
        // the chain's root <1@x> and message 2 under it. Pruned, the root dummy keeps
        // its two messages.
        assert_eq!(out, b"((1)(2))");
    }
}
