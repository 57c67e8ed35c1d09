//! Rendered documents with their gzip, brotli and zstd bodies, compressed once (in parallel)
//! and kept in a small in-process cache keyed by snapshot version and view, so that serving a
//! view again is a lookup.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// A content encoding a client may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    /// The `Content-Encoding` value (`None` for identity).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
            Self::Zstd => Some("zstd"),
        }
    }

    /// The best encoding an `Accept-Encoding` header allows: zstd, then brotli, then gzip.
    pub fn negotiate(accept: &str) -> Self {
        let offered: Vec<&str> = accept
            .split(',')
            .filter_map(|part| {
                let mut fields = part.split(';');
                let name = fields.next()?.trim();
                let q = fields
                    .find_map(|f| f.trim().strip_prefix("q="))
                    .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
                (q > 0.0).then_some(name)
            })
            .collect();
        [Self::Zstd, Self::Brotli, Self::Gzip]
            .into_iter()
            .find(|e| offered.contains(&e.header().unwrap_or("")))
            .unwrap_or(Self::Identity)
    }
}

/// One rendered document and its compressed forms.
#[derive(Debug, Clone)]
pub struct Bodies {
    pub content_type: &'static str,
    pub plain: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    pub zstd: Bytes,
}

impl Bodies {
    /// Compresses `plain` three ways at once.
    pub fn compress(content_type: &'static str, plain: Vec<u8>) -> Self {
        let (gzip, brotli, zstd) = std::thread::scope(|scope| {
            let gzip = scope.spawn(|| gzip(&plain));
            let brotli = scope.spawn(|| brotli(&plain));
            let zstd = zstd::bulk::compress(&plain, 3).expect("zstd compresses a buffer");
            let join =
                |h: std::thread::ScopedJoinHandle<'_, Vec<u8>>| h.join().expect("compressor");
            (join(gzip), join(brotli), zstd)
        });
        Self {
            content_type,
            plain: plain.into(),
            gzip: gzip.into(),
            brotli: brotli.into(),
            zstd: zstd.into(),
        }
    }

    pub fn body(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Identity => &self.plain,
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
            Encoding::Zstd => &self.zstd,
        }
    }
}

fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(plain).expect("gzip into a Vec");
    encoder.finish().expect("gzip into a Vec")
}

/// Quality 5 with a 4 MiB window: most of brotli's gain at a small part of its top cost.
fn brotli(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain.len() / 8);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &plain[..], &mut out, &params).expect("brotli into a Vec");
    out
}

/// The most recently built bodies, up to a fixed number, oldest evicted first.
pub struct BodyCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

/// The cached bodies and their keys in insertion order.
#[derive(Default)]
struct Entries {
    by_key: HashMap<String, Arc<Bodies>>,
    order: VecDeque<String>,
}

impl BodyCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<Bodies>> {
        let entries = self.entries.lock().expect("cache lock");
        entries.by_key.get(key).cloned()
    }

    pub fn put(&self, key: String, bodies: Arc<Bodies>) {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.by_key.insert(key.clone(), bodies).is_none() {
            entries.order.push_back(key);
        }
        while entries.order.len() > self.capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.by_key.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_zstd_then_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(Encoding::negotiate("gzip, br"), Encoding::Brotli);
        assert_eq!(Encoding::negotiate("gzip, zstd;q=0"), Encoding::Gzip);
        assert_eq!(Encoding::negotiate("zstd;q=0.5, gzip"), Encoding::Zstd);
        assert_eq!(
            Encoding::negotiate("zstd;q=0.0, br;q=0"),
            Encoding::Identity
        );
        assert_eq!(Encoding::negotiate(""), Encoding::Identity);
    }

    #[test]
    fn the_cache_evicts_the_oldest_entry() {
        let cache = BodyCache::new(1);
        let bodies = Arc::new(Bodies::compress("text/plain", b"hello".to_vec()));
        cache.put("a".into(), bodies.clone());
        cache.put("b".into(), bodies);
        assert!(cache.get("a").is_none() && cache.get("b").is_some());
    }
}
