//! Plans, entitlements and Stripe billing.
//!
//! - [`entitlements`]: the pure rule from a subscription's status (and grace end) to a plan,
//!   and the `plan_limit` problems that name the plan lifting a limit.
//! - [`service`]: [`entitlements()`], which every module calls before doing what a plan limits
//!   (connecting a workspace, importing pages, a share link, a sync interval, an assistant
//!   action, an export), the billing view and `admin set-plan`.
//! - `checkout`, `stripe`: Checkout and Portal sessions, over Stripe's HTTP API.
//! - `webhooks`, [`signature`], [`jobs`], `refresh`: Stripe's webhook, our verifier of its
//!   signature, and the jobs that re-fetch a customer's subscriptions from Stripe (for each
//!   event, and nightly for every paid one); [`objects`] reads Stripe's objects.
//! - `routes`: `GET /api/v1/billing`, `POST /api/v1/billing/checkout` and `.../portal`.
//! - [`report`], [`admin`]: the admin's billing report (`GET /api/admin/billing/report`).
//!
//! With no `stripe_secret_key` billing is off: nothing calls Stripe, every account has the
//! default plan unless an admin set one by hand.

pub mod admin;
pub mod checkout;
pub mod entitlements;
pub mod jobs;
pub mod model;
pub mod objects;
mod refresh;
pub mod report;
mod routes;
pub mod service;
pub mod signature;
pub mod store;
mod stripe;
mod webhooks;

use futures::FutureExt;
use utoipa::OpenApi;

use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};

pub use entitlements::{Entitlements, LimitKind, PlanSource, SubscriptionStatus};
pub use service::entitlements;
pub use store::{ACCOUNTS, EVENTS, INVOICES, RECONCILIATIONS, SUBSCRIPTIONS};

pub static MODULE: Module = Module {
    name: "payments",
    collections: &[
        &ACCOUNTS,
        &SUBSCRIPTIONS,
        &INVOICES,
        &EVENTS,
        &RECONCILIATIONS,
    ],
    jobs: &[
        JobType::of::<jobs::StripeEvent>(),
        JobType::of::<jobs::Reconcile>(),
    ],
    routes: &[
        Routes {
            mount: Mount::Api,
            access: Access::SignedIn,
            configure: routes::configure,
            openapi: routes::Api::openapi,
        },
        Routes {
            mount: Mount::Admin,
            access: Access::Admin,
            configure: admin::configure,
            openapi: admin::Api::openapi,
        },
        Routes {
            mount: Mount::Webhooks,
            access: Access::Public,
            configure: webhooks::configure,
            openapi: webhooks::Api::openapi,
        },
    ],
    housekeeping: Some(|state| jobs::enqueue_reconciliation(state).boxed()),
    after_sync: None,
    on_workspace_removed: None,
};
