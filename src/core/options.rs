//! Client and call options: parsed from the JSON of the JS options bag and validated, with
//! messages that name the field that was wrong.

use crate::core::json::{Map, Value};

use crate::core::error::{Error, Result};
use crate::core::provider::ProviderKind;
use crate::core::text;

/// Limits a user declares for a provider (`limits: { rpm, rpd, tpm, requests, perMs }`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeclaredLimits {
    pub rpm: Option<u64>,
    pub rpd: Option<u64>,
    pub tpm: Option<u64>,
    /// A custom rolling window: `requests` per `per_ms`.
    pub window: Option<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProviderConfig {
    pub id: String,
    pub kind: ProviderKind,
    /// Without a trailing slash.
    pub base_url: String,
    pub api_key: Option<String>,
    /// A configured model list (used instead of, or before, `GET /models`).
    pub models: Option<Vec<String>>,
    pub free: bool,
    pub limits: DeclaredLimits,
    /// USD per million tokens, for custom paid endpoints.
    pub prompt_price: Option<f64>,
    pub completion_price: Option<f64>,
}

pub use crate::core::quota::BudgetPeriod;

#[derive(Clone, Debug, PartialEq)]
pub struct ClientOptions {
    pub providers: Vec<ProviderConfig>,
    pub strategy: String,
    pub seed: Option<u64>,
    pub budget_usd: f64,
    pub budget_period: BudgetPeriod,
    pub max_attempts: u32,
    pub retry_after_cap_ms: u64,
    pub catalog_ttl_ms: u64,
    pub persist: bool,
    pub app_url: Option<String>,
    pub app_title: Option<String>,
    pub timeout_ms: Option<u64>,
    /// `attemptTimeoutMs`: how long one attempt may go without a first delta.
    pub attempt_timeout_ms: u64,
    /// `sticky: "auto"`: a conversation keeps the model that first answered it.
    pub sticky: bool,
}

/// `attemptTimeoutMs` when neither the client nor the call sets it.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 30_000;

pub const STRATEGIES: [&str; 5] = ["random", "ordered", "fastest", "seeded", "router"];

const CLIENT_KEYS: [&str; 16] = [
    "providers",
    "strategy",
    "seed",
    "budget",
    "maxAttempts",
    "retryAfterCapMs",
    "catalogTtlMs",
    "storage",
    "app",
    "fetch",
    "onEvent",
    "timeoutMs",
    "attemptTimeoutMs",
    "sticky",
    // Accepted for symmetry with openai-node; the client is always browser-side.
    "dangerouslyAllowBrowser",
    "debug",
];

const PROVIDER_KEYS: [&str; 10] = [
    "id",
    "kind",
    "baseUrl",
    "apiKey",
    "models",
    "free",
    "limits",
    "promptPrice",
    "completionPrice",
    "name",
];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Inside this module an error is just its message: every one is `invalid_argument`, and a
/// String moves through `?` much cheaper than a whole `Error` (the public entry points wrap it).
type R<T> = std::result::Result<T, String>;

/// A message from its parts: one out-of-line builder instead of a `format!` at every site.
#[inline(never)]
fn cat(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

/// "{path}{key} must be {rule}, got ...": the value itself when `shown` and short, else its type.
#[inline(never)]
fn must(path: &str, key: &str, rule: &str, v: &Value, shown: bool) -> String {
    let text = if shown { v.to_string() } else { String::new() };
    let got = if text.is_empty() || text.len() > 60 {
        type_name(v)
    } else {
        &text
    };
    cat(&[path, key, " must be ", rule, ", got ", got])
}

/// `name[i]`, for paths into arrays.
#[inline(never)]
fn indexed(name: &str, i: usize) -> String {
    format!("{name}[{i}]")
}

#[inline(never)]
fn check_keys(obj: &Map, allowed: &[&str], path: &str) -> R<()> {
    for (k, v) in obj {
        // What the JS side sends when reading the options threw (a getter, a Proxy).
        if k == "__unserializable" {
            let why = v.as_str().unwrap_or("unknown error");
            let what = path.trim_end_matches('.');
            let what = if what.is_empty() { "options" } else { what };
            return Err(cat(&[what, " could not be read: ", why]));
        }
        if !allowed.contains(&k.as_str()) {
            let known = text::join(allowed, ", ");
            return Err(cat(&[
                path,
                k,
                " is not a known option (known: ",
                &known,
                ")",
            ]));
        }
    }
    Ok(())
}

/// A non-negative number (a whole one up to 9e15 when `whole`), or None when absent/null;
/// otherwise "{path}{key} must be {rule}".
#[inline(never)]
fn number(obj: &Map, key: &str, path: &str, whole: bool, rule: &str) -> R<Option<f64>> {
    let Some(v) = obj.get(key).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.is_finite() && (!whole || (n.fract() == 0.0 && n <= 9.0e15)) => {
            Ok(Some(n))
        }
        _ => Err(must(path, key, rule, v, true)),
    }
}

