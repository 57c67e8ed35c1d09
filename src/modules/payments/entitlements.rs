//! What an account may do: its plan, decided by a pure function of what is stored about it
//! (security.md 18). A `trialing` or `active` subscription gives its plan; a `past_due` one
//! keeps it until its grace end; any other status (canceled, unpaid, incomplete, paused, one
//! Stripe adds later) gives the default plan, and nothing imported is deleted: only what may
//! be added is limited. A plan an admin set by hand (`admin set-plan`) outranks all of it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{BillingSettings, Limit, Plan};
use crate::error::{AppError, Code};

/// A Stripe subscription's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
    /// A status this version does not know; it grants nothing.
    #[serde(other)]
    Unknown,
}

impl SubscriptionStatus {
    pub const ALL: [SubscriptionStatus; 9] = [
        Self::Incomplete,
        Self::IncompleteExpired,
        Self::Trialing,
        Self::Active,
        Self::PastDue,
        Self::Canceled,
        Self::Unpaid,
        Self::Paused,
        Self::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Paused => "paused",
            Self::Unknown => "unknown",
        }
    }
}

/// Whether a subscription in `status` gives its plan at `now` (epoch ms): `trialing` and
/// `active` do; `past_due` does before `grace_end`; nothing else does.
pub fn grants_plan(status: SubscriptionStatus, grace_end: Option<i64>, now: i64) -> bool {
    match status {
        SubscriptionStatus::Trialing | SubscriptionStatus::Active => true,
        SubscriptionStatus::PastDue => grace_end.is_some_and(|end| now < end),
        _ => false,
    }
}

/// Where an account's plan comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    /// No paid subscription: the `default_plan` setting.
    Default,
    /// Set by an admin with `admin set-plan`.
    Manual,
    /// A Stripe subscription that grants it.
    Subscription,
}

/// One subscription as the entitlement rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing<'a> {
    pub plan: &'a str,
    pub status: SubscriptionStatus,
    pub grace_end: Option<i64>,
}

/// What an account may do now.
#[derive(Debug, Clone, PartialEq)]
pub struct Entitlements {
    pub plan: Plan,
    pub source: PlanSource,
    /// The later plans, in upgrade order, to name the one that lifts a limit.
    upgrades: Vec<Plan>,
}

/// Decides an account's entitlements: its manual plan, else the best plan among the
/// subscriptions that grant one at `now`, else the default plan. A plan name the settings
/// no longer know counts as no plan.
pub fn entitle(
    settings: &BillingSettings,
    manual: Option<&str>,
    subscriptions: &[Standing<'_>],
    now: i64,
) -> Entitlements {
    let rank = |name: &str| settings.plans.iter().position(|p| p.name == name);
    let paid = subscriptions
        .iter()
        .filter(|s| grants_plan(s.status, s.grace_end, now))
        .filter_map(|s| rank(s.plan))
        .max();
    let (index, source) = match (manual.and_then(rank), paid) {
        (Some(manual), _) => (manual, PlanSource::Manual),
        (None, Some(paid)) => (paid, PlanSource::Subscription),
        (None, None) => (
            rank(&settings.default_plan).unwrap_or(0),
            PlanSource::Default,
        ),
    };
    Entitlements {
        plan: settings.plans[index].clone(),
        source,
        upgrades: settings.plans[index + 1..].to_vec(),
    }
}

/// A limit a plan sets, as problems and pages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    PagesPerWorkspace,
    Workspaces,
    SyncInterval,
    PrivateShareLinks,
    EmbedBadge,
    AssistantActions,
    Export,
    ZipUpload,
}

