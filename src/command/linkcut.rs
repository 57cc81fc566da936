//! A link-cut forest (Sleator and Tarjan, 1983) over nodes `0..n`: link a tree's root
//! under any node, cut a node from its parent, and find the root of a node's tree, each in
//! amortized O(log n). THREAD REFERENCES asks "would this link close a loop?" once per
//! reference; walking up the tree instead costs the depth of the tree each time, which a
//! message with 64,000 references makes 64,000 deep. Nothing here recurses.
//!
//! The forest is rooted (never re-rooted), so no path reversal is needed: each preferred
//! path is a splay tree ordered by depth, and a splay tree's root keeps a pointer to the
//! node its path hangs from.

const NIL: u32 = u32::MAX;

/// Node numbers are u32 (as THREAD's are): 12 bytes a node.
#[derive(Default)]
pub struct Forest {
    left: Vec<u32>,
    right: Vec<u32>,
    /// The parent in the splay tree, or for a splay tree's root, the path-parent.
    up: Vec<u32>,
}

impl Forest {
    /// `n` nodes, each a tree of its own, with room for `room` nodes in all.
    pub fn new(n: usize, room: usize) -> Forest {
        let column = || {
            let mut v = Vec::with_capacity(room.max(n));
            v.resize(n, NIL);
            v
        };
        Forest {
            left: column(),
            right: column(),
            up: column(),
        }
    }

    /// A new node, a tree of its own; returns its number.
    pub fn add(&mut self) -> u32 {
        self.left.push(NIL);
        self.right.push(NIL);
        self.up.push(NIL);
        self.up.len() as u32 - 1
    }

    /// The root of the tree that holds `x`.
    pub fn root(&mut self, x: u32) -> u32 {
        self.access(x);
        let mut r = x;
        while self.left[r as usize] != NIL {
            r = self.left[r as usize];
        }
        self.splay(r);
        r
    }

    /// Makes `child`, the root of its tree, a child of `parent`, which must be in another
    /// tree.
    pub fn link(&mut self, child: u32, parent: u32) {
        self.access(child);
        debug_assert_eq!(self.left[child as usize], NIL, "only a root is linked");
        self.up[child as usize] = parent;
    }

    /// Cuts `x` from its parent, if it has one.
    pub fn cut(&mut self, x: u32) {
        self.access(x);
        let l = self.left[x as usize];
        if l != NIL {
            self.up[l as usize] = NIL;
            self.left[x as usize] = NIL;
        }
    }

    fn is_splay_root(&self, x: u32) -> bool {
        let p = self.up[x as usize];
        p == NIL || (self.left[p as usize] != x && self.right[p as usize] != x)
    }

    fn rotate(&mut self, x: u32) {
        let p = self.up[x as usize];
        let g = self.up[p as usize];
        let p_was_root = self.is_splay_root(p);
        if self.left[p as usize] == x {
            let b = self.right[x as usize];
            self.left[p as usize] = b;
            if b != NIL {
                self.up[b as usize] = p;
            }
            self.right[x as usize] = p;
        } else {
            let b = self.left[x as usize];
            self.right[p as usize] = b;
            if b != NIL {
                self.up[b as usize] = p;
            }
            self.left[x as usize] = p;
        }
        self.up[p as usize] = x;
        self.up[x as usize] = g;
        if !p_was_root {
            if self.left[g as usize] == p {
                self.left[g as usize] = x;
            } else {
                self.right[g as usize] = x;
            }
        }
    }

    fn splay(&mut self, x: u32) {
        while !self.is_splay_root(x) {
            let p = self.up[x as usize];
            if !self.is_splay_root(p) {
                let g = self.up[p as usize];
                let zig_zig = (self.left[g as usize] == p) == (self.left[p as usize] == x);
                self.rotate(if zig_zig { p } else { x });
            }
            self.rotate(x);
        }
    }

    /// Makes the path from the root to `x` the preferred one, with `x` at the root of its
    /// splay tree and nothing deeper on its path.
    fn access(&mut self, x: u32) {
        self.splay(x);
        self.right[x as usize] = NIL;
        while self.up[x as usize] != NIL {
            let w = self.up[x as usize];
            self.splay(w);
            self.right[w as usize] = x;
            self.splay(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random links and cuts, checked against plain parent pointers.
    #[test]
    fn roots_match_a_plain_forest() {
        let n = 300;
        let mut f = Forest::new(n, n);
        let mut parent: Vec<Option<u32>> = vec![None; n];
        let plain_root = |parent: &[Option<u32>], mut x: u32| {
            while let Some(p) = parent[x as usize] {
                x = p;
            }
            x
        };
        // A small xorshift, so the test is the same every run.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as u32
        };
        for step in 0..20_000 {
            let (a, b) = (rand(n), rand(n));
            if step % 3 == 0 {
                f.cut(a);
                parent[a as usize] = None;
            } else if parent[a as usize].is_none() && plain_root(&parent, b) != a {
                f.link(a, b);
                parent[a as usize] = Some(b);
            }
            let x = rand(n);
            assert_eq!(f.root(x), plain_root(&parent, x), "step {step}");
        }
    }

    #[test]
    fn a_long_chain_neither_recurses_nor_walks() {
        let mut f = Forest::default();
        let n = 200_000u32;
        for i in 0..n {
            f.add();
            if i > 0 {
                f.link(i, i - 1);
                assert_eq!(f.root(i), 0);
            }
        }
        f.cut(n / 2);
        assert_eq!(f.root(n - 1), n / 2);
        assert_eq!(f.root(n / 2 - 1), 0);
    }
}
