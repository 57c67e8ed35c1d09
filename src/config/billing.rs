//! Settings of billing and product analytics: the plans and their limits, Stripe, PostHog.
//! Plans are listed in upgrade order (the first plan that lifts a limit is the one offered).
//! The `plans` key changes the defaults rather than replacing them: an entry named like a
//! default plan starts from it (`[{"name":"pro","price_id":"price_123"}]` sets Pro's price
//! alone); an entry with a new name starts from the first plan's limits and is appended.

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::values::parsed;

/// A quantity a plan allows: a number, or no limit at all (`"unlimited"` in settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Limit(pub Option<u64>);

impl Limit {
    pub const UNLIMITED: Limit = Limit(None);

    pub const fn at(n: u64) -> Self {
        Limit(Some(n))
    }

    /// Whether `used + 1` still fits.
    pub fn allows_one_more(self, used: u64) -> bool {
        self.0.is_none_or(|max| used < max)
    }

    /// Whether `self` allows more than `other`.
    pub fn exceeds(self, other: Limit) -> bool {
        match (self.0, other.0) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => a > b,
            _ => false,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("unlimited"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(n) => serializer.serialize_u64(n),
            None => serializer.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Ok(Limit(Some(n))),
            Raw::Text(text) if text == "unlimited" => Ok(Limit::UNLIMITED),
            Raw::Text(text) => text.parse().map(|n| Limit(Some(n))).map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a limit; expected a whole number or \"unlimited\""
                ))
            }),
        }
    }
}

/// One plan: its Stripe price and what it allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub name: String,
    /// The Stripe price a subscription to this plan uses; `None` for a plan not sold (free).
    pub price_id: Option<String>,
    /// What the plan costs a month, in cents, for the pages that show it.
    pub monthly_cents: u64,
    /// Pages, rows, databases and data sources one workspace may import.
    pub pages_per_workspace: Limit,
    /// Workspaces an account may connect.
    pub workspaces: Limit,
    /// The shortest interval between scheduled syncs a workspace may have.
    pub min_sync_interval_minutes: u32,
    /// Live share links that show page titles (links with hidden titles are public and free).
    pub private_share_links: Limit,
    /// Embeds carry a "made with notion-graph" badge.
    pub embed_badge: bool,
    /// Assistant actions (confirmed writes in Notion) a calendar month.
    pub assistant_actions_per_month: Limit,
    /// Workspace export to Markdown and JSON.
    pub export: bool,
    /// The largest Notion export zip one upload may be, in megabytes (its compressed size).
    pub zip_upload_megabytes: u64,
}

/// The plans when the settings change none of them.
pub fn default_plans() -> Vec<Plan> {
    vec![
        Plan {
            name: "free".into(),
            price_id: None,
            monthly_cents: 0,
            pages_per_workspace: Limit::at(1_000),
            workspaces: Limit::at(1),
            min_sync_interval_minutes: 60,
            private_share_links: Limit::at(1),
            embed_badge: true,
            assistant_actions_per_month: Limit::at(20),
            export: false,
            zip_upload_megabytes: 100,
        },
        Plan {
            name: "pro".into(),
            price_id: None,
            monthly_cents: 1_200,
            pages_per_workspace: Limit::at(25_000),
            workspaces: Limit::at(5),
            min_sync_interval_minutes: 15,
            private_share_links: Limit::at(50),
            embed_badge: false,
            assistant_actions_per_month: Limit::at(500),
            export: true,
            zip_upload_megabytes: 1_024,
        },
        Plan {
            name: "team".into(),
            price_id: None,
            monthly_cents: 4_900,
            pages_per_workspace: Limit::at(200_000),
            workspaces: Limit::at(25),
            min_sync_interval_minutes: 15,
            private_share_links: Limit::UNLIMITED,
            embed_badge: false,
            assistant_actions_per_month: Limit::at(5_000),
            export: true,
            zip_upload_megabytes: 4_096,
        },
    ]
}

/// Billing: plans, the grace of a failed payment, Stripe.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingSettings {
    #[serde(deserialize_with = "plans")]
    pub plans: Vec<Plan>,
    /// The plan of every account without a paid subscription (or with billing off, of every
    /// account an admin did not set a plan for with `admin set-plan`).
    pub default_plan: String,
    /// Days a `past_due` subscription keeps its plan after the first failed payment.
    #[serde(deserialize_with = "parsed")]
    pub billing_grace_days: u32,
    /// Stripe's secret API key; unset turns billing off (nothing calls Stripe).
    pub stripe_secret_key: Option<SecretString>,
    /// Webhook signing secrets, comma-separated, newest first; any of them verifies.
    pub stripe_webhook_secrets: Option<SecretString>,
    /// Stripe's API; tests point it at their own servers.
    pub stripe_api_base: String,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self {
            plans: default_plans(),
            default_plan: "free".into(),
            billing_grace_days: 7,
            stripe_secret_key: None,
            stripe_webhook_secrets: None,
            stripe_api_base: "https://api.stripe.com".into(),
        }
    }
}