/// A non-negative integer option, or None when absent/null.
pub fn opt_u64(obj: &Map, key: &str, path: &str) -> R<Option<u64>> {
    let n = number(obj, key, path, true, "a non-negative whole number")?;
    Ok(n.map(|n| n as u64))
}

fn opt_f64(obj: &Map, key: &str, path: &str) -> R<Option<f64>> {
    number(obj, key, path, false, "a non-negative number")
}

#[inline(never)]
pub fn opt_str<'a>(obj: &'a Map, key: &str, path: &str) -> R<Option<&'a str>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(must(path, key, "a string", v, false)),
    }
}

#[inline(never)]
pub fn opt_bool(obj: &Map, key: &str, path: &str) -> R<Option<bool>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(must(path, key, "true or false", v, false)),
    }
}

/// Whether `url` is https, and its host; or what is wrong with it, for "{path}baseUrl {why}".
fn parse_base_url(url: &str) -> std::result::Result<(bool, &str), &'static str> {
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("must be an absolute http(s) URL");
    };
    // A byte scan: a `[char; 3]` split links a multi-char searcher for this one line.
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    // `get`: `end` is at an ASCII byte, and slicing would link str's panic formatting.
    let authority = rest.get(..end).unwrap_or(rest);
    // Credentials (`user@`) are refused below, so the host is read from the whole authority.
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        match h.split_once(']') {
            // Hex digits, colons and dots (an IPv4 tail): the loopback check parses it exactly.
            Some((ip, rest))
                if !ip.is_empty()
                    && ip
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') =>
            {
                (
                    ip,
                    rest.strip_prefix(':').or((rest.is_empty()).then_some("")),
                )
            }
            _ => ("", None),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, Some("")),
        }
    };
    if host.is_empty() || authority.contains('@') {
        return Err("must be an absolute http(s) URL with a host and no credentials");
    }
    let port_ok = port.is_some_and(|p| {
        p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')) <= 65_535
    });
    let host_ok = host.bytes().all(|b| {
        !b.is_ascii() || b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':')
    });
    if !port_ok || !host_ok {
        return Err("is not a valid URL (a host, then an optional port from 0 to 65535)");
    }
    Ok((https, host))
}

/// Plain http is only safe where the traffic never leaves the machine.
pub fn is_loopback(host: &str) -> bool {
    // Parse, don't prefix-match: "127.0.0.1.evil.com" is a public name.
    host == "localhost"
        || host.ends_with(".localhost")
        || ipv4(host).is_some_and(|ip| ip[0] == 127)
        || ipv6(host) == Some([0, 0, 0, 0, 0, 0, 0, 1])
}

// Address parsing as strict as `std::net::IpAddr::from_str` (no leading zeros in IPv4 octets,
// one `::`, an IPv4 tail only last), without linking std's parser.

fn ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut out {
        let p = parts.next()?;
        let ok = (1..=3).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && !(p.len() > 1 && p.starts_with('0'));
        if !ok {
            return None;
        }
        *o = u8::try_from(p.bytes().fold(0u32, |a, b| a * 10 + u32::from(b - b'0'))).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Groups of `a:b:c` (an IPv4 tail allowed when `tail_ok`), at most `max` of them, with their
/// count. Fixed storage: more than 8 groups is never an address. A byte-level loop: a
/// peekable `split` iterator costs more code than the whole parse.
fn ipv6_groups(s: &str, tail_ok: bool, max: usize) -> Option<([u16; 8], usize)> {
    let mut out = [0u16; 8];
    let mut n = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (p, next) = match rest.split_once(':') {
            Some((p, r)) => (p, Some(r)),
            None => (rest, None),
        };
        if tail_ok && next.is_none() && p.contains('.') {
            let ip = ipv4(p)?;
            *out.get_mut(n)? = u16::from(ip[0]) << 8 | u16::from(ip[1]);
            *out.get_mut(n + 1)? = u16::from(ip[2]) << 8 | u16::from(ip[3]);
            n += 2;
        } else if (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()) {
            // Hex digits only here; `b | 0x20` lowercases a letter.
            *out.get_mut(n)? = p.bytes().fold(0u16, |a, b| {
                a << 4
                    | u16::from(if b <= b'9' {
                        b - b'0'
                    } else {
                        (b | 0x20) - b'a' + 10
                    })
            });
            n += 1;
        } else {
            return None;
        }
        match next {
            // A trailing `:` leaves an empty group, which is refused.
            Some("") => return None,
            Some(r) => rest = r,
            None => break,
        }
    }
    (n <= max).then_some((out, n))
}

