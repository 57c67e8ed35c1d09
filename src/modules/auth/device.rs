//! A short description of the device behind a User-Agent ("Firefox on Linux"), so that a user
//! can tell their sessions apart. Parsed simply: the first browser and system names that
//! match, most specific first; what matches nothing is an "Unknown browser" (or an "Unknown
//! device" when neither matches). The raw header is not kept.

/// Browsers by a token their User-Agent carries. Edge, Opera and Samsung's browser also say
/// `Chrome`, and Chrome also says `Safari`, so they come first.
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
];

/// Systems by a token their User-Agent carries. Android says `Linux`, and iOS `Mac OS X`.
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// "Browser on system" from a User-Agent header, made only of the names above: nothing of the
/// header itself is copied into what pages show.
pub fn describe(user_agent: Option<&str>) -> String {
    let agent = user_agent.unwrap_or_default();
    let first = |names: &[(&str, &'static str)]| {
        names
            .iter()
            .find(|(token, _)| agent.contains(token))
            .map(|(_, name)| *name)
    };
    match (first(BROWSERS), first(SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("Unknown browser on {system}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_user_agents_name_their_browser_and_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
                "Chrome on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.11.0", "curl"),
        ];
        for (agent, expected) in cases {
            assert_eq!(describe(Some(agent)), expected, "{agent}");
        }
    }

    #[test]
    fn an_unknown_or_missing_user_agent_is_said_so_and_nothing_of_it_is_copied() {
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(
            describe(Some("<script>alert(1)</script>")),
            "Unknown device"
        );
        assert_eq!(
            describe(Some("Something (Windows NT 10.0)")),
            "Unknown browser on Windows"
        );
    }
}
