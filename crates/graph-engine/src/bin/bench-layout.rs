//! `bench-layout EDGES OUT_POSITIONS [--seed N] [--iterations-only K] [--incremental-percent P]`:
//! times the layout on an edge-list file and writes `x y` per node, for `scripts/bench-graph` and
//! quality.py. `--iterations-only K` times K plain Barnes-Hut iterations instead;
//! `--incremental-percent P` times a relayout after adding P % of the nodes; `--membership FILE`
//! (one community label per line) or `--leiden 1` (our Leiden's communities, timed apart as
//! `communities_s`) uses `layout_with_communities`.

use graph_engine::community::{self, LeidenOptions};
use graph_engine::layout::{self, LayoutOptions};
use graph_engine::{Csr, EdgeList};
use std::io::Write;
use std::time::Instant;

/// Stands for "run Leiden" where a membership file name is expected.
const LEIDEN: &str = "<leiden>";

fn main() {
    if let Err(message) = run(std::env::args().skip(1).collect()) {
        eprintln!("bench-layout: {message}");
        eprintln!(
            "usage: bench-layout EDGES OUT_POSITIONS [--seed N] [--iterations-only K] [--incremental-percent P] [--membership FILE | --leiden 1]"
        );
        std::process::exit(2);
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let [edges_path, out_path, rest @ ..] = args.as_slice() else {
        return Err("need EDGES and OUT_POSITIONS".into());
    };
    let mut options = LayoutOptions::default();
    tune_from_env(&mut options);
    let mut iterations_only = None;
    let mut incremental = None;
    let mut membership_path = None;
    let mut flags = rest.iter();
    while let Some(flag) = flags.next() {
        let value = flags.next().ok_or(format!("{flag} needs a value"))?;
        if flag == "--membership" {
            membership_path = Some(value.clone());
            continue;
        }
        if flag == "--leiden" {
            // `--leiden 1`: communities from our Leiden, as the service will pass them.
            membership_path = (value != "0").then(|| LEIDEN.to_string());
            continue;
        }
        let number: u64 = value.parse().map_err(|_| format!("bad number {value}"))?;
        match flag.as_str() {
            "--seed" => options.seed = number,
            "--iterations-only" => iterations_only = Some(number as usize),
            "--incremental-percent" => incremental = Some(number),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let text = std::fs::read_to_string(edges_path).map_err(|e| format!("{edges_path}: {e}"))?;
    let list = EdgeList::parse(&text).map_err(|e| format!("{edges_path}: {e}"))?;
    let g = Csr::undirected(list.node_count, &list.edges);
    if let Some(percent) = incremental {
        return incremental_check(&list, &g, percent, &options, out_path);
    }
    // With --leiden the clocks include Leiden, as a service would run it before the layout;
    // communities_s is that share. A membership file's reading is not timed.
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let membership = match membership_path.as_deref() {
        Some(LEIDEN) => Some(community::leiden(&g, &LeidenOptions::default()).membership),
        Some(path) => Some(read_membership(path, list.node_count)?),
        None => None,
    };
    let communities_s = wall.elapsed().as_secs_f64();
    let (wall, cpu) = match membership_path.as_deref() {
        Some(LEIDEN) => (wall, cpu),
        _ => (Instant::now(), cpu_seconds()),
    };
    let positions = match iterations_only {
        Some(k) => layout::plain_iterations(&g, &options, k),
        None => match &membership {
            Some(labels) => layout::layout_with_communities(&g, labels, &options),
            None => layout::layout(&g, &options),
        },
    };
    let (layout_s, layout_cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    write_positions(out_path, &positions).map_err(|e| format!("{out_path}: {e}"))?;
    let (n, m) = (list.node_count, g.arc_count() / 2);
    match iterations_only {
        Some(k) => println!(
            "ours_bh_iterations\tn={n}\tm={m}\titers={k}\tlayout_s={layout_s:.3}\tlayout_cpu_s={layout_cpu_s:.3}\tms_per_iter={:.2}",
            layout_s * 1000.0 / k.max(1) as f64
        ),
        None => println!(
            "{}\tn={n}\tm={m}\tlayout_s={layout_s:.3}\tlayout_cpu_s={layout_cpu_s:.3}\tcommunities_s={communities_s:.3}",
            match membership_path.as_deref() {
                Some(LEIDEN) => "ours_layout_leiden",
                Some(_) => "ours_layout_communities",
                None => "ours_layout",
            }
        ),
    }
    Ok(())
}

/// Lays out the graph without every `100 / percent`-th node, then relayouts the whole graph from
/// that and prints how far old nodes moved and how far new ones landed from their neighbours.
fn incremental_check(
    list: &EdgeList,
    g: &Csr,
    percent: u64,
    options: &LayoutOptions,
    out_path: &str,
) -> Result<(), String> {
    let n = list.node_count;
    let every = (100 / percent.clamp(1, 100)) as usize;
    let is_new = |v: usize| v % every == every - 1;
    let mut old_id = vec![u32::MAX; n];
    let mut kept = 0u32;
    for v in (0..n).filter(|&v| !is_new(v)) {
        old_id[v] = kept;
        kept += 1;
    }
    let old_edges: Vec<(u32, u32)> = list
        .edges
        .iter()
        .map(|&(u, v)| (old_id[u as usize], old_id[v as usize]))
        .filter(|&(a, b)| a != u32::MAX && b != u32::MAX)
        .collect();
    let before = layout::layout(&Csr::undirected(kept as usize, &old_edges), options);
    let previous: Vec<Option<[f32; 2]>> = (0..n)
        .map(|v| (old_id[v] != u32::MAX).then(|| before[old_id[v] as usize]))
        .collect();
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let after = layout::relayout(g, &previous, options);
    let (relayout_s, relayout_cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let moved = layout::mean_relative_displacement(&previous, &after);
    let gaps = newcomer_gaps(g, &previous, &after);
    write_positions(out_path, &after).map_err(|e| format!("{out_path}: {e}"))?;
    println!(
        "ours_relayout\tn={n}\tnew={}\trelayout_s={relayout_s:.3}\trelayout_cpu_s={relayout_cpu_s:.3}\tmean_rel_displacement={moved:.5}\tnew_to_neighbour_centroid_mean={:.4}\tmax={:.4}",
        n - kept as usize,
        gaps.iter().sum::<f32>() / gaps.len().max(1) as f32,
        gaps.iter().copied().fold(0.0f32, f32::max)
    );
    Ok(())
}

/// Distance of each new node to its neighbours' centroid, relative to the layout's diagonal.
fn newcomer_gaps(g: &Csr, previous: &[Option<[f32; 2]>], after: &[[f32; 2]]) -> Vec<f32> {
    let dist = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let lo = after
        .iter()
        .fold([f32::INFINITY; 2], |a, p| [a[0].min(p[0]), a[1].min(p[1])]);
    let hi = after.iter().fold([f32::NEG_INFINITY; 2], |a, p| {
        [a[0].max(p[0]), a[1].max(p[1])]
    });
    let diameter = dist(lo, hi);
    (0..g.node_count() as u32)
        .filter(|&v| previous[v as usize].is_none() && g.degree(v) > 0)
        .map(|v| {
            let nb = g.neighbours(v);
            let k = nb.len() as f32;
            let c = nb.iter().fold([0.0f32; 2], |c, &u| {
                let p = after[u as usize];
                [c[0] + p[0] / k, c[1] + p[1] / k]
            });
            dist(after[v as usize], c) / diameter
        })
        .collect()
}

/// `LAYOUT_GUESS` (0/1), `LAYOUT_THETA`, `LAYOUT_REPULSION`, `LAYOUT_POWER`, `LAYOUT_CPOWER`, `LAYOUT_CMASS`,
/// `LAYOUT_COARSEST`, `LAYOUT_LEVEL`, `LAYOUT_FINAL`, `LAYOUT_STEP` and `LAYOUT_JITTER`
/// override the defaults, for tuning experiments.
fn tune_from_env(options: &mut LayoutOptions) {
    let read = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = read("LAYOUT_GUESS") {
        options.guess_communities = v != 0.0;
    }
    if let Some(v) = read("LAYOUT_THETA") {
        options.theta = v as f32;
    }
    if let Some(v) = read("LAYOUT_REPULSION") {
        options.repulsion = v as f32;
    }
    if let Some(v) = read("LAYOUT_POWER") {
        options.attraction_power = v as f32;
    }
    if let Some(v) = read("LAYOUT_COARSEST") {
        options.coarsest_iterations = v as usize;
    }
    if let Some(v) = read("LAYOUT_LEVEL") {
        options.level_iterations = v as usize;
    }
    if let Some(v) = read("LAYOUT_CPOWER") {
        options.coarse_attraction_power = v as f32;
    }
    if let Some(v) = read("LAYOUT_CMASS") {
        options.coarse_mass = v as f32;
    }
    if let Some(v) = read("LAYOUT_STEP") {
        options.refine_step = v as f32;
    }
    if let Some(v) = read("LAYOUT_JITTER") {
        options.jitter = v as f32;
    }
    if let Some(v) = read("LAYOUT_FINAL") {
        options.final_iterations = v as usize;
    }
}

/// One community label per line, one line per node.
fn read_membership(path: &str, node_count: usize) -> Result<Vec<u32>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let labels: Vec<u32> = text
        .split_whitespace()
        .map(|x| x.parse().map_err(|_| format!("{path}: bad label {x}")))
        .collect::<Result<_, _>>()?;
    if labels.len() != node_count {
        return Err(format!(
            "{path}: {} labels for {node_count} nodes",
            labels.len()
        ));
    }
    Ok(labels)
}

fn write_positions(path: &str, positions: &[[f32; 2]]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for p in positions {
        writeln!(out, "{} {}", p[0], p[1])?;
    }
    out.flush()
}

/// User plus system CPU time of this process so far, from /proc/self/stat (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|x| x.parse::<f64>().ok()).sum()
    });
    ticks / clock_ticks_per_second()
}

/// USER_HZ is 100 on every mainstream Linux build; reading it would need libc's sysconf.
fn clock_ticks_per_second() -> f64 {
    100.0
}