fn ipv6(s: &str) -> Option<[u16; 8]> {
    match text::split_once(s, "::") {
        None => {
            let (g, n) = ipv6_groups(s, true, 8)?;
            (n == 8).then_some(g)
        }
        Some((head, tail)) => {
            // The head's unused groups are already the zeros `::` stands for.
            let (mut out, h) = ipv6_groups(head, false, 7)?;
            let (t, n) = ipv6_groups(tail, true, 7 - h)?;
            out[8 - n..].copy_from_slice(&t[..n]);
            Some(out)
        }
    }
}

fn parse_limits(v: Option<&Value>, path: &str) -> R<DeclaredLimits> {
    let o = match v {
        None | Some(Value::Null) => return Ok(DeclaredLimits::default()),
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(must(
                path,
                "limits",
                "an object like { rpm: 20, rpd: 50 }",
                v,
                false,
            ))
        }
    };
    limit_fields(o, &cat(&[path, "limits."]))
}

/// The fields of `limits`, under the path `p` ("providers[i].limits.").
fn limit_fields(o: &Map, p: &str) -> R<DeclaredLimits> {
    check_keys(o, &["rpm", "rpd", "tpm", "requests", "perMs"], p)?;
    let requests = opt_u64(o, "requests", p)?;
    let per_ms = opt_u64(o, "perMs", p)?;
    let window = match (requests, per_ms) {
        (Some(r), Some(ms)) if r > 0 && ms > 0 => Some((r, ms)),
        (None, None) => None,
        _ => {
            return Err(cat(&[
                p,
                "requests and ",
                p,
                "perMs go together and must both be positive",
            ]))
        }
    };
    Ok(DeclaredLimits {
        rpm: opt_u64(o, "rpm", p)?,
        rpd: opt_u64(o, "rpd", p)?,
        tpm: opt_u64(o, "tpm", p)?,
        window,
    })
}

// Readers borrow every string until the end, where the struct is built: an early return then
// has nothing to drop.

fn parse_provider(v: &Value, i: usize) -> R<ProviderConfig> {
    let mut path = indexed("providers", i);
    let Value::Object(o) = v else {
        return Err(must(
            &path,
            "",
            "an object like { id: \"openrouter\", apiKey: \"sk-or-...\" }",
            v,
            false,
        ));
    };
    path.push('.');
    provider_fields(o, &path)
}

