//! Sign in with OpenRouter: OAuth PKCE (S256) as two static methods of `FreeRouterClient`.
//!
//! `openRouterAuthUrl` draws a verifier from `crypto.getRandomValues`, keeps it in this tab's
//! `sessionStorage` and returns the URL of OpenRouter's consent page with its SHA-256 challenge
//! (hashed here, not by `crypto.subtle`: no await, and it works in non-secure contexts too).
//! `completeOpenRouterAuth` (on the callback page) exchanges `?code=` and the verifier for a key.
//! The verifier is single use: it is removed before the exchange, so it is gone whether the
//! exchange succeeds or fails. The key is only ever the resolved value: never stored, logged, put
//! in an error or an event.

use crate::core::json::{self, Value};
use crate::web::glue::future_to_promise;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::error::{Error, ErrorCode};
use crate::core::text;
use crate::web::client::FreeRouterClient;
use crate::web::error::to_js;
use crate::web::glue;
use crate::web::storage::PREFIX;
use crate::web::transport;

#[wasm_bindgen(module = "/src/js/oauth.js")]
extern "C" {
    #[wasm_bindgen(js_name = urlParts)]
    fn url_parts(input: &JsValue) -> Option<String>;
    #[wasm_bindgen(catch, js_name = randomBytes)]
    fn random_bytes(n: u32) -> Result<Option<Vec<u8>>, JsValue>;
    #[wasm_bindgen(js_name = sessionTake)]
    fn session_take(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = sessionSet)]
    fn session_set(key: &str, value: &str) -> bool;
}

/// sessionStorage key of the pending verifier (one sign-in at a time per tab).
fn verifier_key() -> String {
    text::join2(PREFIX, "pkce")
}

const DEFAULT_API: &str = "https://openrouter.ai/api/v1";
const DEFAULT_AUTH_PAGE: &str = "https://openrouter.ai/auth";
/// 48 random bytes: a 64-character verifier (RFC 7636 allows 43 to 128).
const VERIFIER_BYTES: u32 = 48;
const MAX_LABEL: usize = 100;
const EXCHANGE_TIMEOUT_MS: u64 = 30_000;
const RESTART: &str = "Start sign-in again (Sign in with OpenRouter).";

struct UrlParts {
    protocol: String,
    hostname: String,
    origin: String,
    /// `?code=`, "" when absent.
    code: String,
}

/// urlParts gives the parts one a line, the code last (only it can hold a line break).
fn url_of(v: &JsValue) -> Option<UrlParts> {
    let all = url_parts(v)?;
    let mut rest = all.as_str();
    let mut line = || {
        let (first, after) = rest.split_once('\n')?;
        rest = after;
        Some(first.to_string())
    };
    Some(UrlParts {
        protocol: line()?,
        hostname: line()?,
        origin: line()?,
        code: rest.to_string(),
    })
}

/// The URL API writes IPv6 hosts in brackets; the shared check parses the address itself, so
/// "127.0.0.1.evil.com" is not taken for loopback.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    crate::core::options::is_loopback(bare)
}

fn auth_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Auth, message).with_provider("openrouter")
}

/// An endpoint a code or key travels to: https, or plain http on a loopback host only.
fn secure_url(field: &str, s: &str) -> Result<(String, UrlParts), Error> {
    let must = match url_of(&JsValue::from_str(s)) {
        None => "an absolute URL",
        Some(parts)
            if parts.protocol == "https:"
                || (parts.protocol == "http:" && is_loopback(&parts.hostname)) =>
        {
            return Ok((s.trim_end_matches('/').to_string(), parts))
        }
        Some(_) => "https (plain http only on localhost)",
    };
    Err(bad_url(field, must, s))
}

/// `{field} must be {must}, got "{s}"`: one message site for every URL check.
fn bad_url(field: &str, must: &str, s: &str) -> Error {
    Error::invalid(format!("{field} must be {must}, got {}", text::quoted(s)))
}

