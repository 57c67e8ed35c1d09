//! The admin billing report (issue 13 item 7) against a known set of subscriptions and
//! invoices: JSON and CSV figures, the page with its chart, refused parameters, and the admin
//! guard (security.md 10).

use chrono::{TimeZone, Utc};
use notion_graph::modules::payments::SubscriptionStatus;
use notion_graph::modules::payments::model::{Invoice, Subscription};
use notion_graph::modules::payments::store::{invoices, subscriptions};
use reqwest::StatusCode;
use serde_json::json;

use crate::accounts::sign_up;
use crate::helpers::{Mode, TestApp, json, spawn_app};

fn ms(year: i32, month: u32, day: u32) -> i64 {
    Utc.with_ymd_and_hms(year, month, day, 9, 30, 0)
        .unwrap()
        .timestamp_millis()
}

fn subscription(
    plan: &str,
    status: SubscriptionStatus,
    created: i64,
    canceled: Option<i64>,
    amount: i64,
) -> Subscription {
    Subscription {
        user: "u_report".into(),
        customer: "cus_report".into(),
        plan: Some(plan.into()),
        price: Some(format!("price_{plan}")),
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

fn invoice(amount: i64, paid_at: i64, status: &str) -> Invoice {
    Invoice {
        user: "u_report".into(),
        customer: "cus_report".into(),
        number: None,
        status: status.into(),
        amount_due: amount,
        amount_paid: if status == "paid" { amount } else { 0 },
        currency: "usd".into(),
        hosted_invoice_url: None,
        created_at: paid_at,
        paid_at: (status == "paid").then_some(paid_at),
    }
}

async fn known_set(app: &TestApp) {
    use SubscriptionStatus::*;
    let subs = [
        (
            "sub_a",
            subscription("pro", Active, ms(2026, 1, 3), None, 1200),
        ),
        (
            "sub_b",
            subscription("team", Active, ms(2026, 2, 10), None, 4900),
        ),
        (
            "sub_c",
            subscription("pro", PastDue, ms(2026, 2, 11), None, 1200),
        ),
        (
            "sub_d",
            subscription("pro", Trialing, ms(2026, 3, 1), None, 1200),
        ),
        (
            "sub_e",
            subscription(
                "team",
                Canceled,
                ms(2025, 11, 1),
                Some(ms(2026, 3, 15)),
                4900,
            ),
        ),
    ];
    for (id, sub) in subs {
        subscriptions(&app.state.store)
            .insert(id, &sub)
            .await
            .unwrap();
    }
    let bills = [
        ("in_1", invoice(1200, ms(2026, 1, 3), "paid")),
        ("in_2", invoice(4900, ms(2026, 2, 10), "paid")),
        ("in_3", invoice(1200, ms(2026, 2, 11), "open")),
        ("in_4", invoice(1200, ms(2026, 2, 3), "paid")),
        ("in_5", invoice(4900, ms(2026, 3, 1), "paid")),
    ];
    for (id, bill) in bills {
        invoices(&app.state.store).insert(id, &bill).await.unwrap();
    }
}

#[tokio::test]
async fn the_admin_billing_report_gives_the_figures_of_a_known_set_in_json_and_csv() {
    for mode in Mode::ALL {
        let Some(app) = spawn_app(mode).await else {
            return;
        };
        known_set(&app).await;
        let report = app
            .admin_get("/api/admin/billing/report?from=2026-01&to=2026-03")
            .await;
        assert_eq!(report.status(), StatusCode::OK);
        let report = json(report).await;
        assert_eq!(
            report["mrr"],
            json!({"usd": 1200 + 4900 + 1200}),
            "{report}"
        );
        let counts = (
            &report["active"],
            &report["trialing"],
            &report["past_due"],
            &report["canceled"],
        );
        assert_eq!(counts, (&json!(2), &json!(1), &json!(1), &json!(1)));
        assert_eq!(report["per_plan"], json!({"pro": 3, "team": 1}));
        assert_eq!(
            report["months"],
            json!([
                {"month": "2026-01", "new_subscriptions": 1, "churned_subscriptions": 0, "revenue": {"usd": 1200}},
                {"month": "2026-02", "new_subscriptions": 2, "churned_subscriptions": 0, "revenue": {"usd": 6100}},
                {"month": "2026-03", "new_subscriptions": 1, "churned_subscriptions": 1, "revenue": {"usd": 4900}},
            ])
        );
        let csv = app
            .admin_get("/api/admin/billing/report?from=2026-01&to=2026-03&format=csv")
            .await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = csv.text().await.unwrap();
        assert!(
            text.contains("2026-02,2,0,6100\n") && text.contains("mrr_usd_cents,7300\n"),
            "{text}"
        );

        for (query, parameter) in [
            ("from=2026-13", "from"),
            ("to=March", "to"),
            ("from=2026-05&to=2026-01", "from"),
            ("format=xml", "format"),
        ] {
            let refused = app
                .admin_get(&format!("/api/admin/billing/report?{query}"))
                .await;
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(json(refused).await["parameter"], parameter, "{query}");
        }
    }
}

#[tokio::test]
async fn the_billing_report_is_for_admins_only_and_its_page_shows_the_figures() {
    let app = spawn_app(Mode::Embedded).await.unwrap();
    known_set(&app).await;
    let anonymous = app.get("/api/admin/billing/report").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let _first = sign_up(&app, "first-is-admin").await;
    let user = sign_up(&app, "not-admin").await;
    let refused = user.get(&app, "/api/admin/billing/report").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = user.get(&app, "/admin/billing").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    user.make_admin(&app).await;
    let page = user.get(&app, "/admin/billing").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("$73.00"), "MRR on the page");
    assert!(html.contains("<svg") && html.contains("<rect"), "a chart");
    assert!(
        html.contains("paid invoices in USD."),
        "the chart names its currency"
    );
    assert!(html.contains("pro: 3") && html.contains("team: 1"));
}
