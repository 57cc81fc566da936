//! A link-cut forest (Sleator and Tarjan, 1983) over nodes `0..n`: link a tree's root
//! under any node, cut a node from its parent, and find the root of a node's tree, each in
//! amortized O(log n). THREAD REFERENCES asks "would this link close a loop?" once per
//! reference; walking up the tree instead costs the depth of the tree each time, which a
//! message with 64,000 references makes 64,000 deep. Nothing here recurses.
//!
//! The forest is rooted (never re-rooted), so no path reversal is needed: each preferred
//! path is a splay tree ordered by depth, and a splay tree's root keeps a pointer to the
//! node its path hangs from.

const NIL: usize = usize::MAX;

#[derive(Default)]
pub struct Forest {
    left: Vec<usize>,
    right: Vec<usize>,
    /// The parent in the splay tree, or for a splay tree's root, the path-parent.
    up: Vec<usize>,
}

impl Forest {
    /// A new node, a tree of its own; returns its number.
    pub fn add(&mut self) -> usize {
        self.left.push(NIL);
        self.right.push(NIL);
        self.up.push(NIL);
        self.up.len() - 1
    }

    /// The root of the tree that holds `x`.
    pub fn root(&mut self, x: usize) -> usize {
        self.access(x);
        let mut r = x;
        while self.left[r] != NIL {
            r = self.left[r];
        }
        self.splay(r);
        r
    }

    /// Makes `child`, the root of its tree, a child of `parent`, which must be in another
    /// tree.
    pub fn link(&mut self, child: usize, parent: usize) {
        self.access(child);
        debug_assert_eq!(self.left[child], NIL, "only a root is linked");
        self.up[child] = parent;
    }

    /// Cuts `x` from its parent, if it has one.
    pub fn cut(&mut self, x: usize) {
        self.access(x);
        let l = self.left[x];
        if l != NIL {
            self.up[l] = NIL;
            self.left[x] = NIL;
        }
    }

    fn is_splay_root(&self, x: usize) -> bool {
        let p = self.up[x];
        p == NIL || (self.left[p] != x && self.right[p] != x)
    }

    fn rotate(&mut self, x: usize) {
        let p = self.up[x];
        let g = self.up[p];
        let p_was_root = self.is_splay_root(p);
        if self.left[p] == x {
            let b = self.right[x];
            self.left[p] = b;
            if b != NIL {
                self.up[b] = p;
            }
            self.right[x] = p;
        } else {
            let b = self.left[x];
            self.right[p] = b;
            if b != NIL {
                self.up[b] = p;
            }
            self.left[x] = p;
        }
        self.up[p] = x;
        self.up[x] = g;
        if !p_was_root {
            if self.left[g] == p {
                self.left[g] = x;
            } else {
                self.right[g] = x;
            }
        }
    }

    fn splay(&mut self, x: usize) {
        while !self.is_splay_root(x) {
            let p = self.up[x];
            if !self.is_splay_root(p) {
                let g = self.up[p];
                let zig_zig = (self.left[g] == p) == (self.left[p] == x);
                self.rotate(if zig_zig { p } else { x });
            }
            self.rotate(x);
        }
    }

    /// Makes the path from the root to `x` the preferred one, with `x` at the root of its
    /// splay tree and nothing deeper on its path.
    fn access(&mut self, x: usize) {
        self.splay(x);
        self.right[x] = NIL;
        while self.up[x] != NIL {
            let w = self.up[x];
            self.splay(w);
            self.right[w] = x;
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
        let mut f = Forest::default();
        let mut parent: Vec<Option<usize>> = vec![None; n];
        for _ in 0..n {
            f.add();
        }
        let plain_root = |parent: &[Option<usize>], mut x: usize| {
            while let Some(p) = parent[x] {
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
            (seed % m as u64) as usize
        };
        for step in 0..20_000 {
            let (a, b) = (rand(n), rand(n));
            if step % 3 == 0 {
                f.cut(a);
                parent[a] = None;
            } else if parent[a].is_none() && plain_root(&parent, b) != a {
                f.link(a, b);
                parent[a] = Some(b);
            }
            let x = rand(n);
            assert_eq!(f.root(x), plain_root(&parent, x), "step {step}");
        }
    }

    #[test]
    fn a_long_chain_neither_recurses_nor_walks() {
        let mut f = Forest::default();
        let n = 200_000;
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
