//! The compact `bin` format of a view (specified in `web/embed/FORMAT.md`): a 64-byte header,
//! then typed, 4-byte-aligned little-endian sections that a browser wraps in `Float32Array`,
//! `Uint16Array` and `Uint32Array` views without parsing. Titles, ids and URLs are a separate
//! JSON document ([`Labels`]), loaded after the first frame.
//!
//! Links are written most important first (by how many links they stand for, then by the
//! smaller PageRank of their two ends), so that any prefix of them is the best subset of that
//! size: a viewer on a frame budget draws a prefix.

use serde::Serialize;

use super::facts::Facts;
use super::model::Snapshot;
use super::views::{View, ViewNode};
use crate::modules::notion::links::LinkKind;
use crate::modules::sync::EntityKind;

pub const MAGIC: [u8; 4] = *b"NGRB";
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_BYTES: usize = 64;
pub const CONTENT_TYPE: &str = "application/vnd.notion-graph.bin";

/// Node kind codes: [`EntityKind::ALL`] in order, then the summary view's super-nodes.
pub const NODE_KINDS: [&str; 6] = [
    EntityKind::ALL[0],
    EntityKind::ALL[1],
    EntityKind::ALL[2],
    EntityKind::ALL[3],
    EntityKind::ALL[4],
    "community",
];

/// Link kind codes beyond [`LinkKind::ALL`] (whose order gives codes 0 to 8): the summary
/// view's links between communities and from a top page to its community.
pub const SUMMARY_LINK_KINDS: [&str; 2] = ["community", "member"];

/// Per-node flag bits.
pub const FLAG_ORPHAN: u8 = 1;
pub const FLAG_TRASHED: u8 = 2;
pub const FLAG_DANGLING: u8 = 4;
/// Per-link flag bit, in the high bit of the link's kind byte: a hierarchy link.
pub const LINK_HIERARCHY: u8 = 0x80;

/// Community ids at or above this are written as this value ("other").
pub const COMMUNITY_OTHER: u16 = u16::MAX;

/// A view as the format holds it, section by section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Packed {
    pub snapshot_version: u32,
    pub community_count: u32,
    /// Epoch milliseconds of the snapshot.
    pub created_at: f64,
    /// `[min_x, min_y, max_x, max_y]` of the positions.
    pub bounds: [f32; 4],
    pub positions: Vec<[f32; 2]>,
    pub sizes: Vec<f32>,
    pub ranks: Vec<f32>,
    pub communities: Vec<u16>,
    pub kinds: Vec<u16>,
    pub flags: Vec<u8>,
    /// `(source, target)` by node position, most important first.
    pub links: Vec<[u32; 2]>,
    /// Link kind code, with [`LINK_HIERARCHY`] set on hierarchy links.
    pub link_kinds: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a notion-graph bin document (bad magic)")]
    Magic,
    #[error("bin format version {0} is not supported (this reader knows {FORMAT_VERSION})")]
    Version(u16),
    #[error("bin document truncated: {needed} bytes needed, {got} present")]
    Truncated { needed: usize, got: usize },
    #[error("link {0} names a node beyond the node count")]
    LinkOutOfRange(usize),
}

/// The code of a node kind name ([`NODE_KINDS`]); unknown names are `unknown`.
pub fn node_kind_code(name: &str) -> u16 {
    NODE_KINDS.iter().position(|k| *k == name).unwrap_or(4) as u16
}

/// The code of a link kind name, with the hierarchy bit.
pub fn link_kind_code(name: &str) -> u8 {
    if let Some(kind) = LinkKind::parse(name) {
        let code = LinkKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8;
        return if kind.is_hierarchy() {
            code | LINK_HIERARCHY
        } else {
            code
        };
    }
    let extra = SUMMARY_LINK_KINDS.iter().position(|k| *k == name);
    (LinkKind::ALL.len() + extra.unwrap_or(0)) as u8
}

/// Every link kind name by code.
pub fn link_kind_names() -> Vec<&'static str> {
    LinkKind::ALL
        .iter()
        .map(|k| k.name())
        .chain(SUMMARY_LINK_KINDS)
        .collect()
}

