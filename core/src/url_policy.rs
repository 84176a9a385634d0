//! The one URL policy of the operator API (docs/url-policy.md): embedding origins
//! (`allowed_origins`), the webhook URL and gateway `base_url`s are parsed with the WHATWG URL
//! parser (the `url` crate, the same algorithm the Workers runtime's `fetch` uses) and checked
//! on the parsed host, never on string prefixes. What is stored is the parser's serialization,
//! so the edge later uses exactly the URL that was checked.
//!
//! - Everywhere: `http` or `https` only, written `scheme://`; no userinfo (`user:pass@`), no
//!   fragment, no whitespace, control characters or backslashes; host names are ASCII
//!   letters, digits, `-` and `.` (after IDNA), with at least two labels and not a reserved
//!   local name (`localhost`, `*.localhost`, `*.local`, `*.internal`, …); no IP literals.
//! - Loopback (`localhost`, `127.0.0.0/8`, `[::1]`, over http or https) only in local
//!   development (`DEV_MODE=true`), where the simulator and the tests' receivers listen; for
//!   gateway `base_url`s only in the test slot.
//! - Origins: scheme, host and port only. Webhook URLs: any path and query.
//! - Gateway `base_url`s: `https://` + one of the gateway's documented hosts for the slot's
//!   environment (`TEST_HOSTS` / `LIVE_HOSTS` in each gateway module), default port, no path
//!   or query.

use crate::auth::Environment;
use crate::gateway::{authorizenet, braintree, shift4, stripe, GatewayKind};
use url::{Host, Url};

/// Where the edge runs: loopback URLs are accepted only in local development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// `wrangler dev` with `DEV_MODE=true`: the local simulator and tests live on loopback.
    LocalDev,
    Deployed,
}

/// Why a URL was refused. `message()` is the 422 `msg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Not a URL, or not written `http://` / `https://`.
    Invalid,
    /// Whitespace, control characters or backslashes, which the parser would silently drop
    /// or reinterpret.
    Characters,
    Scheme,
    Userinfo,
    Fragment,
    /// An origin or a gateway base URL with a path or query.
    NotBare,
    /// Plain http to anything but loopback in local development.
    NotHttps,
    /// Not a host name this policy accepts (characters, single label, trailing dot).
    Host,
    /// A reserved local name: `localhost`, `*.localhost`, `*.local`, `*.internal`, …
    LocalName,
    /// An IP address instead of a host name (loopback outside local development included).
    IpLiteral,
    /// A gateway base URL on a host the gateway does not document for this environment.
    GatewayHost,
    /// A gateway base URL with a port other than 443.
    Port,
}

impl UrlError {
    pub fn message(self) -> &'static str {
        match self {
            UrlError::Invalid => "Value error, not a URL of the form https://host/…",
            UrlError::Characters => {
                "Value error, a URL may not contain whitespace, control characters or backslashes"
            }
            UrlError::Scheme => "Value error, only https:// URLs are accepted",
            UrlError::Userinfo => "Value error, a URL may not carry a user name or password (…@)",
            UrlError::Fragment => "Value error, a URL may not carry a fragment (#…)",
            UrlError::NotBare => "Value error, expected scheme, host and port only, without path or query",
            UrlError::NotHttps => {
                "Value error, only https:// URLs are accepted (plain http only to loopback in local development)"
            }
            UrlError::Host => "Value error, the host must be a public DNS name such as shop.example.com",
            UrlError::LocalName => {
                "Value error, the host is a local name (localhost, *.local, *.internal, …)"
            }
            UrlError::IpLiteral => {
                "Value error, the host must be a DNS name, not an IP address (loopback only in local development)"
            }
            UrlError::GatewayHost => {
                "Value error, base_url must be one of the gateway's documented hosts for this environment"
            }
            UrlError::Port => "Value error, a gateway base_url uses the default https port",
        }
    }
}

/// An embedding origin (`frame-ancestors`): `https://host[:port]`. Returns the serialized
/// origin (lower-case, punycode, no default port), which is what the CSP header carries.
pub fn origin(raw: &str, at: Deployment) -> Result<String, UrlError> {
    let url = parse(raw)?;
    if !bare(&url) {
        return Err(UrlError::NotBare);
    }
    host_allowed(&url, at)?;
    Ok(url.origin().ascii_serialization())
}

