//! THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT groups by base subject; REFERENCES
//! rebuilds reply trees from Message-ID, References and In-Reply-To, then merges threads
//! with the same base subject, step by step as the RFC describes.

use std::collections::HashMap;
use std::io::{self, Write};

use super::search::{self, Key};
use super::sort::{facts_of, Facts};
use super::Reply;
use crate::message::header;
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

/// A node of the thread tree: a message (its number in the answer) or a dummy.
#[derive(Default)]
struct Node {
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Tree {
    nodes: Vec<Node>,
    facts: Vec<Facts>,
}

impl Tree {
    fn is_ancestor(&self, a: usize, mut b: usize) -> bool {
        while let Some(p) = self.nodes[b].parent {
            if p == a {
                return true;
            }
            b = p;
        }
        false
    }

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
    fn sort_key(&self, n: usize) -> (i64, usize) {
        match self.nodes[n].message {
            Some(m) => (self.facts[m].sent, m),
            None => self.nodes[n]
                .children
                .first()
                .map_or((i64::MAX, usize::MAX), |&c| self.sort_key(c)),
        }
    }

    fn sort_children(&mut self, list: &mut [usize]) {
        for &n in list.iter() {
            let mut children = std::mem::take(&mut self.nodes[n].children);
            self.sort_children(&mut children);
            self.nodes[n].children = children;
        }
        list.sort_by_key(|&n| self.sort_key(n));
    }

    /// The subject a root-level thread goes by (step 5.B.i).
    fn thread_subject(&self, n: usize) -> Option<(&str, bool)> {
        let m = match self.nodes[n].message {
            Some(m) => m,
            None => self.nodes[*self.nodes[n].children.first()?].message?,
        };
        let f = &self.facts[m];
        (!f.subject.is_empty()).then_some((f.subject.as_str(), f.reply))
    }

    fn write(&self, out: &mut Vec<u8>, n: usize, numbers: &[u32]) {
        out.push(b'(');
        self.members(out, n, numbers);
        out.push(b')');
    }

    /// `thread-members`: a chain of single children inline, then the rest nested.
    fn members(&self, out: &mut Vec<u8>, mut n: usize, numbers: &[u32]) {
        let mut first = true;
        loop {
            match self.nodes[n].message {
                Some(m) => {
                    if !first {
                        out.push(b' ');
                    }
                    out.extend_from_slice(numbers[m].to_string().as_bytes());
                    first = false;
                }
                None => {
                    // A dummy: its children are nested threads.
                    for &c in &self.nodes[n].children {
                        self.write(out, c, numbers);
                    }
                    return;
                }
            }
            match self.nodes[n].children.as_slice() {
                [] => return,
                [only] if self.nodes[*only].message.is_some() => n = *only,
                children => {
                    out.push(b' ');
                    for &c in children {
                        self.write(out, c, numbers);
                    }
                    return;
                }
            }
        }
    }
}

/// The Message-IDs in a header value, normalized (RFC 5256: quoting removed).
fn message_ids(value: &[u8]) -> Vec<Vec<u8>> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = memchr::memchr(b'<', rest) {
        let Some(close) = memchr::memchr(b'>', &rest[open..]) else {
            break;
        };
        let id: Vec<u8> = rest[open + 1..open + close]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'"' | b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        if id.contains(&b'@') {
            ids.push(id);
        }
        rest = &rest[open + close + 1..];
    }
    ids
}