/// The fields of `providers[i]`, whose path `parse_provider` owns (so it is dropped once).
fn provider_fields(o: &Map, path: &str) -> R<ProviderConfig> {
    check_keys(o, &PROVIDER_KEYS, path)?;
    let id = match opt_str(o, "id", path)? {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            return Err(cat(&[
                path,
                "id is required (e.g. \"openrouter\", \"groq\", \"gemini\", \"mistral\", \"cerebras\", or your own name with kind: \"openai-compatible\")",
            ]))
        }
    };
    let given = opt_str(o, "kind", path)?;
    let kind = match (ProviderKind::from_id(given.unwrap_or(id)), given) {
        (Some(k), _) => k,
        (None, Some(k)) => {
            return Err(cat(&[
                path,
                "kind \"",
                k,
                "\" is not known (use openrouter, groq, gemini, mistral, cerebras or openai-compatible)",
            ]))
        }
        (None, None) if o.get("baseUrl").is_some_and(Value::is_string) => {
            ProviderKind::OpenAiCompatible
        }
        (None, None) => {
            return Err(cat(&[
                path,
                "id \"",
                id,
                "\" is not a well-known provider; give kind: \"openai-compatible\" and a baseUrl",
            ]))
        }
    };
    let base_url = match opt_str(o, "baseUrl", path)? {
        Some(u) => u.trim().trim_end_matches('/'),
        None => match kind.default_base_url() {
            Some(u) => u,
            None => {
                return Err(cat(&[
                    path,
                    "baseUrl is required for kind \"openai-compatible\" (e.g. \"http://127.0.0.1:11434/v1\")",
                ]))
            }
        },
    };
    match parse_base_url(base_url) {
        Err(why) => {
            return Err(cat(&[path, "baseUrl ", why, ", got \"", base_url, "\""]));
        }
        Ok((false, host)) => {
            let host = host.to_ascii_lowercase();
            if !is_loopback(&host) {
                return Err(cat(&[
                    path,
                    "baseUrl uses plain http to \"",
                    &host,
                    "\": keys may only travel over https (http is allowed for loopback hosts such as 127.0.0.1 and localhost)",
                ]));
            }
        }
        Ok(_) => {}
    }
    let api_key = opt_str(o, "apiKey", path)?.map(str::trim);
    let api_key = api_key.filter(|k| !k.is_empty());
    if let Some(k) = api_key {
        // An HTTP header carries Latin-1 only: such a key would fail every request as `network`.
        for c in k.chars() {
            if c.is_control() || c == ' ' || u32::from(c) > 0xFF {
                let mut code = String::new();
                text::push_hex(&mut code, u64::from(u32::from(c)), 4);
                code.make_ascii_uppercase();
                return Err(cat(&[
                    path,
                    "apiKey of provider \"",
                    id,
                    "\" contains U+",
                    &code,
                    ": spaces, control characters and anything outside Latin-1 (a pasted zero-width space?) cannot travel in an HTTP header; paste the key alone",
                ]));
            }
        }
    }
    let models = match o.get("models") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut out = Vec::with_capacity(a.len());
            for (j, m) in a.iter().enumerate() {
                match m {
                    Value::String(s) if !s.is_empty() => out.push(s.clone()),
                    other => {
                        let at = indexed("models", j);
                        return Err(must(path, &at, "a non-empty model id string", other, false));
                    }
                }
            }
            Some(out)
        }
        Some(v) => return Err(must(path, "models", "an array of model ids", v, false)),
    };
    // Well-known free tiers are free by default; a custom endpoint is free unless priced.
    let prompt_price = opt_f64(o, "promptPrice", path)?;
    let completion_price = opt_f64(o, "completionPrice", path)?;
    let priced = prompt_price.unwrap_or(0.0) > 0.0 || completion_price.unwrap_or(0.0) > 0.0;
    let free = opt_bool(o, "free", path)?.unwrap_or(!priced);
    let limits = parse_limits(o.get("limits"), path)?;
    Ok(ProviderConfig {
        id: id.to_string(),
        kind,
        base_url: base_url.to_string(),
        api_key: api_key.map(str::to_string),
        models,
        free,
        limits,
        prompt_price,
        completion_price,
    })
}

impl ClientOptions {
    pub fn from_json(v: &Value) -> Result<ClientOptions> {
        client_options(v).map_err(Error::invalid)
    }
}

fn client_options(v: &Value) -> R<ClientOptions> {
    let Value::Object(o) = v else {
        return Err(must(
            "",
            "options",
            "an object like { providers: [{ id: \"openrouter\", apiKey }] }",
            v,
            false,
        ));
    };
    check_keys(o, &CLIENT_KEYS, "options.")?;
    let providers = match o.get("providers") {
        Some(Value::Array(a)) if !a.is_empty() => {
            let mut out = Vec::with_capacity(a.len());
            for (i, p) in a.iter().enumerate() {
                out.push(parse_provider(p, i)?);
            }
            out
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(
                "options.providers must list at least one provider, e.g. [{ id: \"openrouter\", apiKey: \"sk-or-...\" }]".to_string())
        }
        Some(other) => return Err(must("options.", "providers", "an array", other, false)),
    };
    for (i, p) in providers.iter().enumerate() {
        if providers[..i].iter().any(|q| q.id == p.id) {
            let at = indexed("providers", i);
            return Err(cat(&[
                &at,
                ".id \"",
                &p.id,
                "\" is used twice; give each provider its own id",
            ]));
        }
    }
    // Every other option is read after the providers (so their errors come first), by one
    // call: a failure there drops the providers at one place.
    let mut c = settings(o)?;
    c.providers = providers;
    Ok(c)
}

