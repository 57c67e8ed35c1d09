//! File names for exported pages: one title becomes a name that every common file system
//! (Windows, macOS, Linux) accepts, and siblings get names that are unique (case-insensitively,
//! as macOS and Windows compare them) and stable from one export to the next.

use std::collections::HashSet;

/// Longest stem in bytes. Every file system we target allows 255 bytes (or UTF-16 units) per
/// component; the stem stays far below so that a collision suffix and `.md` always fit and
/// nested paths stay usable on Windows.
pub const MAX_STEM_BYTES: usize = 100;

/// What a page is called when its title leaves nothing usable.
pub const UNTITLED: &str = "Untitled";

/// Names Windows reserves for devices, whatever the extension (`CON.md` is the console).
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A title as a file-name stem: no path separators or characters Windows refuses, no control
/// or bidirectional-override characters (which can disguise an extension), no leading dots
/// (hidden files, `..`), no trailing dots or spaces (Windows drops them), not a device name,
/// at most [`MAX_STEM_BYTES`]. Never empty.
pub fn sanitize(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .filter(|c| !is_invisible_control(*c))
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() || c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    let collapsed = cleaned.split(' ').filter(|w| !w.is_empty());
    let joined = collapsed.collect::<Vec<_>>().join(" ");
    let trimmed = truncate(joined.trim_start_matches(['.', ' ']), MAX_STEM_BYTES);
    let stem = trimmed.trim_end_matches(['.', ' ']);
    if stem.is_empty() {
        return UNTITLED.to_owned();
    }
    if is_reserved(stem) {
        return format!("{stem}_");
    }
    stem.to_owned()
}

/// Bidirectional controls, zero-width and byte-order marks: they change how a name displays
/// without being visible (`photo\u{202e}gpj.exe` shows as `photoexe.jpg`).
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{061c}' | '\u{feff}')
}

/// A device name, alone or followed by an extension (`aux.tar.gz`), in any case; Windows
/// also ignores trailing spaces and dots before comparing.
fn is_reserved(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).trim_end();
    RESERVED.contains(&base.to_ascii_lowercase().as_str())
}

/// At most `max` bytes, cut at a character boundary, without a dangling joiner or variation
/// selector (half an emoji sequence).
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_end_matches(['\u{200d}', '\u{fe0f}', '\u{fe0e}'])
}

/// One sibling to name: its id (for the collision suffix) and its title.
#[derive(Debug, Clone)]
pub struct Sibling<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// Whether it needs a folder of the same stem beside its file.
    pub folder: bool,
    /// A database is only a folder (its schema is `_database.md` inside).
    pub only_folder: bool,
}