impl BillingSettings {
    pub fn plan(&self, name: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.name == name)
    }

    /// Billing is on when a Stripe key is configured.
    pub fn enabled(&self) -> bool {
        self.stripe_secret_key.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), super::ConfigError> {
        use super::ConfigError;
        if self.plan(&self.default_plan).is_none() {
            return Err(ConfigError(format!(
                "key `default_plan`: `{}` is not one of the plans ({})",
                self.default_plan,
                self.plans
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let url = url::Url::parse(&self.stripe_api_base).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
            return Err(ConfigError(format!(
                "key `stripe_api_base`: `{}` is not an http(s) URL",
                self.stripe_api_base
            )));
        }
        Ok(())
    }
}

/// `plans`: a TOML array of tables, or the same as JSON text (environment variables).
fn plans<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Plan>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Items(Vec<Map<String, Value>>),
        Text(String),
    }
    let entries = match Raw::deserialize(deserializer)? {
        Raw::Items(items) => items,
        Raw::Text(text) => serde_json::from_str(&text)
            .map_err(|e| D::Error::custom(format!("expected a JSON array of plans: {e}")))?,
    };
    merge_plans(default_plans(), entries).map_err(D::Error::custom)
}

/// Applies `entries` over `plans`, by name (see the module's documentation).
fn merge_plans(
    mut plans: Vec<Plan>,
    entries: Vec<Map<String, Value>>,
) -> Result<Vec<Plan>, String> {
    for entry in entries {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or("every plan needs a `name`")?
            .to_owned();
        let position = plans.iter().position(|p| p.name == name);
        let base = position.map_or(&plans[0], |i| &plans[i]);
        let mut merged = match serde_json::to_value(base) {
            Ok(Value::Object(fields)) => fields,
            _ => return Err(format!("plan `{name}` cannot be read")),
        };
        merged.extend(entry);
        let plan: Plan = serde_json::from_value(Value::Object(merged))
            .map_err(|e| format!("plan `{name}`: {e}"))?;
        match position {
            Some(i) => plans[i] = plan,
            None => plans.push(plan),
        }
    }
    Ok(plans)
}

/// Product analytics (PostHog).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// PostHog's project API key; unset sends nothing.
    pub posthog_api_key: Option<SecretString>,
    /// Where events go (PostHog Cloud by default; tests point it at a local capture server).
    pub posthog_host: String,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            posthog_api_key: None,
            posthog_host: "https://us.i.posthog.com".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_named_like_a_default_changes_only_what_it_says() {
        let entries = vec![json!({"name": "pro", "price_id": "price_pro"})];
        let entries = entries
            .into_iter()
            .map(|e| e.as_object().unwrap().clone())
            .collect();
        let plans = merge_plans(default_plans(), entries).unwrap();
        let pro = plans.iter().find(|p| p.name == "pro").unwrap();
        assert_eq!(pro.price_id.as_deref(), Some("price_pro"));
        assert_eq!(pro.workspaces, default_plans()[1].workspaces);
        assert_eq!(plans.len(), 3);
    }

    #[test]
    fn a_new_plan_starts_from_the_first_and_limits_read_unlimited() {
        let entries =
            vec![json!({"name": "max", "workspaces": "unlimited", "monthly_cents": 9900})];
        let entries = entries
            .into_iter()
            .map(|e| e.as_object().unwrap().clone())
            .collect();
        let plans = merge_plans(default_plans(), entries).unwrap();
        let max = plans.last().unwrap();
        assert_eq!(
            (max.name.as_str(), max.workspaces),
            ("max", Limit::UNLIMITED)
        );
        assert_eq!(
            max.pages_per_workspace,
            default_plans()[0].pages_per_workspace
        );
    }

    #[test]
    fn a_bad_plan_names_its_field() {
        let entries = vec![json!({"name": "pro", "workspaces": "many"})];
        let entries = entries
            .into_iter()
            .map(|e| e.as_object().unwrap().clone())
            .collect();
        let error = merge_plans(default_plans(), entries).unwrap_err();
        assert!(error.contains("pro") && error.contains("many"), "{error}");
        let entries = vec![
            json!({"name": "pro", "seats": 3})
                .as_object()
                .unwrap()
                .clone(),
        ];
        assert!(
            merge_plans(default_plans(), entries)
                .unwrap_err()
                .contains("seats")
        );
    }

    #[test]
    fn limits_compare_with_unlimited_above_every_number() {
        assert!(Limit::at(2).allows_one_more(1) && !Limit::at(2).allows_one_more(2));
        assert!(Limit::UNLIMITED.allows_one_more(u64::MAX - 1));
        assert!(Limit::UNLIMITED.exceeds(Limit::at(5)) && Limit::at(6).exceeds(Limit::at(5)));
        assert!(
            !Limit::at(5).exceeds(Limit::UNLIMITED) && !Limit::UNLIMITED.exceeds(Limit::UNLIMITED)
        );
    }
}
