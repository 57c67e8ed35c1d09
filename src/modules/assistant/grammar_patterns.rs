//! The grammar's table of patterns, most specific first (the syntax is in `grammar`).

use std::sync::LazyLock;

use super::{Pattern, compile, page, properties};
use crate::modules::assistant::intent::Intent;

type Build = fn(&[String]) -> Intent;

/// The grammar, most specific first.
pub(super) static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let table: &[(&str, Build)] = &[
        // Help, undo and tasks.
        ("help", |_| Intent::Help),
        ("help|commands|examples [please]", |_| Intent::Help),
        ("what can you do", |_| Intent::Help),
        ("what do you do", |_| Intent::Help),
        ("how does this work", |_| Intent::Help),
        ("how do i use this|you", |_| Intent::Help),
        (
            "undo|revert [that|it|this|the] [last] [task|change|changes]",
            |_| Intent::Undo,
        ),
        (
            "roll back [that|it|the] [last] [task|change|changes]",
            |_| Intent::Undo,
        ),
        (
            "rollback [that|it|the] [last] [task|change|changes]",
            |_| Intent::Undo,
        ),
        ("take that|it back", |_| Intent::Undo),
        (
            "[what|show] [is] [the] status|progress [of] [the] [last] [task]",
            |_| Intent::TaskStatus { task: None },
        ),
        ("[what|show] [is] [the] status|progress of task {}", |c| {
            Intent::TaskStatus {
                task: Some(c[0].clone()),
            }
        }),
        ("task status [of] {}", |c| Intent::TaskStatus {
            task: Some(c[0].clone()),
        }),
        ("task {} status", |c| Intent::TaskStatus {
            task: Some(c[0].clone()),
        }),
        ("is it|that done|finished", |_| Intent::TaskStatus {
            task: None,
        }),
        ("is the [last] task done|finished", |_| Intent::TaskStatus {
            task: None,
        }),
        ("how is the task going", |_| Intent::TaskStatus {
            task: None,
        }),
        // The graph.
        (
            "[show|list|find|give|which|what] [me] [are] [the|all|my] orphans|orphan|orphaned [pages]",
            |_| Intent::Orphans,
        ),
        ("which|what pages are orphans|orphaned|unlinked", |_| {
            Intent::Orphans
        }),
        (
            "[which|what|show|list] [me] [the] pages [have|with] no links",
            |_| Intent::Orphans,
        ),
        (
            "[show|list|find] [me] [the] unlinked|isolated pages",
            |_| Intent::Orphans,
        ),
        (
            "[show|list|find|give|which|what] [me] [are] [the|my] [biggest|main|top] hubs|hub",
            |_| Intent::Hubs,
        ),
        ("which|what pages are hubs", |_| Intent::Hubs),
        (
            "[show|list|which|what] [me] [are] [the] most linked|connected [pages]",
            |_| Intent::Hubs,
        ),
        ("[show|list] [me] [the] top|central|important pages", |_| {
            Intent::Hubs
        }),
        (
            "what [is|has] changed|new [since] [the] [last] [sync]",
            |_| Intent::Changes,
        ),
        (
            "[show|list] [me] [the] [recent] changes [since] [the] [last] [sync]",
            |_| Intent::Changes,
        ),
        ("[show] [the] diff", |_| Intent::Changes),
        ("anything new [since] [the] [last] [sync]", |_| {
            Intent::Changes
        }),
        (
            "[give] [me] [a|the] summary|overview [of] community {}",
            |c| Intent::Summary {
                community: Some(c[0].clone()),
            },
        ),
        ("summarize|summarise|describe [the] community {}", |c| {
            Intent::Summary {
                community: Some(c[0].clone()),
            }
        }),
        (
            "[give] [me] [a|an|the] summary|overview [of] [the|my] [workspace|graph]",
            |_| Intent::Summary { community: None },
        ),
        (
            "summarize|summarise|describe [the|my] [workspace|graph]",
            |_| Intent::Summary { community: None },
        ),
        ("what is in [the|my] workspace|graph", |_| Intent::Summary {
            community: None,
        }),
        // Links.
        (
            "what|which|who [pages] link|links|linking|point|points|refer|refers|mention|mentions|reference|references to {}",
            |c| Intent::Backlinks { page: page(&c[0]) },
        ),
        (
            "what|which|who [pages] [is|are] linking|pointing|referring to {}",
            |c| Intent::Backlinks { page: page(&c[0]) },
        ),
        (
            "what|which|who [pages] mention|mentions|reference|references|cite|cites {}",
            |c| Intent::Backlinks { page: page(&c[0]) },
        ),
        (
            "[show|list|find] [me] [the] backlinks|backlink [of|for|to] {}",
            |c| Intent::Backlinks { page: page(&c[0]) },
        ),
        (
            "[show|list|find] [me] [the] pages|links linking|pointing to {}",
            |c| Intent::Backlinks { page: page(&c[0]) },
        ),
        ("[show|list] [me] [the] links|incoming to {}", |c| {
            Intent::Backlinks { page: page(&c[0]) }
        }),
        ("what|where does {} link|point|lead to", |c| Intent::Links {
            page: page(&c[0]),
        }),
        ("what|which pages does {} link|point to", |c| {
            Intent::Links { page: page(&c[0]) }
        }),
        ("what|where does {} link|point|mention|reference", |c| {
            Intent::Links { page: page(&c[0]) }
        }),
        (
            "[show|list] [me] [the] [outgoing] links from|of|in {}",
            |c| Intent::Links { page: page(&c[0]) },
        ),
        ("what is linked from {}", |c| Intent::Links {
            page: page(&c[0]),
        }),
        (
            "[show|find] [me] [the|a] [shortest] path|route from {} to {}",
            |c| Intent::Path {
                from: page(&c[0]),
                to: page(&c[1]),
            },
        ),
        (
            "[show|find] [me] [the|a] [shortest] path|route between {} and {}",
            |c| Intent::Path {
                from: page(&c[0]),
                to: page(&c[1]),
            },
        ),
        ("what is [the] [shortest] path|route from {} to {}", |c| {
            Intent::Path {
                from: page(&c[0]),
                to: page(&c[1]),
            }
        }),
        ("how is|are {} connected|linked|related to {}", |c| {
            Intent::Path {
                from: page(&c[0]),
                to: page(&c[1]),
            }
        }),
        ("how does|do {} connect|link|relate to {}", |c| {
            Intent::Path {
                from: page(&c[0]),
                to: page(&c[1]),
            }
        }),
        ("how do i get from {} to {}", |c| Intent::Path {
            from: page(&c[0]),
            to: page(&c[1]),
        }),
        ("is {} connected|linked to {}", |c| Intent::Path {
            from: page(&c[0]),
            to: page(&c[1]),
        }),
        // Writes. Trashing comes before moving ("move X to the trash").
        ("move|send|put|throw {} to|in|into [the] trash|bin", |c| {
            Intent::Archive { page: page(&c[0]) }
        }),
        ("archive|trash|delete|remove {}", |c| Intent::Archive {
            page: page(&c[0]),
        }),
        ("get rid of {}", |c| Intent::Archive { page: page(&c[0]) }),
        ("throw away {}", |c| Intent::Archive { page: page(&c[0]) }),
        (
            "add|create|insert [a|an|the] [new] row|entry|record|item {} to|in|into {} with {}",
            |c| Intent::AddRow {
                title: c[0].clone(),
                database: page(&c[1]),
                properties: properties(&c[2]),
            },
        ),
        (
            "add|create|insert [a|an|the] [new] row|entry|record|item {} to|in|into {}",
            |c| Intent::AddRow {
                title: c[0].clone(),
                database: page(&c[1]),
                properties: Vec::new(),
            },
        ),
        ("new row|entry|record {} in|to {} with {}", |c| {
            Intent::AddRow {
                title: c[0].clone(),
                database: page(&c[1]),
                properties: properties(&c[2]),
            }
        }),
        ("new row|entry|record {} in|to {}", |c| Intent::AddRow {
            title: c[0].clone(),
            database: page(&c[1]),
            properties: Vec::new(),
        }),
        (
            "add|create [a|an] to-do|todo|task|checkbox {} to|in|on|under {}",
            |c| Intent::AddTodo {
                text: c[0].clone(),
                page: page(&c[1]),
            },
        ),
        ("add|create [a|an] to do {} to|in|on {}", |c| {
            Intent::AddTodo {
                text: c[0].clone(),
                page: page(&c[1]),
            }
        }),
        ("add {} as [a] to-do|todo|task to|in|on {}", |c| {
            Intent::AddTodo {
                text: c[0].clone(),
                page: page(&c[1]),
            }
        }),
        ("to-do|todo {} in|on|to {}", |c| Intent::AddTodo {
            text: c[0].clone(),
            page: page(&c[1]),
        }),
        ("remind me to {} in|on {}", |c| Intent::AddTodo {
            text: c[0].clone(),
            page: page(&c[1]),
        }),
        (
            "create|make|add [a|an|the] [new] [sub] page|subpage|doc|note [called|named|titled] {} under|in|inside|within|to|below {} with [the] [text|content|body] {}",
            |c| Intent::CreatePage {
                title: c[0].clone(),
                parent: page(&c[1]),
                text: Some(c[2].clone()),
            },
        ),
        (
            "create|make|add [a|an|the] [new] [sub] page|subpage|doc|note [called|named|titled] {} under|in|inside|within|to|below {}",
            |c| Intent::CreatePage {
                title: c[0].clone(),
                parent: page(&c[1]),
                text: None,
            },
        ),
        (
            "new page|subpage [called|named|titled] {} under|in|inside {} with [the] [text|content] {}",
            |c| Intent::CreatePage {
                title: c[0].clone(),
                parent: page(&c[1]),
                text: Some(c[2].clone()),
            },
        ),
        (
            "new page|subpage [called|named|titled] {} under|in|inside {}",
            |c| Intent::CreatePage {
                title: c[0].clone(),
                parent: page(&c[1]),
                text: None,
            },
        ),
        ("comment on|to {} : {}", |c| Intent::Comment {
            page: page(&c[0]),
            text: c[1].clone(),
        }),
        ("comment on|to {} saying|with|that {}", |c| {
            Intent::Comment {
                page: page(&c[0]),
                text: c[1].clone(),
            }
        }),
        ("leave|add|post|write [a] comment on|to {} : {}", |c| {
            Intent::Comment {
                page: page(&c[0]),
                text: c[1].clone(),
            }
        }),
        (
            "leave|add|post|write [a] comment on|to {} saying|with|that {}",
            |c| Intent::Comment {
                page: page(&c[0]),
                text: c[1].clone(),
            },
        ),
        ("leave|add|post|write [a] comment {} on|to {}", |c| {
            Intent::Comment {
                text: c[0].clone(),
                page: page(&c[1]),
            }
        }),
        ("comment {} on {}", |c| Intent::Comment {
            text: c[0].clone(),
            page: page(&c[1]),
        }),
        ("rename|retitle {} to|as|into {}", |c| Intent::Rename {
            page: page(&c[0]),
            title: c[1].clone(),
        }),
        ("change|set [the] title|name of {} to {}", |c| {
            Intent::Rename {
                page: page(&c[0]),
                title: c[1].clone(),
            }
        }),
        (
            "move|put|nest {} under|into|inside|below|within|to|in {}",
            |c| Intent::Move {
                page: page(&c[0]),
                parent: page(&c[1]),
            },
        ),
        (
            "append|add|write [the] [text|line|note|paragraph] {} to|in|on|at|into [the] [end] [of] {}",
            |c| Intent::Append {
                text: c[0].clone(),
                page: page(&c[1]),
            },
        ),
        ("append|add|write to {} : {}", |c| Intent::Append {
            page: page(&c[0]),
            text: c[1].clone(),
        }),
        ("note {} in|on {}", |c| Intent::Append {
            text: c[0].clone(),
            page: page(&c[1]),
        }),
        // Finding and opening pages: the most general, last.
        (
            "search|look [for|up] [pages] [for|about|with|named|titled|called] {}",
            |c| Intent::Search { text: c[0].clone() },
        ),
        (
            "find [me] [all] [the] [pages|page] [about|with|named|titled|called|mentioning] {}",
            |c| Intent::Search { text: c[0].clone() },
        ),
        ("[which|what] pages are about|titled|named|called {}", |c| {
            Intent::Search { text: c[0].clone() }
        }),
        (
            "[show|list] [me] [all] pages about|titled|named|called|with {}",
            |c| Intent::Search { text: c[0].clone() },
        ),
        ("open|show|display|view|read [me] [the] [page] {}", |c| {
            Intent::Open { page: page(&c[0]) }
        }),
        ("go|take [me] to {}", |c| Intent::Open { page: page(&c[0]) }),
        ("what is in|on {}", |c| Intent::Open { page: page(&c[0]) }),
        ("what does {} say", |c| Intent::Open { page: page(&c[0]) }),
    ];
    table
        .iter()
        .map(|(text, build)| compile(text, *build))
        .collect()
});