/// The options bag as a JSON object (functions and signals are taken out by the glue).
fn options_object(
    what: &str,
    options: &JsValue,
    required: bool,
) -> Result<(json::Map, glue::SplitOptions), Error> {
    let split = glue::split_options(options);
    let v: Value = json::from_str(&split.json())
        .map_err(|e| Error::invalid(format!("{what} options are not valid JSON: {e}")))?;
    match v {
        Value::Object(m) => Ok((m, split)),
        Value::Null if !required => Ok((json::Map::new(), split)),
        _ => Err(Error::invalid(format!(
            "{what} needs an options object like {{ callbackUrl: location.origin + location.pathname }}"
        ))),
    }
}

fn opt_string<'a>(m: &'a json::Map, field: &str) -> Result<Option<&'a str>, Error> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(Error::invalid(format!(
            "{field} must be a string, got {other}"
        ))),
    }
}

struct AuthUrlRequest {
    callback: String,
    label: Option<String>,
    page: String,
}

fn parse_auth_url_options(options: &JsValue) -> Result<AuthUrlRequest, Error> {
    let (m, _) = options_object("openRouterAuthUrl()", options, true)?;
    let callback = opt_string(&m, "callbackUrl")?.ok_or_else(|| {
        Error::invalid(
            "callbackUrl is required: the absolute http(s) URL OpenRouter sends the user back to",
        )
    })?;
    match url_of(&JsValue::from_str(callback)) {
        Some(p) if p.protocol == "https:" || p.protocol == "http:" => {}
        _ => return Err(bad_url("callbackUrl", "an absolute http(s) URL", callback)),
    }
    let label = match opt_string(&m, "keyLabel")? {
        Some(l) if text::char_count(l) > MAX_LABEL => {
            return Err(Error::invalid(format!(
                "keyLabel must be at most {MAX_LABEL} characters"
            )))
        }
        Some(l) if !l.trim().is_empty() => Some(l.to_string()),
        _ => None,
    };
    let page = if let Some(a) = opt_string(&m, "authUrl")? {
        secure_url("authUrl", a)?.0
    } else if let Some(b) = opt_string(&m, "baseUrl")? {
        // The consent page lives at the site root of the API's origin.
        text::join2(&secure_url("baseUrl", b)?.1.origin, "/auth")
    } else {
        DEFAULT_AUTH_PAGE.to_string()
    };
    Ok(AuthUrlRequest {
        callback: callback.to_string(),
        label,
        page,
    })
}

/// RFC 4648 §5 without padding.
fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ABC[idx as usize]));
        }
    }
    out
}

/// Percent-encode a query value (everything but RFC 3986 unreserved characters).
fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

fn auth_url(req: AuthUrlRequest) -> Result<String, Error> {
    let bytes = match random_bytes(VERIFIER_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(auth_error(
                "Sign in with OpenRouter needs Web Crypto: crypto.getRandomValues is missing.",
            ))
        }
        Err(e) => {
            return Err(auth_error(format!(
                "crypto.getRandomValues failed: {}",
                glue::describe(&e)
            )))
        }
    };
    let verifier = base64url(&bytes);
    let challenge = base64url(&crate::core::sha256::digest(verifier.as_bytes()));
    if !session_set(&verifier_key(), &verifier) {
        return Err(auth_error(
            "Sign in with OpenRouter needs sessionStorage to keep the PKCE verifier until OpenRouter \
             sends the user back, and it is unavailable here (disabled, full, or not a page).",
        ));
    }
    let mut url = format!(
        "{}?callback_url={}&code_challenge={}&code_challenge_method=S256",
        req.page,
        query_value(&req.callback),
        challenge
    );
    if let Some(l) = &req.label {
        url.push_str("&key_label=");
        url.push_str(&query_value(l));
    }
    Ok(url)
}