fn references(facts: Vec<Facts>) -> (Tree, Vec<usize>) {
    let mut tree = Tree {
        nodes: Vec::new(),
        facts,
    };
    let mut by_id: HashMap<Vec<u8>, usize> = HashMap::new();
    let node_for = |tree: &mut Tree, by_id: &mut HashMap<Vec<u8>, usize>, id: &[u8]| {
        *by_id.entry(id.to_vec()).or_insert_with(|| {
            tree.nodes.push(Node::default());
            tree.nodes.len() - 1
        })
    };
    for m in 0..tree.facts.len() {
        let hdr = tree.facts[m].header.clone();
        let own = header::get(&hdr, b"Message-ID")
            .map(|v| message_ids(&v))
            .and_then(|ids| ids.into_iter().next());
        // Step 1.A: no or a duplicate Message-ID gets a node of its own.
        let me = match own {
            Some(id)
                if by_id
                    .get(&id)
                    .is_none_or(|&n| tree.nodes[n].message.is_none()) =>
            {
                node_for(&mut tree, &mut by_id, &id)
            }
            _ => {
                tree.nodes.push(Node::default());
                tree.nodes.len() - 1
            }
        };
        tree.nodes[me].message = Some(m);
        let mut refs = header::get(&hdr, b"References")
            .map(|v| message_ids(&v))
            .unwrap_or_default();
        if refs.is_empty() {
            refs = header::get(&hdr, b"In-Reply-To")
                .map(|v| message_ids(&v))
                .unwrap_or_default();
            refs.truncate(1);
        }
        let ref_nodes: Vec<usize> = refs
            .iter()
            .map(|r| node_for(&mut tree, &mut by_id, r))
            .collect();
        for pair in ref_nodes.windows(2) {
            let (p, c) = (pair[0], pair[1]);
            if p != c && tree.nodes[c].parent.is_none() && !tree.is_ancestor(c, p) {
                tree.link(p, c);
            }
        }
        // Step 1.B: the last reference is the parent.
        tree.unlink(me);
        if let Some(&p) = ref_nodes.last() {
            if p != me && !tree.is_ancestor(me, p) {
                tree.link(p, me);
            }
        }
    }
    // Step 2: the roots.
    let roots: Vec<usize> = (0..tree.nodes.len())
        .filter(|&n| tree.nodes[n].parent.is_none())
        .collect();
    // Step 3: prune dummies.
    let mut pruned = Vec::new();
    for r in roots {
        prune(&mut tree, r, true, &mut pruned);
    }
    let mut roots = pruned;
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
            for slot in merged.iter_mut() {
                if *slot == t {
                    *slot = d;
                }
            }
        }
    }
    // Threads merged later may still be listed where they stood: keep roots only.
    let mut roots: Vec<usize> = merged
        .into_iter()
        .filter(|&n| !gone[n] && tree.nodes[n].parent.is_none())
        .collect();
    roots.dedup();
    // Step 6: sort every set of siblings.
    tree.sort_children(&mut roots);
    (tree, roots)
}

/// Step 3: dummies without children go; a dummy's children take its place, except that
/// at the root level they do only when there is one.
fn prune(tree: &mut Tree, n: usize, at_root: bool, out: &mut Vec<usize>) {
    let children = std::mem::take(&mut tree.nodes[n].children);
    let mut kept = Vec::new();
    for c in children {
        tree.nodes[c].parent = None;
        prune(tree, c, false, &mut kept);
    }
    if tree.nodes[n].message.is_none() && (kept.len() <= 1 || !at_root) {
        for c in kept {
            out.push(c);
        }
        return;
    }
    for c in kept {
        tree.link(n, c);
    }
    out.push(n);
}

fn ordered_subject(facts: Vec<Facts>) -> (Tree, Vec<usize>) {
    let mut order: Vec<usize> = (0..facts.len()).collect();
    order.sort_by(|&a, &b| {
        (&facts[a].subject, facts[a].sent, a).cmp(&(&facts[b].subject, facts[b].sent, b))
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
            Some(&r) if tree.facts[r].subject == tree.facts[m].subject => tree.link(r, m),
            _ => roots.push(m),
        }
    }
    roots.sort_by_key(|&r| (tree.facts[r].sent, r));
    (tree, roots)
}

pub fn thread(s: &mut Session, t: &Thread, uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let rows = match search::hits(sel, &t.key).and_then(|hits| facts_of(sel, &hits)) {
        Ok(rows) => rows,
        Err(e) => return Ok(super::failed("THREAD", e)),
    };
    let numbers: Vec<u32> = rows
        .iter()
        .map(|&(i, _)| {
            if uid {
                sel.messages[i].uid
            } else {
                i as u32 + 1
            }
        })
        .collect();
    let all: Vec<Facts> = rows.into_iter().map(|(_, f)| f).collect();
    let (tree, roots) = match t.algorithm {
        Algorithm::OrderedSubject => ordered_subject(all),
        Algorithm::References => references(all),
    };
    let mut line = b"* THREAD".to_vec();
    if !roots.is_empty() {
        line.push(b' ');
    }
    for r in roots {
        tree.write(&mut line, r, &numbers);
    }
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

    fn msg(subject: &str, sent: i64, hdr: &str) -> Facts {
        let (subject, reply) = crate::message::subject::base(subject.as_bytes());
        Facts {
            sent,
            subject,
            reply,
            header: hdr.as_bytes().to_vec(),
            ..Facts::default()
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
}