impl LimitKind {
    pub const ALL: [LimitKind; 8] = [
        Self::PagesPerWorkspace,
        Self::Workspaces,
        Self::SyncInterval,
        Self::PrivateShareLinks,
        Self::EmbedBadge,
        Self::AssistantActions,
        Self::Export,
        Self::ZipUpload,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::PagesPerWorkspace => "pages_per_workspace",
            Self::Workspaces => "workspaces",
            Self::SyncInterval => "sync_interval",
            Self::PrivateShareLinks => "private_share_links",
            Self::EmbedBadge => "embed_badge",
            Self::AssistantActions => "assistant_actions_per_month",
            Self::Export => "export",
            Self::ZipUpload => "zip_upload_megabytes",
        }
    }

    /// What `plan` allows, in words (`1 workspace`, `syncs every 60 minutes at most`).
    pub fn describe(self, plan: &Plan) -> String {
        let count = |limit: Limit, one: &str, many: &str| match limit.0 {
            Some(1) => format!("1 {one}"),
            Some(n) => format!("{} {many}", thousands(n)),
            None => format!("unlimited {many}"),
        };
        match self {
            Self::PagesPerWorkspace => count(
                plan.pages_per_workspace,
                "page per workspace",
                "pages per workspace",
            ),
            Self::Workspaces => count(plan.workspaces, "workspace", "workspaces"),
            Self::SyncInterval => format!(
                "a sync every {} minutes at most",
                plan.min_sync_interval_minutes
            ),
            Self::PrivateShareLinks => count(
                plan.private_share_links,
                "share link showing titles",
                "share links showing titles",
            ),
            Self::EmbedBadge if plan.embed_badge => "embeds with the notion-graph badge".into(),
            Self::EmbedBadge => "embeds without a badge".into(),
            Self::AssistantActions => count(
                plan.assistant_actions_per_month,
                "assistant action a month",
                "assistant actions a month",
            ),
            Self::Export if plan.export => "workspace export".into(),
            Self::Export => "no workspace export".into(),
            Self::ZipUpload => format!(
                "Notion export zips of {} MB at most",
                thousands(plan.zip_upload_megabytes)
            ),
        }
    }

    /// Whether `better` is more generous than `plan` in this limit.
    fn lifted_by(self, plan: &Plan, better: &Plan) -> bool {
        match self {
            Self::PagesPerWorkspace => better.pages_per_workspace.exceeds(plan.pages_per_workspace),
            Self::Workspaces => better.workspaces.exceeds(plan.workspaces),
            Self::SyncInterval => better.min_sync_interval_minutes < plan.min_sync_interval_minutes,
            Self::PrivateShareLinks => better.private_share_links.exceeds(plan.private_share_links),
            Self::EmbedBadge => plan.embed_badge && !better.embed_badge,
            Self::AssistantActions => better
                .assistant_actions_per_month
                .exceeds(plan.assistant_actions_per_month),
            Self::Export => better.export && !plan.export,
            Self::ZipUpload => better.zip_upload_megabytes > plan.zip_upload_megabytes,
        }
    }
}

impl Entitlements {
    /// The first later plan that is more generous in `kind`.
    pub fn upgrade_for(&self, kind: LimitKind) -> Option<&Plan> {
        self.upgrades.iter().find(|p| kind.lifted_by(&self.plan, p))
    }

    /// A `plan_limit` problem: what the plan allows, and the plan that allows more.
    pub fn limit_error(&self, kind: LimitKind, what: &str) -> AppError {
        let upgrade = self.upgrade_for(kind);
        let lift = match upgrade {
            Some(better) => format!(
                "; the {} plan allows {}",
                better.name,
                kind.describe(better)
            ),
            None => String::new(),
        };
        let detail = format!(
            "{what}: the {} plan allows {}{lift}",
            self.plan.name,
            kind.describe(&self.plan)
        );
        AppError::new(Code::PlanLimit, detail)
            .with("limit", kind.name())
            .with("plan", &self.plan.name)
            .with("upgrade_to", upgrade.map(|p| p.name.clone()))
    }

    /// `Ok` when `used` of `limit` leaves room for one more, else a `plan_limit` problem.
    pub fn room_for_one_more(
        &self,
        kind: LimitKind,
        limit: Limit,
        used: u64,
        what: &str,
    ) -> Result<(), AppError> {
        match limit.allows_one_more(used) {
            true => Ok(()),
            false => Err(self.limit_error(kind, what)),
        }
    }

    /// Another workspace, with `connected` connected already.
    pub fn allow_workspace(&self, connected: u64) -> Result<(), AppError> {
        let what = "cannot connect another workspace";
        self.room_for_one_more(LimitKind::Workspaces, self.plan.workspaces, connected, what)
    }

    /// A share link showing titles, with `live` such links already.
    pub fn allow_private_share(&self, live: u64) -> Result<(), AppError> {
        let what = "cannot create another share link that shows page titles (links with hidden titles are not limited)";
        let limit = self.plan.private_share_links;
        self.room_for_one_more(LimitKind::PrivateShareLinks, limit, live, what)
    }

    /// A scheduled sync every `minutes`.
    pub fn allow_sync_interval(&self, minutes: u32) -> Result<(), AppError> {
        match minutes >= self.plan.min_sync_interval_minutes {
            true => Ok(()),
            false => Err(self.limit_error(
                LimitKind::SyncInterval,
                &format!("cannot sync every {minutes} minutes"),
            )),
        }
    }

    /// Another assistant action this month, with `used` done already.
    pub fn allow_assistant_action(&self, used: u64) -> Result<(), AppError> {
        let what = "no assistant actions left this month";
        let limit = self.plan.assistant_actions_per_month;
        self.room_for_one_more(LimitKind::AssistantActions, limit, used, what)
    }

    /// The largest Notion export zip this plan takes, in bytes.
    pub fn zip_upload_bytes(&self) -> u64 {
        self.plan.zip_upload_megabytes.saturating_mul(1024 * 1024)
    }

