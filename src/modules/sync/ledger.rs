//! What one run of the importer shares between its tasks, behind one lock: the kind of run,
//! the ids it has claimed, what was stored when it began, the facts it keeps for its end, the
//! reads it holds back, and its report.

use std::collections::{HashMap, HashSet};

use super::crawl::ImportReport;
use super::model::Entity;
use super::task::Task;

/// The kind of run, which decides what is read again and what a write replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Everything search and traversal reach; `first` when nothing was stored for the
    /// connection before, so that there are no earlier edges to replace.
    Full { first: bool },
    /// What changed since the last sync; what was stored when it began is known.
    Incremental,
    /// Pages webhooks named; links lead only to entities not stored yet.
    Refresh,
}

#[derive(Debug)]
pub(super) struct Ledger {
    pub mode: Mode,
    /// Ids this run reads or has read, each counted once as discovered.
    claimed: HashSet<String>,
    /// The claimed ids read so far, each counted once as fetched.
    fetched: HashSet<String>,
    /// Ids stored when an incremental run began: links to them lead nowhere new.
    stored: HashSet<String>,
    /// The readable entities among them (and those a re-read found), to compare with.
    pub known: HashMap<String, Entity>,
    /// Pages whose content this run reads (each once: a re-read page and a page a child
    /// moved in or out of may ask twice).
    contents: HashSet<String>,
    /// Content reads under way, by page, in a run that replaces earlier edges.
    open_contents: HashMap<String, OpenContent>,
    /// Synced original block → the page holding it.
    pub originals: HashMap<String, String>,
    /// (page holding a reference, original block) pairs not resolved yet.
    pub references: Vec<(String, String)>,
    /// Reads of link targets held back, by id, until something else brings the page.
    pub awaiting: HashMap<String, Task>,
    pub report: ImportReport,
    /// The most entities the connection may hold (its plan's pages per workspace): past it,
    /// new ids are not claimed, and the run ends with what it has.
    pub cap: Option<u64>,
    /// Entities stored before a refresh began, which `stored` does not list (a refresh
    /// loads only their number, for the cap).
    held_before: u64,
    /// New ids claimed (stored ones read again are not new).
    new_claims: u64,
    /// A claim was refused at the cap.
    pub capped: bool,
}

impl Ledger {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            claimed: HashSet::new(),
            fetched: HashSet::new(),
            stored: HashSet::new(),
            known: HashMap::new(),
            contents: HashSet::new(),
            open_contents: HashMap::new(),
            originals: HashMap::new(),
            references: Vec::new(),
            awaiting: HashMap::new(),
            report: ImportReport::default(),
            cap: None,
            held_before: 0,
            new_claims: 0,
            capped: false,
        }
    }

    /// Whether a write of a page's edges must remove the ones stored before.
    pub fn replaces(&self) -> bool {
        self.mode != Mode::Full { first: true }
    }

    /// A refresh of what webhooks named, holding the connection to `cap` entities of which
    /// `held` are stored.
    pub fn begin_refresh(&mut self, cap: Option<u64>, held: u64) {
        self.mode = Mode::Refresh;
        self.cap = cap;
        self.held_before = held;
    }

    /// What an incremental run found stored: every id, and the readable entities.
    pub fn begin_incremental(&mut self, stored: Vec<Entity>) {
        self.mode = Mode::Incremental;
        self.stored
            .extend(stored.iter().map(|e| e.notion_id.clone()));
        let readable = stored.into_iter().filter(|e| e.shared);
        self.known
            .extend(readable.map(|e| (e.notion_id.clone(), e)));
    }

    /// True the first time this run meets `id`, unless it was stored before the run: each
    /// entity is read once per run, and only what is new is followed.
    /// At the cap, nothing new is claimed (and the run is marked `capped`).
    pub fn claim(&mut self, id: &str) -> bool {
        if self.stored.contains(id) || self.claimed.contains(id) {
            return false;
        }
        let held = self.stored.len() as u64 + self.held_before + self.new_claims;
        if self.cap.is_some_and(|cap| held >= cap) {
            self.capped = true;
            return false;
        }
        self.new_claims += 1;
        self.claimed.insert(id.to_owned())
    }

    /// True the first time this run decides to read a stored entity again.
    pub fn claim_again(&mut self, id: &str) -> bool {
        self.claimed.insert(id.to_owned())
    }

    /// True the first time a claimed entity is read: only what was discovered is fetched.
    pub fn fetched(&mut self, id: &str) -> bool {
        self.claimed.contains(id) && self.fetched.insert(id.to_owned())
    }

    /// True the first time this run decides to read a page's content.
    pub fn claim_content(&mut self, page: &str) -> bool {
        self.contents.insert(page.to_owned())
    }

    /// Notes that one container of `page`'s content was read, holding the edges `keys` and
    /// leading to `nested` containers still to read (`top` for the page itself, which opens
    /// the read). When it was the last, returns every key the read brought: the page's other
    /// content edges are stale. `None` while containers remain, and for a container whose
    /// read this run did not open (a resumed run's), which can only add.
    pub fn container_read<'k>(
        &mut self,
        page: &str,
        top: bool,
        keys: impl Iterator<Item = &'k String>,
        nested: usize,
    ) -> Option<HashSet<String>> {
        if top {
            self.open_contents
                .insert(page.to_owned(), OpenContent::default());
        }
        let open = self.open_contents.get_mut(page)?;
        open.brought.extend(keys.cloned());
        open.unread += nested;
        open.unread -= 1;
        if open.unread > 0 {
            return None;
        }
        self.open_contents.remove(page).map(|open| open.brought)
    }
}

