//! `bench-metrics EDGES [--membership FILE] [--seed N] [--samples N] [--iterations N]`: times each metric on an
//! edge-list file and prints one tab-separated line per task, in the format
//! `scripts/bench_graph_peers.py` prints for the peers, e.g.
//! `ours\tleiden\ttime_s=0.41\tcpu_s=0.41\tmodularity=0.84\tcommunities=2001`.
//!
//! PageRank reads the file as directed arcs `u -> v` (page links); everything else as an
//! undirected graph. Release mode only gives meaningful figures.

use graph_engine::community::{self, LeidenOptions};
use graph_engine::{Csr, EdgeList, metrics};
use std::time::Instant;

struct Args {
    edges: String,
    membership: Option<String>,
    seed: u64,
    samples: usize,
    iterations: usize,
}

fn main() {
    let args = parse_args().unwrap_or_else(|message| {
        eprintln!(
            "{message}\nusage: bench-metrics EDGES [--membership FILE] [--seed N] [--samples N] [--iterations N]"
        );
        std::process::exit(2);
    });
    let list = timed(
        "parse",
        || read_edges(&args.edges),
        |l| format!("nodes={}\tedges={}", l.node_count, l.edges.len()),
    );
    let g = timed(
        "csr",
        || Csr::undirected(list.node_count, &list.edges),
        |g| format!("arcs={}", g.arc_count()),
    );
    let out = timed(
        "csr_directed",
        || Csr::directed(list.node_count, &list.edges),
        |g| format!("arcs={}", g.arc_count()),
    );
    timed(
        "pagerank",
        || metrics::pagerank_with_iterations(&out, 0.85, 1e-9, 200),
        |(rank, iterations)| {
            format!(
                "iterations={iterations}\tsum={:.9}",
                rank.iter().sum::<f64>()
            )
        },
    );
    // Both directions of every link: a graph with cycles, where no solver gets a DAG shortcut.
    timed(
        "pagerank_undirected",
        || metrics::pagerank_with_iterations(&g, 0.85, 1e-9, 200),
        |(_, iterations)| format!("iterations={iterations}"),
    );
    timed(
        "components",
        || metrics::connected_components(&g),
        |c| format!("components={}", c.iter().max().map_or(0, |&m| m + 1)),
    );
    bench_leiden(&g, &args);
    timed(
        "cuts",
        || metrics::cut_structure(&g),
        |c| {
            format!(
                "bridges={}\tarticulation_points={}",
                c.bridges.len(),
                c.articulation_points.len()
            )
        },
    );
    let name = format!("betweenness{}", args.samples);
    timed(
        &name,
        || metrics::approximate_betweenness(&g, args.samples, args.seed),
        |b| format!("max={:.1}", b.iter().copied().fold(0.0, f64::max)),
    );
}

fn bench_leiden(g: &Csr, args: &Args) {
    let truth = args.membership.as_deref().map(read_membership);
    let options = LeidenOptions {
        seed: args.seed,
        iterations: args.iterations,
        ..LeidenOptions::default()
    };
    timed(
        "leiden",
        || community::leiden(g, &options),
        |p| {
            let mut line = format!(
                "modularity={:.4}\tcommunities={}",
                p.modularity, p.community_count
            );
            if let Some(truth) = &truth {
                let nmi = community::normalized_mutual_information(&p.membership, truth);
                line.push_str(&format!("\tnmi={nmi:.4}"));
            }
            line
        },
    );
}

/// Runs `task`, prints its line (wall and CPU seconds plus `describe`'s fields), returns its value.
fn timed<T>(task: &str, task_fn: impl FnOnce() -> T, describe: impl FnOnce(&T) -> String) -> T {
    let (wall, cpu) = (Instant::now(), process_cpu_seconds());
    let value = task_fn();
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), process_cpu_seconds() - cpu);
    println!(
        "ours\t{task}\ttime_s={wall:.4}\tcpu_s={cpu:.4}\t{}",
        describe(&value)
    );
    value
}

/// CPU seconds used by the whole process so far (`CLOCK_PROCESS_CPUTIME_ID`, nanosecond
/// resolution; `/proc` counters only move at scheduler ticks). 0 off Linux.
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "one libc call, see SAFETY")]
fn process_cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        seconds: i64,
        nanoseconds: i64,
    }
    unsafe extern "C" {
        // From the C library std already links; no crate needed for one call.
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut time = Timespec {
        seconds: 0,
        nanoseconds: 0,
    };
    // SAFETY: `time` is a valid, writable timespec (64-bit fields on 64-bit Linux).
    let status = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut time) };
    if status != 0 {
        return 0.0;
    }
    time.seconds as f64 + time.nanoseconds as f64 / 1e9
}

#[cfg(not(target_os = "linux"))]
fn process_cpu_seconds() -> f64 {
    0.0
}

fn read_edges(path: &str) -> EdgeList {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    EdgeList::parse(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")))
}

fn read_membership(path: &str) -> Vec<u32> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let parse = |line: &str| {
        line.trim()
            .parse()
            .unwrap_or_else(|_| fail(&format!("{path}: bad label {line:?}")))
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse)
        .collect()
}

fn fail(message: &str) -> ! {
    eprintln!("bench-metrics: {message}");
    std::process::exit(1);
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        edges: String::new(),
        membership: None,
        seed: 42,
        samples: 64,
        iterations: LeidenOptions::default().iterations,
    };
    let mut rest = std::env::args().skip(1);
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--membership" => args.membership = Some(value()?),
            "--seed" => args.seed = value()?.parse().map_err(|_| "--seed takes an integer")?,
            "--iterations" => {
                args.iterations = value()?
                    .parse()
                    .map_err(|_| "--iterations takes an integer")?
            }
            "--samples" => {
                args.samples = value()?.parse().map_err(|_| "--samples takes an integer")?
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path => args.edges = path.to_string(),
        }
    }
    if args.edges.is_empty() {
        return Err("missing EDGES file".into());
    }
    Ok(args)
}