impl Packed {
    /// The sections of `view` over `snapshot`.
    pub fn from_view(snapshot: &Snapshot, view: &View) -> Self {
        let facts = Facts::new(snapshot, view);
        let orphans = orphan_set(snapshot);
        let mut packed = Packed {
            snapshot_version: snapshot.meta.version as u32,
            community_count: snapshot.metrics.communities.len() as u32,
            created_at: snapshot.meta.created_at as f64,
            ..Packed::default()
        };
        for &node in &view.nodes {
            let f = facts.node(node);
            let orphan = matches!(node, ViewNode::Page(i) if orphans[i as usize]);
            packed.positions.push([finite(f.x), finite(f.y)]);
            packed.sizes.push(f.size);
            packed.ranks.push(f.pagerank as f32);
            packed
                .communities
                .push(u16::try_from(f.community).unwrap_or(COMMUNITY_OTHER));
            packed.kinds.push(node_kind_code(f.kind));
            let flag = |on: bool, bit: u8| if on { bit } else { 0 };
            packed.flags.push(
                flag(orphan, FLAG_ORPHAN)
                    | flag(f.trashed, FLAG_TRASHED)
                    | flag(f.dangling, FLAG_DANGLING),
            );
        }
        packed.bounds = bounds(&packed.positions);
        let ranks = &packed.ranks;
        let mut order: Vec<usize> = (0..view.links.len()).collect();
        let weight = |at: usize| {
            let l = &view.links[at];
            let end = ranks[l.source as usize].min(ranks[l.target as usize]);
            (l.count, end)
        };
        order.sort_by(|&a, &b| {
            let ((ca, ra), (cb, rb)) = (weight(a), weight(b));
            cb.cmp(&ca).then(rb.total_cmp(&ra)).then(a.cmp(&b))
        });
        for at in order {
            let link = &view.links[at];
            packed.links.push([link.source, link.target]);
            packed.link_kinds.push(link_kind_code(link.kind));
        }
        packed
    }

    /// The document: header, then every section padded to 4 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (n, m) = (self.positions.len(), self.links.len());
        let mut out = Vec::with_capacity(HEADER_BYTES + n * 24 + m * 12 + 16);
        out.extend_from_slice(&MAGIC);
        put(&mut out, [FORMAT_VERSION, HEADER_BYTES as u16]);
        let counts = [
            n as u32,
            m as u32,
            self.snapshot_version,
            self.community_count,
        ];
        put(&mut out, counts);
        put(&mut out, [self.created_at]);
        put(&mut out, self.bounds);
        out.resize(HEADER_BYTES, 0);
        put(&mut out, self.positions.iter().flatten().copied());
        put(&mut out, self.sizes.iter().chain(&self.ranks).copied());
        put(
            &mut out,
            self.communities.iter().chain(&self.kinds).copied(),
        );
        pad(&mut out);
        out.extend_from_slice(&self.flags);
        pad(&mut out);
        put(&mut out, self.links.iter().flatten().copied());
        out.extend_from_slice(&self.link_kinds);
        pad(&mut out);
        out
    }

    /// Reads a document written by [`Packed::to_bytes`], checking its sizes and link ends.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let mut reader = Reader { bytes, at: 0 };
        let header = reader.take(HEADER_BYTES)?;
        if header[..4] != MAGIC {
            return Err(FormatError::Magic);
        }
        let version = u16::read(&header[4..]);
        if version != FORMAT_VERSION {
            return Err(FormatError::Version(version));
        }
        reader.at = usize::from(u16::read(&header[6..]));
        let word = |at: usize| u32::read(&header[at..]);
        let (n, m) = (word(8) as usize, word(12) as usize);
        let mut packed = Packed {
            snapshot_version: word(16),
            community_count: word(20),
            created_at: f64::read(&header[24..]),
            bounds: [32, 36, 40, 44].map(|at| f32::read(&header[at..])),
            ..Packed::default()
        };
        packed.positions = pairs(reader.many(2 * n)?);
        packed.sizes = reader.many(n)?;
        packed.ranks = reader.many(n)?;
        packed.communities = reader.many(n)?;
        packed.kinds = reader.many(n)?;
        reader.align();
        packed.flags = reader.take(n)?.to_vec();
        reader.align();
        packed.links = pairs(reader.many(2 * m)?);
        packed.link_kinds = reader.take(m)?.to_vec();
        let beyond = |l: &[u32; 2]| l.iter().any(|&end| end as usize >= n);
        match packed.links.iter().position(beyond) {
            Some(bad) => Err(FormatError::LinkOutOfRange(bad)),
            None => Ok(packed),
        }
    }
}

/// Titles, ids and URLs of a view's nodes, by position, plus the names behind the codes.
/// [`Labels::anonymised`] leaves out everything but the codes' names and the snapshot's
/// version (an empty list or no workspace is not serialized).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Labels {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    pub version: u64,
    pub created_at: i64,
    pub view: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<Option<String>>,
    pub communities: Vec<CommunityLabel>,
    pub node_kinds: Vec<&'static str>,
    pub link_kinds: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunityLabel {
    pub id: u32,
    pub label: String,
    pub size: u32,
}