/// The client options besides `providers`.
fn settings(o: &Map) -> R<ClientOptions> {
    let strategy = strategy(o)?.unwrap_or("random");
    let (budget_usd, budget_period) = budget(o)?;
    let max_attempts = opt_u64(o, "maxAttempts", "options.")?.unwrap_or(4);
    if max_attempts == 0 || max_attempts > 50 {
        return Err(format!(
            "options.maxAttempts must be between 1 and 50, got {max_attempts}"
        ));
    }
    let persist = match opt_str(o, "storage", "options.")? {
        None | Some("local") => true,
        Some("memory") => false,
        Some(s) => {
            return Err(cat(&[
                "options.storage \"",
                s,
                "\" must be \"local\" or \"memory\"",
            ]))
        }
    };
    let (app_url, app_title) = match o.get("app") {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(a)) => {
            check_keys(a, &["url", "title"], "options.app.")?;
            (
                opt_str(a, "url", "options.app.")?,
                opt_str(a, "title", "options.app.")?,
            )
        }
        Some(other) => {
            return Err(must(
                "options.",
                "app",
                "an object like { url, title }",
                other,
                false,
            ))
        }
    };
    header_safe(app_url, "url")?;
    header_safe(app_title, "title")?;
    Ok(ClientOptions {
        seed: opt_u64(o, "seed", "options.")?,
        retry_after_cap_ms: opt_u64(o, "retryAfterCapMs", "options.")?.unwrap_or(60_000),
        catalog_ttl_ms: opt_u64(o, "catalogTtlMs", "options.")?.unwrap_or(3_600_000),
        timeout_ms: opt_u64(o, "timeoutMs", "options.")?,
        attempt_timeout_ms: attempt_timeout(o)?.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT_MS),
        sticky: sticky(o)?.unwrap_or(false),
        providers: Vec::new(),
        strategy: strategy.to_string(),
        budget_usd,
        budget_period,
        max_attempts: max_attempts as u32,
        persist,
        app_url: app_url.map(str::to_string),
        app_title: app_title.map(str::to_string),
    })
}

/// `options.budget`: `{ maxUsd, period }`.
fn budget(o: &Map) -> R<(f64, BudgetPeriod)> {
    let b = match o.get("budget") {
        None | Some(Value::Null) => return Ok((0.0, BudgetPeriod::Total)),
        Some(Value::Object(b)) => b,
        Some(other) => {
            return Err(must(
                "options.",
                "budget",
                "an object like { maxUsd: 0 }",
                other,
                false,
            ))
        }
    };
    let path = "options.budget.";
    check_keys(b, &["maxUsd", "period"], path)?;
    let rule = "a number >= 0 (0 never spends money)";
    let max = number(b, "maxUsd", path, false, rule)?.unwrap_or(0.0);
    let period = match opt_str(b, "period", path)? {
        None | Some("total") => BudgetPeriod::Total,
        Some("day") => BudgetPeriod::Day,
        Some("month") => BudgetPeriod::Month,
        Some(p) => {
            return Err(cat(&[
                "options.budget.period \"",
                p,
                "\" must be \"day\", \"month\" or \"total\"",
            ]))
        }
    };
    Ok((max, period))
}

/// `app.url` and `app.title` travel as HTTP headers: printable ASCII only.
fn header_safe(value: Option<&str>, name: &str) -> R<()> {
    if value.is_some_and(|s| s.bytes().any(|b| !(b' '..=b'~').contains(&b))) {
        return Err(cat(&[
            "options.app.",
            name,
            " must be printable ASCII (it is sent as an HTTP header)",
        ]));
    }
    Ok(())
}

/// `attemptTimeoutMs`: positive (a zero would fail every attempt before it starts).
fn attempt_timeout(o: &Map) -> R<Option<u64>> {
    let ms = opt_u64(o, "attemptTimeoutMs", "options.")?;
    if ms == Some(0) {
        return Err("options.attemptTimeoutMs must be positive (it is how long one attempt may wait for its first token)".to_string());
    }
    Ok(ms)
}

/// `sticky`: "auto" (or true) keeps a conversation on its model; false turns it off.
fn sticky(o: &Map) -> R<Option<bool>> {
    match o.get("sticky") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "auto" => Ok(Some(true)),
        Some(v) => Err(must("options.", "sticky", "\"auto\" or false", v, true)),
    }
}

/// `options.strategy`, the same for client and call options.
fn strategy(o: &Map) -> R<Option<&str>> {
    let s = opt_str(o, "strategy", "options.")?;
    if let Some(s) = s {
        if !STRATEGIES.contains(&s) {
            let known = text::join(&STRATEGIES, ", ");
            return Err(cat(&[
                "options.strategy \"",
                s,
                "\" is not one of ",
                &known,
            ]));
        }
    }
    Ok(s)
}

