//! OpenRouter's `GET /api/v1/key`: what the key says about its account, as `KeyInfo`.

use crate::core::json::{self, Map, Value};
use crate::core::map::Put as _;

/// `free_model_daily_requests`: the account's free-model day, counted by OpenRouter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeDaily {
    pub used: u64,
    pub limit: u64,
    pub remaining: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyInfo {
    pub is_free_tier: bool,
    /// None for accounts or caches that do not report it: the documented defaults stand.
    pub free_daily: Option<FreeDaily>,
    /// `label`, `usage`, `limit`, `limit_remaining`, `usage_daily` as sent, under API names.
    pub extra: Map,
}

fn count(v: Option<&Value>) -> Option<u64> {
    let x = v?.as_f64()?;
    (0.0..=1e15).contains(&x).then_some(x as u64)
}

fn free_daily(v: Option<&Value>) -> Option<FreeDaily> {
    let v = v?;
    let used = count(v.get("used"))?;
    let limit = count(v.get("limit"))?;
    let remaining = count(v.get("remaining")).unwrap_or(limit.saturating_sub(used));
    Some(FreeDaily {
        used,
        limit,
        remaining,
    })
}

/// Reads the body; the error says what is missing, for "GET …/key failed: …".
pub fn parse(body: &str) -> Result<KeyInfo, String> {
    let v: Value = json::from_str(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let data = v.get("data").unwrap_or(&Value::Null);
    let Some(is_free_tier) = data.get("is_free_tier").and_then(Value::as_bool) else {
        return Err("the answer has no data.is_free_tier".into());
    };
    let mut extra = Map::new();
    for (k, name) in [
        ("label", "label"),
        ("usage", "usage"),
        ("limit", "limit"),
        ("limit_remaining", "limitRemaining"),
        ("usage_daily", "usageDaily"),
    ] {
        if let Some(x) = data.get(k) {
            extra.put(name, x.clone());
        }
    }
    Ok(KeyInfo {
        is_free_tier,
        free_daily: free_daily(data.get("free_model_daily_requests")),
        extra,
    })
}

impl KeyInfo {
    /// The `KeyInfo` object of API.md. `freeRequestsPerDay` is the provider's limit when it
    /// reports one, else the documented default for accounts without credits.
    pub fn to_value(&self, provider: &str, fetched_at_ms: f64) -> Value {
        let mut out = self.extra.clone();
        out.put("provider", provider.into());
        out.put("isFreeTier", self.is_free_tier.into());
        let per_day = self.free_daily.map_or(50, |d| d.limit);
        out.put("freeRequestsPerDay", per_day.into());
        let daily = match self.free_daily {
            Some(d) => {
                let mut m = Map::new();
                m.put("used", d.used.into());
                m.put("limit", d.limit.into());
                m.put("remaining", d.remaining.into());
                Value::Object(m)
            }
            None => Value::Null,
        };
        out.put("freeDailyRequests", daily);
        out.put("fetchedAt", fetched_at_ms.into());
        Value::Object(out)
    }
}

/// What a free OpenRouter request should do about key info before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// The day does not decide this request, or key info was asked less than a minute ago.
    Skip,
    /// Ask in the background; this request goes by what the ledger knows now.
    Behind,
    /// Nothing was ever read and the day would refuse this request: ask first (bounded).
    First,
}

/// At most one `GET /key` a minute: OpenRouter's count lags about that much anyway.
pub const REFRESH_EVERY_MS: f64 = 60_000.0;

/// Whether to refresh key info before a free request. The day decides only near its end (a
/// tenth of the limit or less left, by the ledger's count with what is in flight); then a
/// stale or missing reading is worth a request that spends no free-model quota. `asked_ms`
/// is the last time key info was asked (None: never), `answered` whether it ever answered;
/// a clock that went backwards counts as stale.
pub fn refresh_due(
    limit: u64,
    taken: u64,
    asked_ms: Option<f64>,
    answered: bool,
    now_ms: f64,
) -> Refresh {
    if asked_ms.is_some_and(|t| now_ms >= t && now_ms - t < REFRESH_EVERY_MS) {
        return Refresh::Skip;
    }
    let left = limit.saturating_sub(taken);
    if left > limit / 10 {
        Refresh::Skip
    } else if left == 0 && !answered {
        Refresh::First
    } else {
        Refresh::Behind
    }
}
