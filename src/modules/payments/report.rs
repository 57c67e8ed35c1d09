//! The admin's billing report: MRR, subscriptions by status and by plan, and per month the
//! new and churned subscriptions and the revenue of paid invoices. [`compute`] is pure over
//! the stored subscriptions and invoices (as Stripe last showed them); the route reads them
//! and renders JSON or CSV.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::entitlements::SubscriptionStatus;
use super::model::{Invoice, Subscription};

/// A month of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub new_subscriptions: u64,
    pub churned_subscriptions: u64,
    /// Paid invoices, by currency ([`Amounts`]).
    pub revenue: BTreeMap<String, i64>,
}

/// Amounts by currency (its ISO code as Stripe writes it: `usd`), each in the currency's
/// smallest unit. Amounts in two currencies are never added together.
pub type Amounts = BTreeMap<String, i64>;

/// The amount in `currency`; none is zero.
pub fn amount_in(amounts: &Amounts, currency: &str) -> i64 {
    amounts.get(currency).copied().unwrap_or(0)
}

fn add(amounts: &mut Amounts, currency: &str, amount: i64) {
    *amounts.entry(currency.to_owned()).or_insert(0) += amount;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Report {
    /// `YYYY-MM`, the first and last month covered.
    pub from: String,
    pub to: String,
    /// Monthly recurring revenue now: `active` and `past_due` subscriptions (trials pay
    /// nothing yet), yearly prices divided by twelve; by currency ([`Amounts`]).
    pub mrr: BTreeMap<String, i64>,
    pub active: u64,
    pub trialing: u64,
    pub past_due: u64,
    pub canceled: u64,
    /// Subscriptions that give a plan now (`active`, `trialing`, `past_due`), by plan.
    pub per_plan: BTreeMap<String, u64>,
    pub months: Vec<Month>,
}

/// A month as `(year, month)`.
pub type YearMonth = (i32, u32);

/// `YYYY-MM` as a month.
pub fn parse_month(text: &str) -> Option<YearMonth> {
    let date = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    Some((date.year(), date.month()))
}

fn month_of(ms: i64) -> Option<YearMonth> {
    let time = Utc.timestamp_millis_opt(ms).single()?;
    Some((time.year(), time.month()))
}

fn next((year, month): YearMonth) -> YearMonth {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

fn label((year, month): YearMonth) -> String {
    format!("{year:04}-{month:02}")
}

/// The report over `from..=to` (months).
pub fn compute(
    subscriptions: &[Subscription],
    invoices: &[Invoice],
    from: YearMonth,
    to: YearMonth,
) -> Report {
    use SubscriptionStatus::*;
    let mut months: BTreeMap<YearMonth, Month> = BTreeMap::new();
    let mut month = from;
    while month <= to {
        months.insert(
            month,
            Month {
                month: label(month),
                new_subscriptions: 0,
                churned_subscriptions: 0,
                revenue: Amounts::new(),
            },
        );
        month = next(month);
    }
    let count = |status| subscriptions.iter().filter(|s| s.status == status).count() as u64;
    let mut per_plan = BTreeMap::new();
    for s in subscriptions
        .iter()
        .filter(|s| matches!(s.status, Active | Trialing | PastDue))
    {
        let plan = s.plan.clone().unwrap_or_else(|| "unknown".into());
        *per_plan.entry(plan).or_insert(0) += 1;
    }
    for s in subscriptions {
        if let Some(m) = month_of(s.created_at).and_then(|m| months.get_mut(&m)) {
            m.new_subscriptions += 1;
        }
        let churned = s.status == Canceled || s.status == IncompleteExpired;
        if let Some(m) = s
            .canceled_at
            .filter(|_| churned)
            .and_then(month_of)
            .and_then(|m| months.get_mut(&m))
        {
            m.churned_subscriptions += 1;
        }
    }
    for invoice in invoices.iter().filter(|i| i.status == "paid") {
        let paid = invoice.paid_at.unwrap_or(invoice.created_at);
        if let Some(m) = month_of(paid).and_then(|m| months.get_mut(&m)) {
            add(&mut m.revenue, &invoice.currency, invoice.amount_paid);
        }
    }
    let mut mrr = Amounts::new();
    for s in subscriptions
        .iter()
        .filter(|s| matches!(s.status, Active | PastDue))
    {
        add(&mut mrr, &s.currency, s.monthly_amount);
    }
    Report {
        from: label(from),
        to: label(to),
        mrr,
        active: count(Active),
        trialing: count(Trialing),
        past_due: count(PastDue),
        canceled: count(Canceled),
        per_plan,
        months: months.into_values().collect(),
    }
}

impl Report {
    /// Every currency the report has an amount in, in order.
    pub fn currencies(&self) -> Vec<&str> {
        let months = self.months.iter().flat_map(|m| m.revenue.keys());
        let all: std::collections::BTreeSet<&str> =
            self.mrr.keys().chain(months).map(String::as_str).collect();
        all.into_iter().collect()
    }
}

/// The months as CSV (`month,new_subscriptions,churned_subscriptions`, then a
/// `revenue_<currency>_cents` column per currency), then the totals of now as `name,value`
/// rows after a blank line (`mrr_<currency>_cents` per currency).
pub fn csv(report: &Report) -> String {
    let currencies = report.currencies();
    let mut out = String::from("month,new_subscriptions,churned_subscriptions");
    for currency in &currencies {
        out.push_str(&format!(",revenue_{currency}_cents"));
    }
    for m in &report.months {
        out.push_str(&format!(
            "\n{},{},{}",
            m.month, m.new_subscriptions, m.churned_subscriptions
        ));
        for currency in &currencies {
            out.push_str(&format!(",{}", amount_in(&m.revenue, currency)));
        }
    }
    out.push_str("\n\nfigure,value\n");
    for currency in &currencies {
        let mrr = amount_in(&report.mrr, currency);
        out.push_str(&format!("mrr_{currency}_cents,{mrr}\n"));
    }
    out.push_str(&format!(
        "active,{}\ntrialing,{}\npast_due,{}\ncanceled,{}\n",
        report.active, report.trialing, report.past_due, report.canceled
    ));
    for (plan, n) in &report.per_plan {
        // Plan names come from the settings; quote them anyway.
        out.push_str(&format!("\"plan:{}\",{n}\n", plan.replace('"', "\"\"")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(year: i32, month: u32, day: u32) -> i64 {
        Utc.with_ymd_and_hms(year, month, day, 12, 0, 0)
            .unwrap()
            .timestamp_millis()
    }

    fn sub(
        plan: &str,
        status: SubscriptionStatus,
        created: i64,
        canceled: Option<i64>,
        amount: i64,
    ) -> Subscription {
        Subscription {
            user: "u".into(),
            customer: "c".into(),
            plan: Some(plan.into()),
            price: None,
            status,
            monthly_amount: amount,
            currency: "usd".into(),
            created_at: created,
            current_period_end: None,
            cancel_at_period_end: false,
            canceled_at: canceled,
            past_due_since: None,
            grace_end: None,
        }
    }

    fn paid(amount: i64, at: i64) -> Invoice {
        Invoice {
            user: "u".into(),
            customer: "c".into(),
            number: None,
            status: "paid".into(),
            amount_due: amount,
            amount_paid: amount,
            currency: "usd".into(),
            hosted_invoice_url: None,
            created_at: at,
            paid_at: Some(at),
        }
    }

    #[test]
    fn figures_of_a_known_set() {
        use SubscriptionStatus::*;
        let subs = [
            sub("pro", Active, ms(2026, 1, 5), None, 1200),
            sub("team", PastDue, ms(2026, 2, 1), None, 4900),
            sub("pro", Trialing, ms(2026, 3, 9), None, 1200),
            sub(
                "pro",
                Canceled,
                ms(2025, 12, 1),
                Some(ms(2026, 2, 20)),
                1200,
            ),
        ];
        let mut euros = sub("pro", Active, ms(2026, 2, 3), None, 1100);
        euros.currency = "eur".into();
        let subs: Vec<_> = subs.into_iter().chain([euros]).collect();
        let mut open = paid(1200, ms(2026, 1, 5));
        open.status = "open".into();
        let mut in_euros = paid(1100, ms(2026, 2, 3));
        in_euros.currency = "eur".into();
        let invoices = [
            paid(1200, ms(2026, 1, 5)),
            paid(4900, ms(2026, 2, 1)),
            paid(1200, ms(2026, 2, 5)),
            in_euros,
            open,
        ];
        let report = compute(&subs, &invoices, (2026, 1), (2026, 3));
        let amounts = |pairs: &[(&str, i64)]| -> Amounts {
            pairs.iter().map(|&(c, n)| (c.into(), n)).collect()
        };
        assert_eq!(
            report.mrr,
            amounts(&[("eur", 1100), ("usd", 6100)]),
            "active and past due, not the trial nor the canceled, each currency apart"
        );
        assert_eq!(
            (
                report.active,
                report.trialing,
                report.past_due,
                report.canceled
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(
            report.per_plan,
            BTreeMap::from([("pro".into(), 3), ("team".into(), 1)])
        );
        let by_month: Vec<_> = report
            .months
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    m.new_subscriptions,
                    m.churned_subscriptions,
                    m.revenue.clone(),
                )
            })
            .collect();
        assert_eq!(
            by_month,
            [
                ("2026-01", 1, 0, amounts(&[("usd", 1200)])),
                ("2026-02", 2, 1, amounts(&[("eur", 1100), ("usd", 6100)])),
                ("2026-03", 1, 0, amounts(&[]))
            ]
        );
        let text = csv(&report);
        assert!(
            text.starts_with(
                "month,new_subscriptions,churned_subscriptions,revenue_eur_cents,revenue_usd_cents\n\
                 2026-01,1,0,0,1200\n2026-02,2,1,1100,6100\n2026-03,1,0,0,0\n\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("mrr_eur_cents,1100\nmrr_usd_cents,6100\n")
                && text.contains("\"plan:team\",1\n"),
            "{text}"
        );
    }

    #[test]
    fn months_parse_and_cross_the_year() {
        assert_eq!(parse_month("2026-12"), Some((2026, 12)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-1x"), None);
        let report = compute(&[], &[], (2025, 11), (2026, 2));
        let months: Vec<_> = report.months.iter().map(|m| m.month.clone()).collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
    }
}
