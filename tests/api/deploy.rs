//! The Dockerfile keeps building (issue 16 item 6) without a Docker daemon to try it: every
//! file of ours the binary is compiled from (cargo's dep-info names them, templates and
//! embedded web assets included) lies in a path the build stage copies.

use std::path::{Path, PathBuf};

/// The sources the build stage copies: `COPY a b ./` and `COPY a dest` before the runtime stage.
fn copied_by_the_build_stage(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .take_while(|line| !line.starts_with("FROM ") || line.contains(" AS build"))
        .filter_map(|line| line.strip_prefix("COPY "))
        .filter(|args| !args.starts_with("--from"))
        .flat_map(|args| {
            let mut words: Vec<&str> = args.split_whitespace().collect();
            words.pop(); // the destination
            words.into_iter().map(str::to_owned)
        })
        .collect()
}

/// Our files among the ones a dep-info file (`target: dep dep ...`) names, relative to `root`.
fn our_dependencies(dep_info: &str, root: &Path) -> Vec<PathBuf> {
    let (_, deps) = dep_info
        .lines()
        .next()
        .and_then(|line| line.split_once(": "))
        .expect("a dep-info line");
    deps.split_whitespace()
        .filter_map(|dep| Path::new(dep).strip_prefix(root).ok())
        .filter(|dep| !dep.starts_with("target"))
        .map(Path::to_path_buf)
        .collect()
}

#[test]
fn the_dockerfile_copies_every_file_the_binary_is_built_from() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let copied = copied_by_the_build_stage(&dockerfile);
    assert!(copied.iter().any(|c| c == "src"), "{copied:?}");
    let dep_info = PathBuf::from(format!("{}.d", env!("CARGO_BIN_EXE_notion-graph")));
    let dep_info = std::fs::read_to_string(&dep_info)
        .unwrap_or_else(|e| panic!("{}: {e}", dep_info.display()));
    let ours = our_dependencies(&dep_info, root);
    assert!(ours.iter().any(|d| d.starts_with("web")), "{ours:?}");
    let missing: Vec<_> = ours
        .iter()
        .filter(|dep| !copied.iter().any(|c| dep.starts_with(c)))
        .collect();
    assert!(
        missing.is_empty(),
        "the Dockerfile's build stage does not copy {missing:?}"
    );
}