/// `waitForQuota`: false, true (up to the retry cap), or a maximum wait in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WaitForQuota {
    No,
    UpTo(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallOptions {
    pub timeout_ms: Option<u64>,
    pub fallback: Option<bool>,
    pub max_attempts: Option<u32>,
    pub wait_for_quota: WaitForQuota,
    pub session_id: Option<String>,
    pub strategy: Option<String>,
    pub resume_on_error: bool,
    pub provider: Option<String>,
    pub attempt_timeout_ms: Option<u64>,
    /// `validateOutput` (default true): JSON answers are checked against `response_format`.
    pub validate_output: bool,
    pub sticky: Option<bool>,
}

const CALL_KEYS: [&str; 13] = [
    "signal",
    "timeoutMs",
    "fallback",
    "maxAttempts",
    "waitForQuota",
    "sessionId",
    "strategy",
    "resumeOnError",
    "provider",
    "headers",
    "attemptTimeoutMs",
    "validateOutput",
    "sticky",
];

impl CallOptions {
    pub fn from_json(v: &Value, default_wait_ms: u64) -> Result<CallOptions> {
        call_options(v, default_wait_ms).map_err(Error::invalid)
    }
}

fn call_options(v: &Value, default_wait_ms: u64) -> R<CallOptions> {
    let empty = Map::new();
    let o = match v {
        Value::Null => &empty,
        Value::Object(o) => o,
        other => {
            return Err(must(
                "call ",
                "options",
                "an object like { signal, timeoutMs }",
                other,
                false,
            ))
        }
    };
    let path = "options.";
    check_keys(o, &CALL_KEYS, path)?;
    if o.get("headers").is_some_and(|h| !h.is_null()) {
        return Err(
                "options.headers is not supported: extra request headers break browsers' CORS preflight checks".to_string());
    }
    let strategy = strategy(o)?;
    let wait_for_quota = match o.get("waitForQuota") {
        Some(Value::Bool(true)) => WaitForQuota::UpTo(default_wait_ms),
        Some(Value::Bool(false)) => WaitForQuota::No,
        _ => {
            let rule = "true, false or a number of milliseconds";
            match number(o, "waitForQuota", path, false, rule)? {
                Some(n) => WaitForQuota::UpTo(n as u64),
                None => WaitForQuota::No,
            }
        }
    };
    let max_attempts = opt_u64(o, "maxAttempts", path)?;
    if max_attempts.is_some_and(|n| n == 0 || n > 50) {
        return Err("options.maxAttempts must be between 1 and 50".to_string());
    }
    let timeout_ms = opt_u64(o, "timeoutMs", path)?;
    if timeout_ms == Some(0) {
        return Err("options.timeoutMs must be positive (leave it out for no timeout)".to_string());
    }
    let fallback = opt_bool(o, "fallback", path)?;
    let session_id = opt_str(o, "sessionId", path)?;
    let resume_on_error = opt_bool(o, "resumeOnError", path)?.unwrap_or(false);
    let provider = opt_str(o, "provider", path)?;
    Ok(CallOptions {
        attempt_timeout_ms: attempt_timeout(o)?,
        validate_output: opt_bool(o, "validateOutput", path)?.unwrap_or(true),
        sticky: sticky(o)?,
        timeout_ms,
        fallback,
        max_attempts: max_attempts.map(|n| n as u32),
        wait_for_quota,
        session_id: session_id.map(str::to_string),
        strategy: strategy.map(str::to_string),
        resume_on_error,
        provider: provider.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn loopback_matches_std() {
        let hosts = [
            "127.0.0.1",
            "127.1.2.3",
            "127.0.0.01",
            "127.0.0",
            "127.0.0.1.2",
            "127.256.0.1",
            "128.0.0.1",
            "0.0.0.0",
            "1.2.3.4",
            "127..0.1",
            "127.0.0.1 ",
            "+127.0.0.1",
            "::1",
            "0:0:0:0:0:0:0:1",
            "::0:1",
            "0::1",
            "::01",
            "::0001",
            "::00001",
            ":::1",
            "::1::",
            "1::",
            "::",
            "::ffff:127.0.0.1",
            "::0.0.0.1",
            "0:0:0:0:0:0:0.0.0.1",
            "0:0:0:0:0:0:0:0:1",
            "0:0:0:0:0:0:0::1",
            "0:0:0::0:0:0:1",
            "0:0:0:0:0:0:1",
            "1.2.3.4::",
            "::1.2.3.4:1",
            "fe80::1",
            "::1%lo",
            "[::1]",
            "::g",
            "localhost",
            "a.localhost",
            "localhost.evil.com",
            "",
            "::1:",
            ":1",
            "0:0:0:0:0:0:0:01",
        ];
        for h in hosts {
            let std = h == "localhost"
                || h.ends_with(".localhost")
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            assert_eq!(is_loopback(h), std, "{h}");
        }
        // Random strings over the address alphabet.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let alphabet = b"0127f:.:1:.0";
        for _ in 0..300_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 59) as usize;
            let h: String = (0..len)
                .map(|k| alphabet[((seed >> (k * 4 % 56)) & 0xf) as usize % alphabet.len()] as char)
                .collect();
            let std = h
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
            assert_eq!(is_loopback(&h), std, "{h}");
        }
    }

    use crate::json;

    fn err(v: Value) -> String {
        let e = ClientOptions::from_json(&v).unwrap_err();
        assert_eq!(e.code, crate::core::error::ErrorCode::InvalidArgument);
        e.message
    }

    #[test]
    fn defaults_and_well_known_ids() {
        let o = ClientOptions::from_json(&json!({
            "providers": [{"id": "openrouter", "apiKey": "sk-or-1"}, {"id": "groq", "apiKey": "g"}]
        }))
        .unwrap();
        assert_eq!(o.providers[0].kind, ProviderKind::OpenRouter);
        assert_eq!(o.providers[0].base_url, "https://openrouter.ai/api/v1");
        assert_eq!(o.providers[1].base_url, "https://api.groq.com/openai/v1");
        assert!(o.providers[1].free);
        assert_eq!(o.strategy, "random");
        assert_eq!(o.max_attempts, 4);
        assert_eq!(o.retry_after_cap_ms, 60_000);
        assert_eq!(o.catalog_ttl_ms, 3_600_000);
        assert_eq!(o.budget_usd, 0.0);
        assert!(o.persist);
    }

    #[test]
    fn custom_provider_needs_kind_or_base_url() {
        assert!(err(json!({"providers": [{"id": "lab"}]})).contains("providers[0].id \"lab\""));
        let o = ClientOptions::from_json(&json!({"providers": [
            {"id": "lab", "kind": "openai-compatible", "baseUrl": "http://127.0.0.1:11434/v1/", "models": ["llama3.2"]}
        ]}))
        .unwrap();
        assert_eq!(o.providers[0].base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(
            o.providers[0].models.as_deref(),
            Some(&["llama3.2".to_string()][..])
        );
        assert!(o.providers[0].free);
    }

    #[test]
    fn http_only_for_loopback() {
        for ok in [
            "http://localhost:1234/v1",
            "http://127.0.0.1/v1",
            "http://[::1]:8080/v1",
            "http://app.localhost/v1",
        ] {
            ClientOptions::from_json(&json!({"providers": [{"id": "x", "baseUrl": ok}]})).unwrap();
        }
        let m = err(json!({"providers": [{"id": "x", "baseUrl": "http://example.com/v1"}]}));
        assert!(
            m.contains("providers[0].baseUrl") && m.contains("https"),
            "{m}"
        );
        let m = err(json!({"providers": [{"id": "x", "baseUrl": "http://127.0.0.1.evil.com/v1"}]}));
        assert!(m.contains("https"), "{m}");
        let m = err(json!({"providers": [{"id": "x", "baseUrl": "https://user:pw@host/v1"}]}));
        assert!(m.contains("credentials"), "{m}");
        let m = err(json!({"providers": [{"id": "x", "baseUrl": "ftp://host"}]}));
        assert!(m.contains("absolute http(s) URL"), "{m}");
    }

    #[test]
    fn wrong_types_name_the_field() {
        assert!(err(json!("nope")).contains("options must be an object"));
        assert!(err(json!({})).contains("options.providers"));
        assert!(err(json!({"providers": []})).contains("at least one"));
        assert!(err(json!({"providers": {"id": "openrouter"}})).contains("must be an array"));
        assert!(err(json!({"providers": [5]})).contains("providers[0] must be an object"));
        assert!(
            err(json!({"providers": [{"id": "openrouter", "apiKey": 5}]}))
                .contains("providers[0].apiKey must be a string")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "maxAttempts": "3"}))
                .contains("options.maxAttempts")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "maxAttempts": 0}))
                .contains("between 1 and 50")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "strategy": "best"}))
                .contains("options.strategy \"best\"")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "budget": {"maxUsd": -1}}))
                .contains("options.budget.maxUsd")
        );
        assert!(err(
            json!({"providers": [{"id": "openrouter"}], "budget": {"maxUsd": 1, "period": "week"}})
        )
        .contains("options.budget.period"));
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "stratgy": "random"}))
                .contains("options.stratgy is not a known option")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}, {"id": "openrouter"}]}))
                .contains("used twice")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter", "kind": "magic"}]}))
                .contains("kind \"magic\"")
        );
        assert!(err(json!({"providers": [{"id": "x", "baseUrl": "https://h/v1", "limits": {"requests": 5}}]})).contains("perMs"));
        assert!(
            err(json!({"providers": [{"id": "openrouter", "apiKey": "sk or"}]})).contains("spaces")
        );
        assert!(
            err(json!({"providers": [{"id": "openrouter"}], "app": {"title": "bad\nvalue"}}))
                .contains("options.app.title")
        );
    }

    #[test]
    fn call_options() {
        let c = CallOptions::from_json(
            &json!({"waitForQuota": true, "timeoutMs": 5000, "sessionId": "s"}),
            60_000,
        )
        .unwrap();
        assert_eq!(c.wait_for_quota, WaitForQuota::UpTo(60_000));
        assert_eq!(c.timeout_ms, Some(5000));
        let c = CallOptions::from_json(&Value::Null, 1).unwrap();
        assert_eq!(c.wait_for_quota, WaitForQuota::No);
        assert!(CallOptions::from_json(&json!({"waitForQuota": "soon"}), 1)
            .unwrap_err()
            .message
            .contains("waitForQuota"));
        assert!(CallOptions::from_json(&json!({"headers": {"X-A": "1"}}), 1)
            .unwrap_err()
            .message
            .contains("CORS"));
        assert!(CallOptions::from_json(&json!({"timeoutMs": 0}), 1).is_err());
        assert!(CallOptions::from_json(&json!({"bogus": 1}), 1)
            .unwrap_err()
            .message
            .contains("options.bogus"));
    }

    #[test]
    fn messages_are_exact() {
        let known = "providers, strategy, seed, budget, maxAttempts, retryAfterCapMs, catalogTtlMs, storage, app, fetch, onEvent, timeoutMs, attemptTimeoutMs, sticky, dangerouslyAllowBrowser, debug";
        let cases = [
            (
                json!("nope"),
                "options must be an object like { providers: [{ id: \"openrouter\", apiKey }] }, got a string".to_string(),
            ),
            (
                json!({"providers": [{"id": "openrouter"}], "strategy": "best"}),
                "options.strategy \"best\" is not one of random, ordered, fastest, seeded, router".to_string(),
            ),
            (
                json!({"providers": [{"id": "x", "baseUrl": "ftp://h"}]}),
                "providers[0].baseUrl must be an absolute http(s) URL, got \"ftp://h\"".to_string(),
            ),
            (
                json!({"providers": [{"id": "x", "baseUrl": "https://u@h/v1"}]}),
                "providers[0].baseUrl must be an absolute http(s) URL with a host and no credentials, got \"https://u@h/v1\"".to_string(),
            ),
            (
                json!({"providers": [{"id": "x", "baseUrl": "http://example.com/v1"}]}),
                "providers[0].baseUrl uses plain http to \"example.com\": keys may only travel over https (http is allowed for loopback hosts such as 127.0.0.1 and localhost)".to_string(),
            ),
            (
                json!({"providers": [{"id": "openrouter"}], "maxAttempts": "3"}),
                "options.maxAttempts must be a non-negative whole number, got \"3\"".to_string(),
            ),
            (
                json!({"providers": [{"id": "openrouter", "free": 1}]}),
                "providers[0].free must be true or false, got a number".to_string(),
            ),
            (
                json!({"providers": [{"id": "openrouter"}], "bogus": 1}),
                format!("options.bogus is not a known option (known: {known})"),
            ),
            (
                json!({"providers": [{"id": "openrouter", "limits": 5}]}),
                "providers[0].limits must be an object like { rpm: 20, rpd: 50 }, got a number".to_string(),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(err(input), want);
        }
        let e = CallOptions::from_json(&json!({"strategy": "x"}), 1).unwrap_err();
        assert_eq!(e.code, crate::core::error::ErrorCode::InvalidArgument);
        assert_eq!(
            e.message,
            "options.strategy \"x\" is not one of random, ordered, fastest, seeded, router"
        );
        let e = CallOptions::from_json(&json!(7), 1).unwrap_err();
        assert_eq!(
            e.message,
            "call options must be an object like { signal, timeoutMs }, got a number"
        );
    }
}
