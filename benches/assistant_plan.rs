//! Offline planning latency of the assistant on a large workspace: a graph of `PLAN_PAGES`
//! pages (default 100,000) titled as `graph import-edges` titles them, about three page
//! mentions each, measured (metrics, no layout); then, per question kind (backlinks, path,
//! search, and a misspelt name that goes to the fuzzy match), the time from the message text
//! to the finished answer (grammar, name resolution, the graph query, the Markdown): p50, p99
//! and max over `PLAN_QUESTIONS` questions (default 300). Goal: p99 under 20 ms.

use std::time::{Duration, Instant};

use notion_graph::modules::assistant::answer::Graph;
use notion_graph::modules::assistant::grammar::parse;
use notion_graph::modules::assistant::planner::{Turn, plan};
use notion_graph::modules::assistant::resolve::TitleIndex;
use notion_graph::modules::graph::analysis::{Structure, assemble};
use notion_graph::modules::graph::import::{page_id, title};
use notion_graph::modules::graph::model::{Graph as Built, Link, Node};
use notion_graph::modules::graph::{BuildOptions, LinkKind, metrics};
use notion_graph::modules::sync::EntityKind;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic pseudo-random sequence (xorshift), so that every run asks the same.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn graph(pages: usize, dice: &mut Dice) -> Built {
    let nodes = (0..pages as u32)
        .map(|n| Node {
            title: title(n),
            url: Some(format!(
                "https://www.notion.so/{}",
                page_id(n).replace('-', "")
            )),
            kind: EntityKind::Page,
            dangling: false,
            ..Node::unknown(&page_id(n))
        })
        .collect();
    let links = (0..pages * 3)
        .map(|_| Link {
            source: dice.below(pages) as u32,
            target: dice.below(pages) as u32,
            kind: LinkKind::PageMention,
            provenance: "block".into(),
        })
        .filter(|l| l.source != l.target)
        .collect();
    Built { nodes, links }
}

/// Writes one question of a kind.
type Question<'a> = dyn Fn(&mut Dice) -> String + 'a;

fn report(kind: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{kind:<10} n={:<4} p50={:>8.2} ms  p99={:>8.2} ms  max={:>8.2} ms",
        times.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
}

fn main() {
    let pages = env("PLAN_PAGES", 100_000);
    let questions = env("PLAN_QUESTIONS", 300);
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let built = graph(pages, &mut dice);
    let structure = Structure::of(&built);
    let measured = metrics::compute(&built, &structure, None);
    let snapshot = assemble(
        "bench",
        built,
        BuildOptions::default(),
        measured,
        Vec::new(),
        None,
    );
    println!(
        "{} pages, {} links: graph and metrics in {:.1} s",
        snapshot.meta.node_count,
        snapshot.meta.link_count,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let index = TitleIndex::new(&snapshot);
    println!(
        "title index in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let graph = Graph {
        snapshot: &snapshot,
        index: &index,
    };
    let pick = |dice: &mut Dice| title(dice.below(pages) as u32);
    let kinds: [(&str, &Question); 4] = [
        ("backlinks", &|d| format!("what links to {}?", pick(d))),
        ("path", &|d| format!("path from {} to {}", pick(d), pick(d))),
        ("search", &|d| format!("search for {}", &pick(d)[..6])),
        ("fuzzy", &|d| {
            let mut name = pick(d).to_lowercase();
            name.remove(2);
            format!("what links to {name}")
        }),
    ];
    for (kind, question) in kinds {
        let mut times = Vec::with_capacity(questions);
        let mut asked = 0;
        for _ in 0..questions {
            let text = question(&mut dice);
            let started = Instant::now();
            let turn = plan(parse(&text), &graph, None);
            times.push(started.elapsed());
            asked += usize::from(matches!(turn, Turn::Answer(_) | Turn::Ask { .. }));
        }
        assert_eq!(
            asked, questions,
            "every {kind} question gets an answer or a question"
        );
        report(kind, times);
    }
}