impl Labels {
    pub fn from_view(snapshot: &Snapshot, view: &View) -> Self {
        let facts = Facts::new(snapshot, view);
        let mut labels = Labels {
            workspace: Some(snapshot.meta.workspace.clone()),
            version: snapshot.meta.version,
            created_at: snapshot.meta.created_at,
            view: view.name,
            ids: Vec::with_capacity(view.nodes.len()),
            titles: Vec::with_capacity(view.nodes.len()),
            urls: Vec::with_capacity(view.nodes.len()),
            communities: snapshot
                .metrics
                .live_communities()
                .map(|c| CommunityLabel {
                    id: c.id,
                    label: c.label.clone(),
                    size: c.size,
                })
                .collect(),
            node_kinds: NODE_KINDS.to_vec(),
            link_kinds: link_kind_names(),
        };
        for &node in &view.nodes {
            let f = facts.node(node);
            labels.ids.push(f.id.into_owned());
            labels.titles.push(f.title.to_owned());
            labels.urls.push(f.url.map(str::to_owned));
        }
        labels
    }

    /// For public sharing: no workspace, titles, ids or URLs (Notion URLs spell the title;
    /// a viewer names node `i` `n<i>`), and communities named by number.
    pub fn anonymised(mut self) -> Self {
        self.workspace = None;
        self.ids.clear();
        self.titles.clear();
        self.urls.clear();
        for community in &mut self.communities {
            community.label = format!("Group {}", community.id + 1);
        }
        self
    }
}

fn orphan_set(snapshot: &Snapshot) -> Vec<bool> {
    let mut set = vec![false; snapshot.graph.nodes.len()];
    for &i in &snapshot.metrics.orphans {
        if let Some(slot) = set.get_mut(i as usize) {
            *slot = true;
        }
    }
    set
}

fn finite(value: f32) -> f32 {
    if value.is_finite() { value } else { 0.0 }
}

fn bounds(positions: &[[f32; 2]]) -> [f32; 4] {
    if positions.is_empty() {
        return [0.0; 4];
    }
    positions.iter().fold(
        [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
        |[x0, y0, x1, y1], &[x, y]| [x0.min(x), y0.min(y), x1.max(x), y1.max(y)],
    )
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}

/// A number the format stores little-endian.
trait Le: Copy {
    const BYTES: usize;
    fn write(self, out: &mut Vec<u8>);
    /// Reads from the first `BYTES` bytes of `bytes`.
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes[..Self::BYTES].try_into().expect("sized slice"))
            }
        }
    )*};
}
le!(u16, u32, f32, f64);

fn put<T: Le>(out: &mut Vec<u8>, values: impl IntoIterator<Item = T>) {
    values.into_iter().for_each(|v| v.write(out));
}

