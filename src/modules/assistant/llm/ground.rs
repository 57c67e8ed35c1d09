//! The injection defence, in code: a write (or an undo) the model proposes is planned only when
//! the user's own message asks for it, that is when the message holds a word for that kind of
//! change and every page name and text the call carries (as written, or within a typo or two).
//! So nothing the model read (a page's text, a title in a search result) can become a write
//! the user did not ask for, whatever the model was talked into; and even a grounded write is
//! only a plan, which waits for the user's confirmation.

use crate::modules::assistant::grammar::distance;
use crate::modules::assistant::intent::Intent;
use crate::modules::assistant::resolve::escape;
use crate::modules::notion::ids;

/// Why a proposed write was refused, in words for the model and the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Ungrounded(pub String);

/// Whether `message` (the user's, as typed) asks for `intent`; reads always pass.
pub fn check(intent: &Intent, message: &str) -> Result<(), Ungrounded> {
    let Some((what, verbs, slots)) = parts(intent) else {
        return Ok(());
    };
    let folded = fold(message);
    if !verbs.iter().any(|verb| has_word(&folded, verb)) {
        return Err(Ungrounded(format!(
            "your message does not ask to {what}, so I did not plan it"
        )));
    }
    match slots
        .into_iter()
        .find(|slot| !appears(message, &folded, slot))
    {
        None => Ok(()),
        Some(slot) => Err(Ungrounded(format!(
            "“{}” is not in your message, and I only plan changes to the pages and with the words you wrote",
            escape(&slot.chars().take(80).collect::<String>())
        ))),
    }
}

type Parts<'a> = (&'static str, &'static [&'static str], Vec<&'a str>);

/// What the write is called, the words that ask for it, and the slots it carries.
fn parts(intent: &Intent) -> Option<Parts<'_>> {
    const CREATE: &[&str] = &["create", "new", "make", "add", "start"];
    const ADD: &[&str] = &[
        "add", "append", "write", "put", "insert", "note", "todo", "to do", "task", "remind",
    ];
    Some(match intent {
        Intent::CreatePage {
            title,
            parent,
            text,
        } => {
            let mut slots = vec![title.as_str(), parent.as_str()];
            slots.extend(text.as_deref());
            ("create a page", CREATE, slots)
        }
        Intent::AddTodo { text, page } => ("add a to-do", ADD, vec![text, page.as_str()]),
        Intent::Append { text, page } => ("append text", ADD, vec![text, page.as_str()]),
        Intent::AddRow {
            database,
            title,
            properties,
        } => {
            let mut slots = vec![database.as_str(), title.as_str()];
            slots.extend(
                properties
                    .iter()
                    .flat_map(|(n, v)| [n.as_str(), v.as_str()]),
            );
            (
                "add a row",
                &[
                    "add", "row", "entry", "record", "insert", "new", "create", "log",
                ],
                slots,
            )
        }
        Intent::Comment { page, text } => (
            "comment",
            &[
                "comment", "reply", "remark", "note", "say", "tell", "write", "add",
            ],
            vec![page.as_str(), text],
        ),
        Intent::Rename { page, title } => (
            "rename a page",
            &["rename", "retitle", "call", "name", "title", "change"],
            vec![page.as_str(), title],
        ),
        Intent::Move { page, parent } => (
            "move a page",
            &["move", "put", "place", "nest", "file", "relocate", "under"],
            vec![page.as_str(), parent.as_str()],
        ),
        Intent::Archive { page } => (
            "move a page to the trash",
            &[
                "archive",
                "trash",
                "delete",
                "remove",
                "bin",
                "discard",
                "get rid",
                "throw away",
            ],
            vec![page.as_str()],
        ),
        Intent::Undo => (
            "undo the last task",
            &[
                "undo",
                "revert",
                "roll back",
                "rollback",
                "take back",
                "reverse",
                "restore",
            ],
            Vec::new(),
        ),
        _ => return None,
    })
}

/// Lower case, letters and digits only, one space between words, a space at each end.
fn fold(text: &str) -> String {
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    format!(" {} ", words.join(" "))
}

/// Whether a word (or words) of the message starts with `verb` ("archived" has "archive").
fn has_word(folded: &str, verb: &str) -> bool {
    folded.contains(&format!(" {verb}"))
}

fn appears(message: &str, folded: &str, slot: &str) -> bool {
    let wanted = fold(slot);
    if wanted.trim().is_empty() {
        return message.contains(slot.trim());
    }
    if folded.contains(&wanted) {
        return true;
    }
    if let Some(id) = ids::from_notion_url(slot).or_else(|| ids::normalize(slot.trim())) {
        let hex = id.replace('-', "");
        return message.to_lowercase().replace('-', "").contains(&hex);
    }
    close_words(folded, wanted.trim())
}

/// A run of the message's words within a typo or two of `wanted` (the model fixed a typo).
fn close_words(folded: &str, wanted: &str) -> bool {
    let length = wanted.chars().count();
    if length < 4 {
        return false;
    }
    let allowed = (length / 6).max(1);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let count = wanted.split(' ').count();
    words
        .windows(count)
        .any(|run| distance(&run.join(" "), wanted) <= allowed)
}

#[cfg(test)]
#[path = "ground_tests.rs"]
mod tests;
