//! The offline planner's grammar: a message is tokenised (quoted text stays one token), its
//! politeness is dropped ("could you please ... thanks"), and it is matched against a table of
//! patterns, first match wins. A pattern's words tolerate one typo (two in long words); its
//! slots take the user's own words, unchanged, so a page name is never "corrected" here.
//!
//! Pattern syntax: `word`, `a|b` (either word), `[a|b]` (optionally one of them), `{}` (a slot:
//! one or more tokens, as few as the rest of the pattern allows).

use super::intent::{Intent, PageName};

/// One word of a message.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    /// As typed (the inside of a quoted token).
    text: String,
    /// Lowercase, for matching pattern words.
    folded: String,
    /// Written in quotes: only a slot can take it.
    quoted: bool,
}

/// What a message asks for.
pub fn parse(message: &str) -> Intent {
    let tokens = strip_politeness(tokenise(message));
    if tokens.is_empty() {
        return Intent::Help;
    }
    for pattern in PATTERNS.iter() {
        let mut captures = Vec::new();
        if matches(&pattern.items, &tokens, &mut captures) {
            return (pattern.build)(&captures);
        }
    }
    Intent::Unknown
}

fn tokenise(message: &str) -> Vec<Token> {
    let message = message.trim().trim_end_matches(['?', '!', '.', ' ']);
    let mut tokens = Vec::new();
    let mut chars = message.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if word.is_empty() {
            return;
        }
        // A colon ending a word ("Roadmap: text") is a token of its own.
        let colon = word.len() > 1 && word.ends_with(':');
        let text = word.trim_end_matches(':').to_owned();
        if !text.is_empty() {
            tokens.extend(expand(&text));
        }
        if colon {
            tokens.push(plain(":"));
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        let closing = match c {
            '"' => Some('"'),
            '“' => Some('”'),
            '«' => Some('»'),
            _ => None,
        };
        match closing {
            Some(close) if word.is_empty() => {
                let inner: String = chars.by_ref().take_while(|&c| c != close).collect();
                tokens.push(Token {
                    folded: inner.to_lowercase(),
                    text: inner,
                    quoted: true,
                });
            }
            _ if c.is_whitespace() => flush(&mut word, &mut tokens),
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// `what's` is `what is` (for the few words whose `'s` the grammar reads).
fn expand(text: &str) -> Vec<Token> {
    let folded = text.to_lowercase().replace('’', "'");
    match folded.trim_end_matches(PUNCTUATION).strip_suffix("'s") {
        Some(stem @ ("what" | "where" | "who" | "that" | "it" | "how" | "there")) => {
            vec![plain(stem), plain("is")]
        }
        _ => vec![plain(text)],
    }
}

fn plain(text: &str) -> Token {
    Token {
        text: text.to_owned(),
        folded: text.to_lowercase().trim_end_matches(PUNCTUATION).to_owned(),
        quoted: false,
    }
}

/// What may follow a word without being part of it ("Roadmap?", "hi,").
const PUNCTUATION: &[char] = &[',', '?', '!'];

/// Words that only make a request polite, dropped from its start and end.
const POLITE_STARTS: &[&[&str]] = &[
    &["please"],
    &["pls"],
    &["plz"],
    &["kindly"],
    &["hey"],
    &["hi"],
    &["hello"],
    &["ok"],
    &["okay"],
    &["so"],
    &["now"],
    &["assistant"],
    &["can", "you"],
    &["could", "you"],
    &["would", "you"],
    &["will", "you"],
    &["can", "u"],
    &["could", "u"],
    &["tell", "me"],
    &["i'd", "like", "you", "to"],
    &["i", "would", "like", "you", "to"],
    &["i", "want", "you", "to"],
    &["i", "need", "you", "to"],
    &["i'd", "like", "to"],
    &["i", "would", "like", "to"],
    &["i", "want", "to"],
    &["i", "need", "to"],
    &["let's"],
    &["lets"],
    &["go", "ahead", "and"],
    &["quickly"],
    &["help", "me"],
    &["do", "you", "know"],
];
const POLITE_ENDS: &[&[&str]] = &[
    &["please"],
    &["pls"],
    &["thanks"],
    &["thx"],
    &["thank", "you"],
    &["for", "me"],
    &["now"],
];

fn strip_politeness(mut tokens: Vec<Token>) -> Vec<Token> {
    loop {
        let before = tokens.len();
        if let Some(n) = POLITE_STARTS
            .iter()
            .find(|words| starts_with(&tokens, words))
        {
            tokens.drain(..n.len());
        }
        if let Some(n) = POLITE_ENDS.iter().find(|words| ends_with(&tokens, words)) {
            tokens.truncate(tokens.len() - n.len());
        }
        if tokens.len() == before {
            return tokens;
        }
    }
}

fn starts_with(tokens: &[Token], words: &[&str]) -> bool {
    tokens.len() >= words.len()
        && words
            .iter()
            .zip(tokens)
            .all(|(w, t)| !t.quoted && close(&t.folded, w))
}

fn ends_with(tokens: &[Token], words: &[&str]) -> bool {
    tokens.len() > words.len() && starts_with(&tokens[tokens.len() - words.len()..], words)
}

/// Whether a typed word is the pattern's `word`: equal, or one typo (an insertion, deletion,
/// substitution or swap of neighbours) away in a word of four letters or more, two in eight.
fn close(typed: &str, word: &str) -> bool {
    if typed == word {
        return true;
    }
    let length = word.chars().count();
    let allowed = match length {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    typed.chars().count().abs_diff(length) <= allowed && distance(typed, word) <= allowed
}

/// Optimal string alignment distance (Levenshtein with swaps of neighbours).
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    distance_within(&a, &b, usize::MAX, &mut Rows::default()).unwrap_or(usize::MAX)
}

/// The three rolling rows [`distance_within`] fills, kept between calls so that a scan over
/// many titles allocates nothing.
#[derive(Default)]
pub struct Rows {
    before: Vec<usize>,
    previous: Vec<usize>,
    current: Vec<usize>,
}

/// The optimal string alignment distance of `a` and `b` if it is at most `max`. It gives up
/// at the first row whose every cell is past `max`: no later row can come back under it.
pub fn distance_within(a: &[char], b: &[char], max: usize, rows: &mut Rows) -> Option<usize> {
    let Rows {
        before,
        previous,
        current,
    } = rows;
    before.clear();
    before.resize(b.len() + 1, 0);
    previous.clear();
    previous.extend(0..=b.len());
    current.clear();
    current.resize(b.len() + 1, 0);
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        if current.iter().min().is_some_and(|&least| least > max) {
            return None;
        }
        std::mem::swap(before, previous);
        std::mem::swap(previous, current);
    }
    Some(previous[b.len()]).filter(|&d| d <= max)
}

#[derive(Debug)]
enum Item {
    Word(Vec<&'static str>),
    Optional(Vec<&'static str>),
    Slot,
}

struct Pattern {
    items: Vec<Item>,
    build: fn(&[String]) -> Intent,
}

fn compile(text: &'static str, build: fn(&[String]) -> Intent) -> Pattern {
    let items = text
        .split_whitespace()
        .map(|item| match item {
            "{}" => Item::Slot,
            _ if item.starts_with('[') => {
                Item::Optional(item.trim_matches(['[', ']']).split('|').collect())
            }
            _ => Item::Word(item.split('|').collect()),
        })
        .collect();
    Pattern { items, build }
}

fn matches(items: &[Item], tokens: &[Token], captures: &mut Vec<String>) -> bool {
    let word_at = |words: &[&str], at: usize| {
        tokens
            .get(at)
            .is_some_and(|t| !t.quoted && words.iter().any(|w| close(&t.folded, w)))
    };
    match items.split_first() {
        None => tokens.is_empty(),
        Some((Item::Word(words), rest)) => {
            word_at(words, 0) && matches(rest, &tokens[1..], captures)
        }
        Some((Item::Optional(words), rest)) => {
            (word_at(words, 0) && matches(rest, &tokens[1..], captures))
                || matches(rest, tokens, captures)
        }
        Some((Item::Slot, rest)) => {
            for taken in 1..=tokens.len() {
                let text: Vec<&str> = tokens[..taken].iter().map(|t| t.text.as_str()).collect();
                captures.push(text.join(" ").trim_end_matches(PUNCTUATION).to_owned());
                if matches(rest, &tokens[taken..], captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

fn page(text: &str) -> PageName {
    PageName::new(text)
}

/// `Status=Done, Priority: High and Owner = Ana` → pairs; a part without `=` or `:` is kept
/// whole as a name with an empty value, which the plan refuses with an explanation.
pub fn properties(text: &str) -> Vec<(String, String)> {
    text.split([',', ';'])
        .flat_map(|part| part.split(" and "))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once(['=', ':']) {
            Some((name, value)) => (name.trim().to_owned(), value.trim().to_owned()),
            None => (part.to_owned(), String::new()),
        })
        .collect()
}

#[path = "grammar_patterns.rs"]
mod patterns;
use patterns::PATTERNS;

#[cfg(test)]
#[path = "grammar_tests.rs"]
mod tests;