/// A webhook URL: `https://public-host[:port]/path?query`; loopback only in local development.
pub fn webhook_url(raw: &str, at: Deployment) -> Result<String, UrlError> {
    let url = parse(raw)?;
    host_allowed(&url, at)?;
    Ok(url.into())
}

/// A gateway `base_url` for the slot `(gateway, env)`: one of the gateway's documented hosts
/// over https, or (test slot, local development) a loopback URL with any path, where the
/// simulator listens. Returned without a trailing `/`.
pub fn gateway_base_url(
    raw: &str,
    gateway: GatewayKind,
    env: Environment,
    at: Deployment,
) -> Result<String, UrlError> {
    let url = parse(raw)?;
    if env == Environment::Test && at == Deployment::LocalDev && is_loopback(&url) {
        if url.query().is_some() {
            return Err(UrlError::NotBare);
        }
        return Ok(String::from(url).trim_end_matches('/').to_string());
    }
    if url.scheme() != "https" {
        return Err(UrlError::NotHttps);
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d,
        _ => return Err(UrlError::GatewayHost),
    };
    if !hosts(gateway, env).contains(&host) {
        return Err(UrlError::GatewayHost);
    }
    if url.port().is_some() {
        return Err(UrlError::Port);
    }
    if !bare(&url) {
        return Err(UrlError::NotBare);
    }
    Ok(format!("https://{host}"))
}

/// The gateway's documented API hosts for `env`; the first is the default.
pub fn hosts(gateway: GatewayKind, env: Environment) -> &'static [&'static str] {
    match (gateway, env) {
        (GatewayKind::Stripe, Environment::Test) => stripe::TEST_HOSTS,
        (GatewayKind::Stripe, Environment::Live) => stripe::LIVE_HOSTS,
        (GatewayKind::Authorizenet, Environment::Test) => authorizenet::TEST_HOSTS,
        (GatewayKind::Authorizenet, Environment::Live) => authorizenet::LIVE_HOSTS,
        (GatewayKind::Braintree, Environment::Test) => braintree::TEST_HOSTS,
        (GatewayKind::Braintree, Environment::Live) => braintree::LIVE_HOSTS,
        (GatewayKind::Shift4, Environment::Test) => shift4::TEST_HOSTS,
        (GatewayKind::Shift4, Environment::Live) => shift4::LIVE_HOSTS,
    }
}

/// The `base_url` of a slot configured without one: the gateway's sandbox host for test
/// (Stripe and Shift4 have one host for both), its production host for live.
pub fn default_base_url(gateway: GatewayKind, env: Environment) -> String {
    format!("https://{}", hosts(gateway, env)[0])
}

/// Parses `raw` after the checks the parser cannot express: it must be written
/// `http://` or `https://`, without characters the parser drops or rewrites, and without
/// userinfo (an empty `user:@` disappears from the parsed URL, so the text is checked).
fn parse(raw: &str) -> Result<Url, UrlError> {
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(UrlError::Characters);
    }
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &raw[8..]
    } else if lower.starts_with("http://") {
        &raw[7..]
    } else if raw.contains("://") || raw.contains(':') {
        return Err(UrlError::Scheme);
    } else {
        return Err(UrlError::Invalid);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::Userinfo);
    }
    let url = Url::parse(raw).map_err(|_| UrlError::Invalid)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Userinfo);
    }
    if url.fragment().is_some() {
        return Err(UrlError::Fragment);
    }
    match url.scheme() {
        "http" | "https" => Ok(url),
        _ => Err(UrlError::Scheme),
    }
}

/// No path (beyond `/`) and no query.
fn bare(url: &Url) -> bool {
    url.path() == "/" && url.query().is_none()
}

/// Loopback: exactly `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The host rules shared by origins and webhook URLs.
fn host_allowed(url: &Url, at: Deployment) -> Result<(), UrlError> {
    if at == Deployment::LocalDev && is_loopback(url) {
        return Ok(());
    }
    match url.host() {
        Some(Host::Ipv4(_)) | Some(Host::Ipv6(_)) => Err(UrlError::IpLiteral),
        Some(Host::Domain(d)) => {
            public_name(d)?;
            if url.scheme() == "https" {
                Ok(())
            } else {
                Err(UrlError::NotHttps)
            }
        }
        None => Err(UrlError::Invalid),
    }
}

