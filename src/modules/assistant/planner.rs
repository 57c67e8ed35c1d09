//! The offline planner: from an [`Intent`] and the graph to what the assistant does this turn.
//! Reads are answered here and now; writes become a plan of checked steps; a page name that
//! fits several pages becomes a numbered question. Nothing here reads page contents, so
//! nothing a page says can change what is planned.

use serde::{Deserialize, Serialize};

use super::answer::{Graph, HELP};
use super::intent::{Intent, PageName};
use super::plan::{Action, Property, Step};
use super::resolve::{Resolution, Target, escape};
use crate::modules::graph::SnapshotDiff;

/// A question waiting for the user's answer: which of the candidates `name` meant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub intent: Intent,
    pub name: PageName,
    pub candidates: Vec<Target>,
}

/// What the assistant does with one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    /// A reply, complete (reads, help, refusals).
    Answer(String),
    /// The page's place in the graph; the caller adds the start of its text, quoted.
    Open {
        target: Target,
        text: String,
    },
    /// A numbered question (its text) and what to resume with the answer.
    Ask {
        text: String,
        question: Question,
    },
    /// Steps that wait for the user's confirmation.
    Propose {
        text: String,
        steps: Vec<Step>,
    },
    Undo,
    Status(Option<String>),
}

/// What `intent` comes to over `graph` (`diff`: the newest snapshot diff, for `Changes`).
pub fn plan(intent: Intent, graph: &Graph, diff: Option<&SnapshotDiff>) -> Turn {
    match run(&intent, graph, diff) {
        Ok(turn) => turn,
        Err(Unresolved::Missing(name)) => Turn::Answer(format!(
            "I found no page called “{}”. Check the name, paste its Notion link, or try *search for {}*.",
            escape(name.as_str()),
            escape(name.as_str())
        )),
        Err(Unresolved::Ambiguous(name, candidates)) => Turn::Ask {
            text: question_text(&name, &candidates),
            question: Question {
                intent,
                name,
                candidates,
            },
        },
        Err(Unresolved::Refused(reason)) => {
            Turn::Answer(format!("I can't plan that: {reason}. Nothing was changed."))
        }
    }
}

enum Unresolved {
    Missing(PageName),
    Ambiguous(PageName, Vec<Target>),
    Refused(String),
}

fn question_text(name: &PageName, candidates: &[Target]) -> String {
    let lines: Vec<String> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {}", i + 1, c.link()))
        .collect();
    format!(
        "Several pages fit “{}”. Which one do you mean? Answer with its number.\n{}",
        escape(name.as_str()),
        lines.join("\n")
    )
}

fn find(graph: &Graph, name: &PageName) -> Result<Target, Unresolved> {
    match graph.index.resolve(name) {
        Resolution::Found(target) => Ok(target),
        Resolution::Ambiguous(candidates) => Err(Unresolved::Ambiguous(name.clone(), candidates)),
        Resolution::Missing => Err(Unresolved::Missing(name.clone())),
    }
}

fn run(intent: &Intent, graph: &Graph, diff: Option<&SnapshotDiff>) -> Result<Turn, Unresolved> {
    let answer = |text: String| Ok(Turn::Answer(text));
    match intent {
        Intent::Help => answer(HELP.into()),
        Intent::Unknown => answer(format!(
            "I did not understand that, so I did nothing. {HELP}"
        )),
        Intent::Undo => Ok(Turn::Undo),
        Intent::TaskStatus { task } => Ok(Turn::Status(task.clone())),
        Intent::Search { text } => answer(graph.search(text)),
        Intent::Backlinks { page } => answer(graph.backlinks(&find(graph, page)?)),
        Intent::Links { page } => answer(graph.links(&find(graph, page)?)),
        Intent::Orphans => answer(graph.orphans()),
        Intent::Hubs => answer(graph.hubs()),
        Intent::Path { from, to } => {
            let from = find(graph, from)?;
            answer(graph.path(&from, &find(graph, to)?))
        }
        Intent::Summary { community: None } => answer(graph.summary()),
        Intent::Summary {
            community: Some(label),
        } => answer(graph.community(label)),
        Intent::Changes => answer(match diff {
            Some(diff) => graph.changes(diff),
            None => "Only one snapshot exists yet: nothing to compare it with.".into(),
        }),
        Intent::Open { page } => {
            let target = find(graph, page)?;
            Ok(Turn::Open {
                text: graph.open(&target),
                target,
            })
        }
        write => propose(write, graph),
    }
}

fn propose(intent: &Intent, graph: &Graph) -> Result<Turn, Unresolved> {
    let (action, target) = match intent {
        Intent::CreatePage {
            title,
            parent,
            text,
        } => (
            Action::CreatePage {
                title: title.clone(),
                text: text.clone(),
            },
            parent,
        ),
        Intent::AddTodo { text, page } => (Action::AddTodo { text: text.clone() }, page),
        Intent::Append { text, page } => (Action::Append { text: text.clone() }, page),
        Intent::AddRow {
            database,
            title,
            properties,
        } => (
            Action::AddRow {
                title: title.clone(),
                properties: properties
                    .iter()
                    .map(|(name, value)| Property {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            },
            database,
        ),
        Intent::Comment { page, text } => (Action::Comment { text: text.clone() }, page),
        Intent::Rename { page, title } => (
            Action::Rename {
                title: title.clone(),
            },
            page,
        ),
        Intent::Move { page, parent } => {
            let target = find(graph, page)?;
            let parent = find(graph, parent)?;
            return step(Action::Move { parent }, target);
        }
        Intent::Archive { page } => (Action::Archive, page),
        other => return Err(Unresolved::Refused(format!("{other:?} is not a write"))),
    };
    step(action, find(graph, target)?)
}

fn step(action: Action, target: Target) -> Result<Turn, Unresolved> {
    let step = Step::new(action, target).map_err(|r| Unresolved::Refused(r.0))?;
    Ok(Turn::Propose {
        text: format!(
            "Here is the plan. Nothing changes until you confirm it.\n1. {}",
            step.change
        ),
        steps: vec![step],
    })
}

/// The intent to resume when `reply` answers `question` ("2", "#2", "the second", or a
/// candidate's exact title), or `None` when it is not an answer to it.
pub fn choose(question: &Question, reply: &str) -> Option<Intent> {
    const ORDINALS: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];
    let reply = reply.trim().trim_end_matches(['.', '!']).to_lowercase();
    let bare = reply
        .trim_start_matches("the ")
        .trim_start_matches("number ")
        .trim_start_matches('#')
        .trim_end_matches(" one");
    let picked = bare
        .parse::<usize>()
        .ok()
        .or_else(|| ORDINALS.iter().position(|o| *o == bare).map(|i| i + 1))
        .and_then(|n| question.candidates.get(n.checked_sub(1)?))
        .or_else(|| {
            let titled: Vec<&Target> = question
                .candidates
                .iter()
                .filter(|c| c.title.to_lowercase() == reply)
                .collect();
            (titled.len() == 1).then(|| titled[0])
        })?;
    Some(
        question
            .intent
            .clone()
            .choosing(&question.name, PageName(picked.id.clone())),
    )
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;