fn pairs<T: Copy>(flat: Vec<T>) -> Vec<[T; 2]> {
    flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], FormatError> {
        let end = self.at.saturating_add(len);
        let slice = self.bytes.get(self.at..end).ok_or(FormatError::Truncated {
            needed: end,
            got: self.bytes.len(),
        })?;
        self.at = end;
        Ok(slice)
    }

    fn align(&mut self) {
        self.at = self.at.next_multiple_of(4);
    }

    fn many<T: Le>(&mut self, count: usize) -> Result<Vec<T>, FormatError> {
        let raw = self.take(count.saturating_mul(T::BYTES))?;
        Ok(raw.chunks_exact(T::BYTES).map(T::read).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::graph::model::{Graph, Link, Metrics, Node, SnapshotMeta};
    use crate::modules::graph::{BuildOptions, ViewRequest, views};

    fn snapshot() -> Snapshot {
        let node = |id: &str, kind| Node {
            title: format!("Title {id}"),
            url: Some(format!("https://www.notion.so/{id}")),
            kind,
            dangling: false,
            ..Node::unknown(id)
        };
        let link = |source, target, kind| Link {
            source,
            target,
            kind,
            provenance: "b".into(),
        };
        let graph = Graph {
            nodes: vec![
                node("a", EntityKind::Page),
                node("b", EntityKind::Database),
                node("c", EntityKind::Row),
                node("d", EntityKind::Page),
            ],
            links: vec![
                link(0, 1, LinkKind::PageMention),
                link(1, 2, LinkKind::DataSourceRow),
                link(2, 0, LinkKind::Relation),
            ],
        };
        let metrics = Metrics {
            pagerank: vec![0.4, 0.3, 0.2, 0.1],
            community: vec![0, 0, 1, 1],
            communities: vec![],
            orphans: vec![3],
            ..Metrics::default()
        };
        Snapshot {
            meta: SnapshotMeta {
                workspace: "w".into(),
                version: 7,
                created_at: 1_700_000_000_123,
                options: BuildOptions::default(),
                node_count: 4,
                link_count: 3,
                community_count: 2,
                modularity: 0.0,
                mean_displacement: None,
                stored_bytes: 0,
                chunk_count: 0,
                body: String::new(),
            },
            positions: vec![[0.0, 1.0], [2.0, -3.0], [f32::NAN, 4.0], [-5.0, 0.5]],
            graph,
            metrics,
        }
    }

    fn packed() -> Packed {
        let s = snapshot();
        Packed::from_view(&s, &views::view(&s, &ViewRequest::Full).unwrap())
    }

    #[test]
    fn a_document_reads_back_as_written_with_aligned_sections() {
        let packed = packed();
        let bytes = packed.to_bytes();
        assert_eq!(bytes.len() % 4, 0);
        assert_eq!(&bytes[..4], b"NGRB");
        // Header, 4 nodes of 8+4+4+2+2+1 bytes (u16 and u8 sections padded), 3 links of 8+1.
        assert_eq!(bytes.len(), 64 + 32 + 16 + 16 + 8 + 8 + 4 + 24 + 4);
        assert_eq!(Packed::from_bytes(&bytes).unwrap(), packed);
    }

    #[test]
    fn sections_hold_positions_kinds_flags_and_links_most_important_first() {
        let p = packed();
        assert_eq!(p.snapshot_version, 7);
        assert_eq!(
            p.positions[2],
            [0.0, 4.0],
            "a non-finite coordinate becomes 0"
        );
        assert_eq!(p.bounds, [-5.0, -3.0, 2.0, 4.0]);
        assert_eq!(p.kinds, [0, 2, 1, 0]);
        assert_eq!(p.flags, [0, 0, 0, FLAG_ORPHAN]);
        // min PageRank of the ends: a-b 0.3, b-c 0.2, c-a 0.2 (tie broken by input order).
        assert_eq!(p.links, [[0, 1], [1, 2], [2, 0]]);
        assert_eq!(p.link_kinds, [0, 8 | LINK_HIERARCHY, 6]);
        assert!(p.ranks[0] > p.ranks[3]);
    }

    #[test]
    fn damaged_documents_are_refused_with_a_reason() {
        let bytes = packed().to_bytes();
        assert_eq!(Packed::from_bytes(&[0; 64]), Err(FormatError::Magic));
        let mut newer = bytes.clone();
        newer[4] = 9;
        assert_eq!(Packed::from_bytes(&newer), Err(FormatError::Version(9)));
        assert!(matches!(
            Packed::from_bytes(&bytes[..bytes.len() - 20]),
            Err(FormatError::Truncated { .. })
        ));
        let mut wild = bytes;
        let links_at = 64 + 32 + 16 + 16 + 8 + 8 + 4;
        wild[links_at..links_at + 4].copy_from_slice(&99u32.to_le_bytes());
        assert_eq!(
            Packed::from_bytes(&wild),
            Err(FormatError::LinkOutOfRange(0))
        );
    }

    #[test]
    fn kind_codes_follow_the_documented_tables() {
        assert_eq!(node_kind_code("community"), 5);
        assert_eq!(node_kind_code("nonsense"), 4);
        assert_eq!(link_kind_code("page_mention"), 0);
        assert_eq!(link_kind_code("child_page"), 4 | LINK_HIERARCHY);
        assert_eq!(link_kind_code("member"), 10);
        assert_eq!(link_kind_names().len(), 11);
    }

    #[test]
    fn anonymised_labels_keep_nothing_that_names_a_page() {
        let s = snapshot();
        let view = views::view(&s, &ViewRequest::Full).unwrap();
        let labels = Labels::from_view(&s, &view);
        assert_eq!(labels.titles[1], "Title b");
        let hidden = labels.anonymised();
        let text = serde_json::to_string(&hidden).unwrap();
        assert!(
            !text.contains("Title") && !text.contains("notion.so"),
            "{text}"
        );
        assert!(hidden.ids.is_empty() && hidden.workspace.is_none());
        assert!(
            !text.contains("\"workspace\"") && !text.contains("\"ids\""),
            "{text}"
        );
    }
}
