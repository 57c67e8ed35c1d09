//! Plain edge lists (`u v` per line, 0-based ids), the benchmark input format of
//! `shared/bench` and the `--edges FILE` input of the command line.

/// Nodes are `0..node_count`, one more than the largest id seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeList {
    pub node_count: usize,
    pub edges: Vec<(u32, u32)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct EdgeListError {
    pub line: usize,
    pub reason: String,
}

impl EdgeList {
    /// Parses `u v` lines; blank lines and `#` comments are skipped, extra columns (weights)
    /// are ignored. The error names the first bad line.
    pub fn parse(text: &str) -> Result<Self, EdgeListError> {
        let mut edges = Vec::new();
        let mut max_id = None::<u32>;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (u, v) = parse_line(line).map_err(|reason| EdgeListError {
                line: index + 1,
                reason,
            })?;
            max_id = max_id.max(Some(u.max(v)));
            edges.push((u, v));
        }
        let node_count = max_id.map_or(0, |m| m as usize + 1);
        Ok(Self { node_count, edges })
    }
}

fn parse_line(line: &str) -> Result<(u32, u32), String> {
    let mut fields = line.split_whitespace();
    let mut id = |which: &str| -> Result<u32, String> {
        let field = fields
            .next()
            .ok_or_else(|| format!("expected two node ids, the {which} is missing"))?;
        field
            .parse::<u32>()
            .map_err(|_| format!("{field:?} is not a node id (a non-negative integer below 2^32)"))
    };
    Ok((id("first")?, id("second")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_skips_comments_and_blank_lines() {
        let list = EdgeList::parse("# a comment\n0 1\n\n2 5 0.5\n").unwrap();
        assert_eq!(list.edges, vec![(0, 1), (2, 5)]);
        assert_eq!(list.node_count, 6);
    }

    #[test]
    fn a_bad_line_is_named_with_its_number() {
        let error = EdgeList::parse("0 1\n1 x\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.reason.contains("\"x\""), "{}", error.reason);
        assert_eq!(EdgeList::parse("7\n").unwrap_err().line, 1);
    }
}
