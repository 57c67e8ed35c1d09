//! The Barnes-Hut quadtree: the repulsion of far groups of nodes is approximated by their total
//! mass at their centre of mass, which turns the O(n²) all-pairs repulsion into O(n log n).

/// Leaves hold up to this many points; summing a small bucket directly is cheaper than splitting.
const LEAF_SIZE: usize = 8;
/// Coincident points would split forever; below this depth they share one leaf.
const MAX_DEPTH: usize = 30;

#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    centre: [f32; 2],
    mass: f32,
    /// Side length of the square.
    size: f32,
    /// Internal: first child cell; leaf: first point in tree order.
    first: u32,
    /// Internal: number of children (1..=4); leaf: number of points.
    count: u32,
    leaf: bool,
}

/// A quadtree over a snapshot of positions. Building is sequential and queries only read it, so
/// the forces computed from it do not depend on thread timing.
pub(crate) struct QuadTree {
    cells: Vec<Cell>,
    /// Points and masses in tree order (each leaf's points are contiguous).
    points: Vec<[f32; 2]>,
    masses: Vec<f32>,
    /// `order[i]` is the node at tree position `i`.
    order: Vec<u32>,
}

impl QuadTree {
    pub(crate) fn build(positions: &[[f32; 2]], masses: &[f32]) -> Self {
        let mut order: Vec<u32> = (0..positions.len() as u32).collect();
        let (lo, size) = bounding_square(positions);
        let mut tree = Self {
            cells: Vec::with_capacity(positions.len() / 2 + 1),
            points: Vec::new(),
            masses: Vec::new(),
            order: Vec::new(),
        };
        tree.cells.push(Cell::default());
        tree.split(0, &mut order, 0, lo, size, 0, positions, masses);
        tree.points = order.iter().map(|&v| positions[v as usize]).collect();
        tree.masses = order.iter().map(|&v| masses[v as usize]).collect();
        tree.order = order;
        tree
    }

    /// Fills cell `index` with the points `order[..]` (which start at tree position `start`).
    #[allow(clippy::too_many_arguments)]
    fn split(
        &mut self,
        index: usize,
        order: &mut [u32],
        start: usize,
        lo: [f32; 2],
        size: f32,
        depth: usize,
        positions: &[[f32; 2]],
        masses: &[f32],
    ) {
        if order.len() <= LEAF_SIZE || depth >= MAX_DEPTH {
            let (centre, mass) = centre_of_mass(order.iter().map(|&v| {
                let v = v as usize;
                (positions[v], masses[v])
            }));
            self.cells[index] = Cell {
                centre,
                mass,
                size,
                first: start as u32,
                count: order.len() as u32,
                leaf: true,
            };
            return;
        }
        let half = size * 0.5;
        let mid = [lo[0] + half, lo[1] + half];
        let quadrants = quarter(order, mid, positions);
        let first_child = self.cells.len();
        let children: Vec<(usize, usize, [f32; 2])> = quadrants
            .into_iter()
            .filter(|&(_, len, _)| len > 0)
            .map(|(offset, len, q)| {
                let child_lo = [lo[0] + q[0] * half, lo[1] + q[1] * half];
                (offset, len, child_lo)
            })
            .collect();
        self.cells
            .resize(first_child + children.len(), Cell::default());
        for (k, &(offset, len, child_lo)) in children.iter().enumerate() {
            let part = &mut order[offset..offset + len];
            self.split(
                first_child + k,
                part,
                start + offset,
                child_lo,
                half,
                depth + 1,
                positions,
                masses,
            );
        }
        let kids = &self.cells[first_child..first_child + children.len()];
        let (centre, mass) = centre_of_mass(kids.iter().map(|c| (c.centre, c.mass)));
        self.cells[index] = Cell {
            centre,
            mass,
            size,
            first: first_child as u32,
            count: children.len() as u32,
            leaf: false,
        };
    }

    /// Nodes in tree order: neighbouring positions are close in space, so querying in this
    /// order reuses the cells just visited (cache locality).
    pub(crate) fn order(&self) -> &[u32] {
        &self.order
    }

    /// The position at tree position `i`.
    pub(crate) fn point(&self, i: usize) -> [f32; 2] {
        self.points[i]
    }

    /// `Σ m_u (p - q_u) / |p - q_u|²` over all points (a repulsion of strength `m_u / d`), far
    /// cells approximated when `size / distance < theta`. Points at `p` itself are skipped.
    pub(crate) fn repulsion(&self, p: [f32; 2], theta: f32) -> [f32; 2] {
        let theta2 = theta * theta;
        let mut force = [0.0f32; 2];
        let mut stack = [0u32; 4 * MAX_DEPTH + 8];
        let mut top = 1usize;
        while top > 0 {
            top -= 1;
            let cell = &self.cells[stack[top] as usize];
            let dx = p[0] - cell.centre[0];
            let dy = p[1] - cell.centre[1];
            let d2 = dx * dx + dy * dy;
            if cell.size * cell.size < theta2 * d2 {
                let s = cell.mass / d2;
                force[0] += dx * s;
                force[1] += dy * s;
            } else if cell.leaf {
                let range = cell.first as usize..(cell.first + cell.count) as usize;
                for (q, &m) in self.points[range.clone()].iter().zip(&self.masses[range]) {
                    let dx = p[0] - q[0];
                    let dy = p[1] - q[1];
                    let d2 = dx * dx + dy * dy;
                    if d2 > 1e-12 {
                        let s = m / d2;
                        force[0] += dx * s;
                        force[1] += dy * s;
                    }
                }
            } else {
                for child in cell.first..cell.first + cell.count {
                    stack[top] = child;
                    top += 1;
                }
            }
        }
        force
    }
}

/// Smallest axis-aligned square holding every point (a hair larger so the max edge is inside).
fn bounding_square(positions: &[[f32; 2]]) -> ([f32; 2], f32) {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in positions {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if positions.is_empty() {
        return ([0.0; 2], 1.0);
    }
    let size = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-6) * 1.0001;
    (lo, size)
}

fn centre_of_mass(items: impl Iterator<Item = ([f32; 2], f32)>) -> ([f32; 2], f32) {
    let (mut x, mut y, mut total) = (0.0f32, 0.0f32, 0.0f32);
    for (p, m) in items {
        x += p[0] * m;
        y += p[1] * m;
        total += m;
    }
    if total > 0.0 {
        ([x / total, y / total], total)
    } else {
        ([0.0; 2], 0.0)
    }
}

/// Reorders `order` into the four quadrants around `mid` and returns each as
/// `(offset, len, [qx, qy])` with `q` 0 for the low and 1 for the high side.
fn quarter(
    order: &mut [u32],
    mid: [f32; 2],
    positions: &[[f32; 2]],
) -> [(usize, usize, [f32; 2]); 4] {
    let below = partition(order, |v| positions[v as usize][1] < mid[1]);
    let (low, high) = order.split_at_mut(below);
    let low_left = partition(low, |v| positions[v as usize][0] < mid[0]);
    let high_left = partition(high, |v| positions[v as usize][0] < mid[0]);
    [
        (0, low_left, [0.0, 0.0]),
        (low_left, below - low_left, [1.0, 0.0]),
        (below, high_left, [0.0, 1.0]),
        (
            below + high_left,
            order.len() - below - high_left,
            [1.0, 1.0],
        ),
    ]
}

/// Moves the items passing `pred` to the front (Hoare style); returns how many passed.
fn partition(items: &mut [u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut front = 0;
    for i in 0..items.len() {
        if pred(items[i]) {
            items.swap(front, i);
            front += 1;
        }
    }
    front
}
