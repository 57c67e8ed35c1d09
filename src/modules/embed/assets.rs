//! The viewer's files (`web/embed/`), compiled into the binary and served content-hashed under
//! `/embed/assets/<hash>/...` ([`crate::static_files`]).

use crate::static_files::StaticFiles;

/// Every file the page may load.
pub static FILES: StaticFiles = crate::static_files!(
    "/embed/assets/",
    "embed",
    [
        "style.css",
        "viewer/main.js",
        "viewer/data.js",
        "viewer/state.js",
        "viewer/camera.js",
        "viewer/renderer.js",
        "viewer/gl/program.js",
        "viewer/gl/points.js",
        "viewer/gl/lines.js",
        "viewer/picking.js",
        "viewer/labels.js",
        "viewer/search.js",
        "viewer/card.js",
        "viewer/legend.js",
        "viewer/input.js",
        "viewer/fallback.js",
        "viewer/filters.js",
        "viewer/theme.js",
        "viewer/fragment.js",
        "viewer/versions.js",
        "viewer/marks.js",
        "viewer/picture.js",
        "viewer/preset.js",
    ]
);

/// Where the files of this build are served, ending in `/`.
pub fn base() -> &'static str {
    FILES.base()
}