/// A page's content read under way: its top level and each nested container are separate
/// tasks, so the page's earlier edges can only be known stale once all of them are read.
#[derive(Debug)]
struct OpenContent {
    /// Containers queued and not read yet (the top level counts until it is read).
    unread: usize,
    /// Keys of the edges read so far.
    brought: HashSet<String>,
}

impl Default for OpenContent {
    fn default() -> Self {
        Self {
            unread: 1,
            brought: HashSet::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incremental_run_claims_stored_ids_only_to_read_them_again() {
        let mut ledger = Ledger::new(Mode::Full { first: false });
        let stored = Entity::blank("c", "old", super::super::EntityKind::Page).read();
        ledger.begin_incremental(vec![stored]);
        assert!(!ledger.claim("old"), "a link to it leads nowhere new");
        assert!(ledger.claim_again("old"));
        assert!(!ledger.claim_again("old"), "once per run");
        assert!(ledger.claim("new") && !ledger.claim("new"));
        assert!(ledger.claim_content("old") && !ledger.claim_content("old"));
        assert!(
            ledger.fetched("new") && !ledger.fetched("new"),
            "counted once"
        );
        assert!(!ledger.fetched("never-claimed"));
        assert!(ledger.known.contains_key("old") && ledger.replaces());
        assert!(!Ledger::new(Mode::Full { first: true }).replaces());
    }

    #[test]
    fn a_content_read_is_complete_once_its_last_nested_container_is_read() {
        let mut ledger = Ledger::new(Mode::Refresh);
        let key = |k: &str| k.to_owned();
        let (top, nested) = ([key("a")], [key("b")]);
        assert_eq!(ledger.container_read("p", true, top.iter(), 2), None);
        assert_eq!(ledger.container_read("p", false, nested.iter(), 0), None);
        let brought = ledger.container_read("p", false, [].iter(), 0).unwrap();
        assert_eq!(brought, HashSet::from([key("a"), key("b")]));
        assert_eq!(
            ledger.container_read("p", false, top.iter(), 0),
            None,
            "a container of a read this run did not open only adds"
        );
    }

    #[test]
    fn at_the_cap_nothing_new_is_claimed_and_the_run_says_so() {
        let mut ledger = Ledger::new(Mode::Full { first: true });
        ledger.cap = Some(2);
        assert!(ledger.claim("a") && !ledger.claim("a") && ledger.claim("b"));
        assert!(!ledger.capped, "a repeat is no new claim");
        assert!(!ledger.claim("c") && ledger.capped);
        let mut incremental = Ledger::new(Mode::Full { first: false });
        let stored = Entity::blank("c", "old", super::super::EntityKind::Page).read();
        incremental.begin_incremental(vec![stored]);
        incremental.cap = Some(2);
        assert!(incremental.claim_again("old"), "stored ones are read again");
        assert!(incremental.claim("new") && !incremental.claim("newer"));
        let mut refresh = Ledger::new(Mode::Full { first: false });
        refresh.begin_refresh(Some(3), 2);
        assert!(refresh.claim_again("stored") && refresh.claim("new"));
        assert!(!refresh.claim("newer") && refresh.capped);
    }
}