/// The short reason in an error body: `error.message`, `message`, `error`, or the text.
fn body_reason(text: &str) -> String {
    let v: Value = json::from_str(text).unwrap_or(Value::Null);
    let msg = v
        .get("error")
        .and_then(|e| e.get("message"))
        .or_else(|| v.get("message"))
        .or_else(|| v.get("error"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text.trim().to_string());
    crate::core::wire::preview(&msg)
}

fn exchange_error(status: u16, text: &str) -> Error {
    let reason = body_reason(text);
    let said = if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {reason}")
    };
    let lower = reason.to_ascii_lowercase();
    let e = match status {
        403 if text::contains(&lower, "expired") => auth_error(format!(
            "OpenRouter says the sign-in code expired ({said}); codes last 10 minutes and work once. {RESTART}"
        )),
        403 if text::contains(&lower, "verifier") || text::contains(&lower, "invalid code") => auth_error(format!(
            "OpenRouter rejected the sign-in code or its PKCE verifier ({said}): the code was already used, or sign-in was started again in another step. {RESTART}"
        )),
        403 => auth_error(format!(
            "OpenRouter refused the sign-in code ({said}). {RESTART}"
        )),
        400 => auth_error(format!(
            "OpenRouter refused the key exchange as malformed ({said}). {RESTART}"
        )),
        405 => auth_error(format!(
            "OpenRouter refused the key exchange ({said}): it must be a POST over https; check baseUrl."
        )),
        429 => Error::new(
            ErrorCode::RateLimited,
            format!("OpenRouter is rate limiting the key exchange ({said}). Wait a minute, then start sign-in again."),
        )
        .with_provider("openrouter"),
        500..=599 => Error::new(
            ErrorCode::ProviderError,
            format!("OpenRouter failed to exchange the sign-in code ({said}). Try signing in again later."),
        )
        .with_provider("openrouter"),
        _ => auth_error(format!(
            "OpenRouter did not exchange the sign-in code ({said}). {RESTART}"
        )),
    };
    e.with_status(status)
}

struct CompleteRequest {
    code: String,
    endpoint: String,
    timeout_ms: u64,
    fetch: JsValue,
    signal: JsValue,
}

/// `Ok(None)` when `href` carries no `?code=`.
fn parse_complete(href: &JsValue, options: &JsValue) -> Result<Option<CompleteRequest>, Error> {
    let parts = url_of(href).ok_or_else(|| {
        Error::invalid(
            "completeOpenRouterAuth(href): href must be an absolute URL such as location.href",
        )
    })?;
    let (m, split) = options_object("completeOpenRouterAuth()", options, false)?;
    let fetch = split.fetch();
    if !fetch.is_undefined() && !fetch.is_null() && !fetch.is_function() {
        return Err(Error::invalid(
            "fetch must be a function like globalThis.fetch",
        ));
    }
    let signal = split.signal();
    if !signal.is_undefined() && !signal.is_null() && !glue::is_abort_signal(&signal) {
        return Err(Error::invalid("signal must be an AbortSignal"));
    }
    let base = match opt_string(&m, "baseUrl")? {
        Some(b) => secure_url("baseUrl", b)?.0,
        None => DEFAULT_API.to_string(),
    };
    let timeout_ms = match m.get("timeoutMs") {
        None | Some(Value::Null) => EXCHANGE_TIMEOUT_MS,
        Some(v) => match v.as_f64() {
            Some(n) if n > 0.0 && n.is_finite() => n as u64,
            _ => {
                return Err(Error::invalid(format!(
                    "timeoutMs must be a positive number of milliseconds, got {v}"
                )))
            }
        },
    };
    if parts.code.is_empty() {
        return Ok(None);
    }
    let code = parts.code;
    Ok(Some(CompleteRequest {
        code,
        endpoint: text::join2(&base, "/auth/keys"),
        timeout_ms,
        fetch,
        signal,
    }))
}

