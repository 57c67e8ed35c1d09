//! The dashboard's files (`web/dashboard/`), compiled into the binary and served content-hashed
//! under `/assets/<hash>/...` ([`crate::static_files`]).

use crate::static_files::StaticFiles;

/// Every file a page may load.
pub static FILES: StaticFiles = crate::static_files!(
    "/assets/",
    "dashboard",
    [
        "style.css",
        "theme.js",
        "progress.js",
        "graph.js",
        "copy.js",
        "billing.js",
        "assistant.js",
        "assistant-markdown.js",
        "assistant-socket.js"
    ]
);

/// Where the files of this build are served, ending in `/`.
pub fn base() -> &'static str {
    FILES.base()
}
