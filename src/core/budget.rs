//! Money: what a paid call may cost at most (reserved before sending) and what it did cost
//! (committed after). With no budget nothing here is ever reached: free calls cost nothing.

use crate::core::json::Value;

use crate::core::catalog::Pricing;
use crate::core::error::{Error, ErrorCode};
use crate::core::wire;

/// The reply cap sent to a paid model when the request sets none: without a cap the worst
/// case (and so the reservation) would be the model's whole output limit.
pub const DEFAULT_PAID_MAX_TOKENS: u64 = 1024;

/// The most a call can cost: every prompt token and `max_tokens` reply tokens at list price.
/// None when a price is unknown (such a model is never spilled to).
pub fn worst_case_usd(p: &Pricing, prompt_tokens: u64, max_tokens: u64) -> Option<f64> {
    let prompt = Pricing::known(p.prompt_per_mtok)?;
    let completion = Pricing::known(p.completion_per_mtok)?;
    let request = Pricing::known(p.request).unwrap_or(0.0);
    Some((prompt * prompt_tokens as f64 + completion * max_tokens as f64) / 1e6 + request)
}

/// What a finished call cost: the provider's own figure (OpenRouter's `usage.cost`), else the
/// token counts at list price. None when neither is known.
pub fn actual_usd(p: &Pricing, usage: Option<&Value>) -> Option<f64> {
    let usage = usage?;
    if let Some(c) = wire::usage_cost(usage).filter(|c| c.is_finite() && *c >= 0.0) {
        return Some(c);
    }
    let (prompt, completion) = wire::usage_tokens(usage);
    let cost = (Pricing::known(p.prompt_per_mtok)? * prompt? as f64
        + Pricing::known(p.completion_per_mtok)? * completion? as f64)
        / 1e6
        + Pricing::known(p.request).unwrap_or(0.0);
    Some(cost)
}

/// Why a paid candidate may not be sent, if it may not.
pub fn refuse_paid(budget_usd: f64, model: &str, p: &Pricing) -> Option<Error> {
    if budget_usd <= 0.0 {
        return Some(Error::new(
            ErrorCode::BudgetExceeded,
            format!(
                "{model} is a paid model and budget.maxUsd is 0, so no money may be spent; set budget.maxUsd above 0 to allow paid models"
            ),
        )
        .with_model(model));
    }
    if p.total_per_mtok().is_none() {
        return Some(Error::new(
            ErrorCode::BudgetExceeded,
            format!("{model} has no known price, so its cost cannot be bounded; it is not used under a budget"),
        )
        .with_model(model));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    const P: Pricing = Pricing {
        prompt_per_mtok: 1.0,
        completion_per_mtok: 4.0,
        request: 0.0,
    };

    #[test]
    fn worst_case_and_actual() {
        assert_eq!(worst_case_usd(&P, 1000, 500), Some((1000.0 + 2000.0) / 1e6));
        assert_eq!(worst_case_usd(&Pricing::UNKNOWN, 1000, 500), None);
        let u = json!({"prompt_tokens": 1000, "completion_tokens": 100});
        assert_eq!(actual_usd(&P, Some(&u)), Some((1000.0 + 400.0) / 1e6));
        let u = json!({"prompt_tokens": 1000, "completion_tokens": 100, "cost": 0.0123});
        assert_eq!(actual_usd(&P, Some(&u)), Some(0.0123));
        assert_eq!(actual_usd(&P, None), None);
        assert_eq!(
            actual_usd(&Pricing::UNKNOWN, Some(&json!({"prompt_tokens": 1}))),
            None
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            refuse_paid(0.0, "m", &P).map(|e| e.code),
            Some(ErrorCode::BudgetExceeded)
        );
        assert!(refuse_paid(1.0, "m", &P).is_none());
        assert!(refuse_paid(1.0, "m", &Pricing::UNKNOWN)
            .is_some_and(|e| e.message.contains("no known price")));
    }
}