async fn complete(req: CompleteRequest) -> Result<String, Error> {
    // Single use, whatever happens next: taking it removes it.
    let Some(verifier) = session_take(&verifier_key()) else {
        return Err(auth_error(
            "There is no PKCE verifier for this sign-in: sign-in was not started in this tab, or \
             already completed (each code works once). Start sign-in again from this tab.",
        ));
    };

    // Written directly: no Map to build and print for three fields.
    let mut body = String::from("{\"code\":");
    json::push_str(&mut body, &req.code);
    body.push_str(",\"code_verifier\":");
    json::push_str(&mut body, &verifier);
    body.push_str(",\"code_challenge_method\":\"S256\"}");
    let headers = transport::headers_object(&[("Content-Type", "application/json")]);
    let url = &req.endpoint;
    let got = transport::fetch(
        &req.fetch,
        url,
        "POST",
        &headers,
        &body,
        &req.signal,
        req.timeout_ms,
        false,
    )
    .await;
    let status = got.status;
    let text = got.text();
    let network =
        |what: String| Err(Error::new(ErrorCode::Network, what).with_provider("openrouter"));
    match got.fail {
        0 => {}
        2 | 5 => return Err(Error::new(ErrorCode::Aborted, "sign-in was aborted")),
        1 | 4 => {
            return Err(Error::new(
                ErrorCode::Timeout,
                format!(
                    "OpenRouter did not answer the key exchange at {url} within {} s",
                    req.timeout_ms / 1000
                ),
            )
            .with_provider("openrouter"))
        }
        3 => return network(format!(
            "Could not reach OpenRouter to finish sign-in (POST {url}): {text}. Check the connection, then start sign-in again."
        )),
        _ => return network(format!(
            "The answer of OpenRouter's key exchange broke off: {text}"
        )),
    }
    if !(200..300).contains(&status) {
        // A failed exchange may echo the code or the verifier; a new key in it (`sk-or-...`)
        // is caught by the key-shape rule.
        let secrets = [req.code.clone(), verifier];
        let mut e = exchange_error(status, &text);
        e.redact(&secrets);
        return Err(e);
    }
    // Never quote this body in an error: it may hold the key.
    let parsed: Option<Value> = json::from_str(&text).ok();
    match parsed.as_ref().and_then(|v| v.get("key")).and_then(Value::as_str) {
        Some(k) if !k.trim().is_empty() => Ok(k.trim().to_string()),
        _ => Err(Error::new(
            ErrorCode::Parse,
            format!(
                "OpenRouter's key exchange answered HTTP {status} without a key (expected JSON {{ \"key\": \"sk-or-…\" }})"
            ),
        )
        .with_provider("openrouter")
        .with_status(status)),
    }
}

#[wasm_bindgen]
impl FreeRouterClient {
    /// Start "Sign in with OpenRouter" (OAuth PKCE, S256): keeps a fresh verifier in this tab's
    /// sessionStorage and resolves to the consent page URL to send the user to.
    ///
    /// ```js
    /// const { url } = await FreeRouterClient.openRouterAuthUrl({
    ///   callbackUrl: location.origin + location.pathname, keyLabel: "My App" });
    /// location.assign(url);
    /// ```
    #[wasm_bindgen(js_name = openRouterAuthUrl, unchecked_return_type = "Promise<{ url: string }>")]
    pub fn open_router_auth_url(
        #[wasm_bindgen(unchecked_param_type = "OpenRouterAuthUrlOptions")] options: JsValue,
    ) -> Promise {
        // Nothing to await: a settled promise, as the contract has always returned.
        match parse_auth_url_options(&options).and_then(auth_url) {
            Ok(url) => {
                let out = Object::new();
                let _ = Reflect::set(&out, &JsValue::from_str("url"), &JsValue::from_str(&url));
                Promise::resolve::<JsValue>(&out.into())
            }
            Err(e) => Promise::reject(&to_js(&e)),
        }
    }

    /// Finish sign-in on the callback page: exchanges `?code=` and the stored verifier for an
    /// OpenRouter API key. Resolves to `null` when `href` has no `?code=`. The verifier is
    /// removed whether the exchange succeeds or fails; remove `?code=` from the address bar
    /// (`history.replaceState`) once this resolves.
    ///
    /// ```js
    /// const apiKey = await FreeRouterClient.completeOpenRouterAuth(location.href);
    /// if (apiKey) client = new FreeRouterClient({ providers: [{ id: "openrouter", apiKey }] });
    /// ```
    #[wasm_bindgen(
        js_name = completeOpenRouterAuth,
        unchecked_return_type = "Promise<string | null>"
    )]
    pub fn complete_open_router_auth(
        #[wasm_bindgen(unchecked_param_type = "string | URL")] href: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CompleteOpenRouterAuthOptions")]
        options: Option<JsValue>,
    ) -> Promise {
        let parsed = parse_complete(&href, &options.unwrap_or(JsValue::UNDEFINED));
        future_to_promise(async move {
            let Some(req) = parsed.map_err(|e| to_js(&e))? else {
                return Ok(JsValue::NULL);
            };
            // The code (and the verifier, below) is redacted from whatever sign-in reports.
            let _code = crate::web::secrets::Held::new(vec![req.code.clone()]);
            let key = complete(req).await.map_err(|e| to_js(&e))?;
            Ok(JsValue::from_str(&key))
        })
    }
}