/// Unique stems for the siblings of one folder, in the order given. The caller gives them in a
/// stable order (oldest first), so the first of a title keeps it and later ones get the first
/// eight hex digits of their id: `Notes (1a2b3c4d)`. `taken` holds names the folder already
/// uses (`json`, `rows.csv`, ...), compared case-insensitively.
pub fn assign(siblings: &[Sibling<'_>], taken: &[&str]) -> Vec<String> {
    let mut used: HashSet<String> = taken.iter().map(|t| t.to_lowercase()).collect();
    siblings
        .iter()
        .map(|sibling| {
            let base = sanitize(sibling.title);
            let short: String = sibling.id.chars().filter(|c| *c != '-').take(8).collect();
            let full: String = sibling.id.chars().filter(|c| *c != '-').collect();
            let candidates = [
                base.clone(),
                format!("{base} ({short})"),
                format!("{base} ({full})"),
            ];
            let stem = candidates
                .into_iter()
                .find(|stem| claims(stem, sibling).iter().all(|n| !used.contains(n)))
                .unwrap_or_else(|| format!("{UNTITLED} ({full})"));
            used.extend(claims(&stem, sibling));
            stem
        })
        .collect()
}

/// The lower-case names a sibling with this stem occupies in its folder.
fn claims(stem: &str, sibling: &Sibling<'_>) -> Vec<String> {
    let stem = stem.to_lowercase();
    let mut names = Vec::with_capacity(2);
    if !sibling.only_folder {
        names.push(format!("{stem}.md"));
    }
    if sibling.folder || sibling.only_folder {
        names.push(stem);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(id: &'a str, title: &'a str) -> Sibling<'a> {
        Sibling {
            id,
            title,
            folder: false,
            only_folder: false,
        }
    }

    #[test]
    fn hostile_titles_become_harmless_names() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize(".."), UNTITLED);
        assert_eq!(sanitize("..."), UNTITLED);
        assert_eq!(sanitize(""), UNTITLED);
        assert_eq!(sanitize("   "), UNTITLED);
        assert_eq!(sanitize(".hidden"), "hidden");
        assert_eq!(sanitize("CON"), "CON_");
        assert_eq!(sanitize("con.txt"), "con.txt_");
        assert_eq!(sanitize("Lpt9"), "Lpt9_");
        assert_eq!(sanitize("Console"), "Console");
        assert_eq!(sanitize("a:b*c?d\"e<f>g|h\\i"), "a_b_c_d_e_f_g_h_i");
        assert_eq!(sanitize("tab\tand\nnewline\u{0}"), "tab and newline");
        assert_eq!(sanitize("trailing dots..."), "trailing dots");
        assert_eq!(sanitize("photo\u{202e}gpj.exe"), "photogpj.exe");
    }

    #[test]
    fn emoji_and_right_to_left_titles_are_kept() {
        assert_eq!(sanitize("🚀 Launch plan"), "🚀 Launch plan");
        assert_eq!(sanitize("שלום עולם"), "שלום עולם");
        assert_eq!(sanitize("مرحبا"), "مرحبا");
    }

    #[test]
    fn long_titles_are_cut_at_a_character_boundary() {
        let long = "é".repeat(300);
        let stem = sanitize(&long);
        assert!(stem.len() <= MAX_STEM_BYTES, "{}", stem.len());
        assert!(stem.chars().all(|c| c == 'é'));
        let family = "👨\u{200d}👩\u{200d}👧".repeat(40);
        let stem = sanitize(&family);
        assert!(stem.len() <= MAX_STEM_BYTES);
        assert!(!stem.ends_with('\u{200d}'));
    }

    #[test]
    fn collisions_get_the_short_id_and_the_first_keeps_the_title() {
        let siblings = [
            page("aaaaaaaa-0000-0000-0000-000000000001", "Notes"),
            page("bbbbbbbb-0000-0000-0000-000000000002", "notes"),
            page("cccccccc-0000-0000-0000-000000000003", "Notes"),
            page("dddddddd-0000-0000-0000-000000000004", "Other"),
        ];
        let names = assign(&siblings, &[]);
        assert_eq!(
            names,
            ["Notes", "notes (bbbbbbbb)", "Notes (cccccccc)", "Other"]
        );
        assert_eq!(
            assign(&siblings, &[]),
            names,
            "the same input, the same names"
        );
    }

    #[test]
    fn reserved_names_and_folders_collide_too() {
        let db = Sibling {
            id: "11111111-0000-0000-0000-000000000000",
            title: "json",
            folder: true,
            only_folder: true,
        };
        let names = assign(&[db], &["json", "manifest.json"]);
        assert_eq!(names, ["json (11111111)"]);
        let with_folder = Sibling {
            folder: true,
            ..page("22222222-0000-0000-0000-000000000000", "A.md")
        };
        let names = assign(
            &[
                page("33333333-0000-0000-0000-000000000000", "A"),
                with_folder,
            ],
            &[],
        );
        assert_eq!(
            names,
            ["A", "A.md (22222222)"],
            "folder `A.md` beside file `A.md`"
        );
    }
}