    /// A Notion export zip of `bytes` (or more, when the upload is cut off there).
    pub fn allow_zip_upload(&self, bytes: u64) -> Result<(), AppError> {
        match bytes <= self.zip_upload_bytes() {
            true => Ok(()),
            false => Err(self.limit_error(LimitKind::ZipUpload, "this zip is too large")),
        }
    }

    /// A workspace export.
    pub fn allow_export(&self) -> Result<(), AppError> {
        match self.plan.export {
            true => Ok(()),
            false => Err(self.limit_error(LimitKind::Export, "cannot export a workspace")),
        }
    }
}

/// `25000` as `25,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubscriptionStatus::*;

    const NOW: i64 = 1_764_000_000_000;

    #[test]
    fn counts_read_with_thousands_grouped() {
        let plans = crate::config::default_plans();
        let team = plans.iter().find(|p| p.name == "team").unwrap();
        assert_eq!(
            LimitKind::PagesPerWorkspace.describe(team),
            "200,000 pages per workspace"
        );
        assert_eq!(LimitKind::Workspaces.describe(team), "25 workspaces");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(999), "999");
    }

    fn settings() -> BillingSettings {
        BillingSettings::default()
    }

    fn one(status: SubscriptionStatus, grace_end: Option<i64>) -> Entitlements {
        let standing = Standing {
            plan: "pro",
            status,
            grace_end,
        };
        entitle(&settings(), None, &[standing], NOW)
    }

    #[test]
    fn entitlements_at_every_status() {
        for status in SubscriptionStatus::ALL {
            let paid = one(status, None);
            let expected = match status {
                Trialing | Active => ("pro", PlanSource::Subscription),
                _ => ("free", PlanSource::Default),
            };
            assert_eq!(
                (paid.plan.name.as_str(), paid.source),
                expected,
                "{}",
                status.name()
            );
        }
    }

    #[test]
    fn past_due_keeps_the_plan_until_the_grace_end_only() {
        assert_eq!(one(PastDue, Some(NOW + 1)).plan.name, "pro");
        assert_eq!(one(PastDue, Some(NOW)).plan.name, "free");
        assert_eq!(one(PastDue, Some(NOW - 1)).plan.name, "free");
        assert_eq!(one(PastDue, None).plan.name, "free");
        assert!(
            !grants_plan(Canceled, Some(NOW + 1), NOW),
            "grace is for past_due only"
        );
    }

    #[test]
    fn an_unknown_stripe_status_reads_as_unknown_and_grants_nothing() {
        let status: SubscriptionStatus = serde_json::from_str("\"on_fire\"").unwrap();
        assert_eq!(status, Unknown);
        let status: SubscriptionStatus = serde_json::from_str("\"past_due\"").unwrap();
        assert_eq!(status, PastDue);
    }

    #[test]
    fn a_manual_plan_outranks_subscriptions_and_the_best_paid_plan_wins() {
        let subs = [
            Standing {
                plan: "team",
                status: Canceled,
                grace_end: None,
            },
            Standing {
                plan: "pro",
                status: Active,
                grace_end: None,
            },
        ];
        assert_eq!(entitle(&settings(), None, &subs, NOW).plan.name, "pro");
        let both = [
            Standing {
                plan: "pro",
                status: Active,
                grace_end: None,
            },
            Standing {
                plan: "team",
                status: Trialing,
                grace_end: None,
            },
        ];
        assert_eq!(entitle(&settings(), None, &both, NOW).plan.name, "team");
        let manual = entitle(&settings(), Some("free"), &both, NOW);
        assert_eq!(
            (manual.plan.name.as_str(), manual.source),
            ("free", PlanSource::Manual)
        );
        let unknown = entitle(&settings(), Some("gone"), &[], NOW);
        assert_eq!(
            unknown.source,
            PlanSource::Default,
            "a plan no longer configured"
        );
    }

    #[test]
    fn a_limit_names_the_first_plan_that_lifts_it() {
        let free = entitle(&settings(), None, &[], NOW);
        assert!(free.allow_workspace(0).is_ok());
        let refused = free.allow_workspace(1).unwrap_err();
        assert_eq!(refused.code(), Code::PlanLimit);
        assert!(
            refused
                .describe()
                .contains("the pro plan allows 5 workspaces"),
            "{}",
            refused.describe()
        );
        assert_eq!(
            free.upgrade_for(LimitKind::PrivateShareLinks).unwrap().name,
            "pro"
        );
        assert!(free.allow_sync_interval(60).is_ok() && free.allow_sync_interval(30).is_err());
        let team = entitle(&settings(), Some("team"), &[], NOW);
        assert!(team.upgrade_for(LimitKind::Workspaces).is_none());
        assert!(team.allow_private_share(1_000_000).is_ok());
        let capped = team.allow_workspace(25).unwrap_err();
        assert!(
            !capped.describe().contains("; the"),
            "no plan lifts it: {}",
            capped.describe()
        );
    }
}