/// Reserved names that resolve (or may resolve) to the local machine or a private network.
const LOCAL_SUFFIXES: [&str; 7] = [
    "localhost",
    "local",
    "internal",
    "localdomain",
    "home.arpa",
    "invalid",
    "test",
];

/// A DNS name of at least two LDH labels, not under a reserved local suffix.
fn public_name(host: &str) -> Result<(), UrlError> {
    let labels: Vec<&str> = host.split('.').collect();
    let ldh = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if host.len() > 253 || !labels.iter().all(ldh) {
        return Err(UrlError::Host);
    }
    let local = LOCAL_SUFFIXES
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")));
    if local {
        return Err(UrlError::LocalName);
    }
    if labels.len() < 2 {
        return Err(UrlError::Host);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Deployment::{Deployed, LocalDev};
    use super::UrlError::*;
    use super::*;
    use crate::auth::Environment::{Live, Test};
    use crate::gateway::GatewayKind::{Authorizenet, Braintree, Shift4, Stripe};

    /// The bypasses of the former prefix checks, refused wherever they appear.
    const BYPASSES: [(&str, UrlError); 8] = [
        ("http://localhost.evil.tld", NotHttps),
        ("http://localhost.evil.tld:8788", NotHttps),
        ("http://localhost:@evil", Userinfo),
        ("http://localhost:8788@evil.tld/", Userinfo),
        ("http://127.0.0.1.evil.tld", NotHttps),
        ("http://127.0.0.1:@evil.tld/", Userinfo),
        ("http://:@127.0.0.1:8788/", Userinfo),
        ("http://127.0.0.1:8788/#frag", Fragment),
    ];

    /// Refused by every policy in every deployment.
    const ALWAYS_REFUSED: [(&str, UrlError); 22] = [
        ("", Invalid),
        ("*", Invalid),
        ("shop.example.com", Invalid),
        ("//shop.example.com", Invalid),
        ("https:shop.example.com", Scheme),
        ("javascript:alert(1)", Scheme),
        ("data:text/html,hi", Scheme),
        ("ftp://shop.example.com", Scheme),
        ("file:///etc/passwd", Scheme),
        ("wss://shop.example.com", Scheme),
        ("https://user:pw@shop.example.com", Userinfo),
        ("https://shop.example.com@evil.example.net", Userinfo),
        ("https://:@shop.example.com", Userinfo),
        ("https://shop.example.com#", Fragment),
        (" https://shop.example.com", Characters),
        ("https://shop.example.com\\@evil.tld", Characters),
        ("https://shop.exa\tmple.com", Characters),
        ("https://shop.example.com;script-src *", Characters),
        ("https://a;b.example.com", Host),
        ("https://*.example.com", Host),
        ("https://shop.example.com.", Host),
        ("https://-shop.example.com", Host),
    ];

    /// Refused as origins and webhook hosts everywhere (loopback aside, see below).
    const NOT_PUBLIC: [(&str, UrlError); 14] = [
        ("https://intranet", Host),
        ("https://app.localhost", LocalName),
        ("https://printer.local", LocalName),
        ("https://metadata.google.internal", LocalName),
        ("https://router.home.arpa", LocalName),
        ("https://10.0.0.1", IpLiteral),
        ("https://192.168.1.10", IpLiteral),
        ("https://172.16.0.1", IpLiteral),
        ("https://169.254.169.254", IpLiteral),
        ("https://0.0.0.0", IpLiteral),
        ("https://8.8.8.8", IpLiteral),
        ("https://[fd00::1]", IpLiteral),
        ("https://[fe80::1]", IpLiteral),
        ("https://[::ffff:127.0.0.1]", IpLiteral),
    ];

    /// Loopback spelled in ways the parser normalizes: refused when deployed, loopback in
    /// local development.
    const LOCALHOST: [(&str, UrlError); 5] = [
        ("https://localhost", LocalName),
        ("https://LOCALHOST", LocalName),
        ("https://%6c%6fcalhost", LocalName),
        ("https://0x7f.1", IpLiteral),
        ("http://2130706433:80", IpLiteral),
    ];

    /// Loopback: accepted only in local development.
    const LOOPBACK: [&str; 5] = [
        "http://localhost:3000",
        "http://127.0.0.1:8788",
        "https://127.0.0.1",
        "http://127.1.2.3:9000",
        "http://[::1]:8080",
    ];

    fn refused(
        check: impl Fn(&str) -> Result<String, UrlError>,
        cases: &[(&str, UrlError)],
        what: &str,
    ) {
        for (raw, want) in cases {
            assert_eq!(check(raw), Err(*want), "{what}: {raw:?}");
        }
    }

    #[test]
    fn origins() {
        for (raw, want) in [
            ("https://shop.example.com", "https://shop.example.com"),
            ("https://shop.example.com/", "https://shop.example.com"),
            (
                "https://Shop.Example.COM:8443",
                "https://shop.example.com:8443",
            ),
            ("https://shop.example.com:443", "https://shop.example.com"),
            (
                "https://bücher.example.de",
                "https://xn--bcher-kva.example.de",
            ),
            ("HTTPS://shop.example.com", "https://shop.example.com"),
        ] {
            for at in [Deployed, LocalDev] {
                assert_eq!(origin(raw, at).as_deref(), Ok(want), "{raw}");
            }
        }
        for at in [Deployed, LocalDev] {
            let check = |raw: &str| origin(raw, at);
            refused(check, &BYPASSES, "origin");
            refused(check, &ALWAYS_REFUSED, "origin");
            refused(
                check,
                &[
                    ("http://shop.example.com", NotHttps),
                    ("https://shop.example.com/path", NotBare),
                    ("https://shop.example.com/?q", NotBare),
                    ("http://10.0.0.1:3000", IpLiteral),
                ],
                "origin",
            );
            refused(check, &NOT_PUBLIC, "origin");
        }
        refused(|raw| origin(raw, Deployed), &LOCALHOST, "origin");
        assert_eq!(
            origin("http://localhost:3000", LocalDev).as_deref(),
            Ok("http://localhost:3000")
        );
        for raw in LOOPBACK.into_iter().chain(LOCALHOST.map(|(raw, _)| raw)) {
            assert!(origin(raw, LocalDev).is_ok(), "{raw}");
            assert!(origin(raw, Deployed).is_err(), "{raw}");
        }
    }

    #[test]
    fn webhook_urls() {
        for (raw, want) in [
            (
                "https://shop.example.com/hooks/maven?tenant=1",
                "https://shop.example.com/hooks/maven?tenant=1",
            ),
            ("https://shop.example.com", "https://shop.example.com/"),
            (
                "https://hooks.example.com:8443/in",
                "https://hooks.example.com:8443/in",
            ),
            // A public name that merely starts like a local one.
            (
                "https://localhost.example.com/h",
                "https://localhost.example.com/h",
            ),
        ] {
            for at in [Deployed, LocalDev] {
                assert_eq!(webhook_url(raw, at).as_deref(), Ok(want), "{raw}");
            }
        }
        for at in [Deployed, LocalDev] {
            let check = |raw: &str| webhook_url(raw, at);
            refused(check, &BYPASSES, "webhook");
            refused(check, &ALWAYS_REFUSED, "webhook");
            refused(
                check,
                &[("http://shop.example.com/hooks", NotHttps)],
                "webhook",
            );
            refused(check, &NOT_PUBLIC, "webhook");
        }
        refused(|raw| webhook_url(raw, Deployed), &LOCALHOST, "webhook");
        assert_eq!(
            webhook_url("http://127.0.0.1:5555/hooks/maven", LocalDev).as_deref(),
            Ok("http://127.0.0.1:5555/hooks/maven")
        );
        for raw in LOOPBACK.into_iter().chain(LOCALHOST.map(|(raw, _)| raw)) {
            assert!(webhook_url(raw, LocalDev).is_ok(), "{raw}");
            assert!(webhook_url(raw, Deployed).is_err(), "{raw}");
        }
    }

    #[test]
    fn gateway_hosts_per_environment() {
        let ok = [
            (Stripe, Test, "https://api.stripe.com"),
            (Stripe, Live, "https://api.stripe.com"),
            (Authorizenet, Test, "https://apitest.authorize.net"),
            (Authorizenet, Live, "https://api2.authorize.net"),
            (Authorizenet, Live, "https://api.authorize.net"),
            (
                Braintree,
                Test,
                "https://payments.sandbox.braintree-api.com",
            ),
            (Braintree, Live, "https://payments.braintree-api.com"),
            (Shift4, Test, "https://api.shift4.com"),
            (Shift4, Live, "https://api.shift4.com"),
        ];
        for (gw, env, raw) in ok {
            for at in [Deployed, LocalDev] {
                assert_eq!(gateway_base_url(raw, gw, env, at).as_deref(), Ok(raw));
                let slash = format!("{raw}/");
                assert_eq!(gateway_base_url(&slash, gw, env, at).as_deref(), Ok(raw));
            }
        }
        let wrong_env = [
            (Authorizenet, Test, "https://api2.authorize.net"),
            (Authorizenet, Test, "https://api.authorize.net"),
            (Authorizenet, Live, "https://apitest.authorize.net"),
            (Braintree, Test, "https://payments.braintree-api.com"),
            (
                Braintree,
                Live,
                "https://payments.sandbox.braintree-api.com",
            ),
            (Stripe, Live, "https://api.shift4.com"),
            (Shift4, Test, "https://uploads.api.shift4.com"),
        ];
        for (gw, env, raw) in wrong_env {
            assert_eq!(
                gateway_base_url(raw, gw, env, LocalDev),
                Err(GatewayHost),
                "{raw}"
            );
        }
        for env in [Test, Live] {
            let check = |raw: &str| gateway_base_url(raw, Stripe, env, Deployed);
            refused(check, &BYPASSES, "gateway");
            refused(check, &ALWAYS_REFUSED[..14], "gateway");
            refused(
                check,
                &[
                    ("http://api.stripe.com", NotHttps),
                    ("https://API.Stripe.com.", GatewayHost),
                    ("https://api.stripe.com.evil.tld", GatewayHost),
                    ("https://evil.tld/api.stripe.com", GatewayHost),
                    ("https://api.stripe.com@evil.tld", Userinfo),
                    ("https://api.stripe.com:8443", Port),
                    ("https://api.stripe.com/v1", NotBare),
                    ("https://api.stripe.com/?x=1", NotBare),
                    ("https://54.187.174.169", GatewayHost),
                    ("http://127.0.0.1:8788/stripe", NotHttps),
                    ("https://127.0.0.1:8788/stripe", GatewayHost),
                    ("http://localhost:8788/stripe", NotHttps),
                ],
                "gateway",
            );
        }
        assert_eq!(
            gateway_base_url("https://API.stripe.com:443/", Stripe, Live, Deployed).as_deref(),
            Ok("https://api.stripe.com")
        );
    }

    #[test]
    fn gateway_loopback_only_for_test_slots_in_local_development() {
        for raw in [
            "http://127.0.0.1:8788/stripe",
            "http://localhost:8788/stripe/",
        ] {
            let want = raw.trim_end_matches('/');
            for gw in GatewayKind::ALL {
                assert_eq!(
                    gateway_base_url(raw, gw, Test, LocalDev).as_deref(),
                    Ok(want)
                );
                assert!(gateway_base_url(raw, gw, Live, LocalDev).is_err(), "{raw}");
                assert!(gateway_base_url(raw, gw, Test, Deployed).is_err(), "{raw}");
            }
        }
        let check = |raw: &str| gateway_base_url(raw, Stripe, Test, LocalDev);
        refused(check, &BYPASSES, "gateway");
        refused(
            check,
            &[
                ("http://127.0.0.1:8788/stripe?x=1", NotBare),
                ("http://10.0.0.5:8788/stripe", NotHttps),
                ("https://10.0.0.5:8788/stripe", GatewayHost),
            ],
            "gateway",
        );
    }

    #[test]
    fn default_base_urls_are_the_sandbox_for_test() {
        for (gw, test, live) in [
            (Stripe, "https://api.stripe.com", "https://api.stripe.com"),
            (
                Authorizenet,
                "https://apitest.authorize.net",
                "https://api2.authorize.net",
            ),
            (
                Braintree,
                "https://payments.sandbox.braintree-api.com",
                "https://payments.braintree-api.com",
            ),
            (Shift4, "https://api.shift4.com", "https://api.shift4.com"),
        ] {
            assert_eq!(default_base_url(gw, Test), test);
            assert_eq!(default_base_url(gw, Live), live);
            for (env, url) in [(Test, test), (Live, live)] {
                assert_eq!(gateway_base_url(url, gw, env, Deployed).as_deref(), Ok(url));
            }
        }
        // Authorize.net's live mode (issuer validation) follows the same host lists.
        assert!(authorizenet::is_production(&default_base_url(
            Authorizenet,
            Live
        )));
        assert!(!authorizenet::is_production(&default_base_url(
            Authorizenet,
            Test
        )));
    }
}
