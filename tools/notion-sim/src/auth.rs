//! Bearer tokens: the integration's static token plus OAuth grants (codes, access tokens and
//! rotating refresh tokens), and revocation so tests can force a refresh.

use std::collections::{HashMap, HashSet};

use rand::distr::Alphanumeric;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ids::{Id, mix};

/// One OAuth authorization: a bot in the workspace, kept across refreshes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub bot_id: Id,
}

/// Tokens issued by one exchange or refresh.
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub grant: Grant,
}

#[derive(Debug)]
pub struct Tokens {
    pub integration: String,
    access: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
    codes: HashSet<String>,
    revoked: HashSet<String>,
}

/// `prefix` followed by 46 alphanumeric characters, like Notion's `ntn_` tokens.
fn token(prefix: &str, rng: &mut impl RngCore) -> String {
    let body: String = rng
        .sample_iter(Alphanumeric)
        .take(46)
        .map(char::from)
        .collect();
    format!("{prefix}{body}")
}

impl Tokens {
    /// The integration token is derived from the seed, so a restarted simulator keeps it.
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ 0x70c3));
        Self {
            integration: token("ntn_", &mut rng),
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashSet::new(),
            revoked: HashSet::new(),
        }
    }

    pub fn is_valid(&self, bearer: &str) -> bool {
        !self.revoked.contains(bearer)
            && (bearer == self.integration || self.access.contains_key(bearer))
    }

    /// The bot behind an OAuth access token (`None` for the integration token).
    pub fn bot_id(&self, bearer: &str) -> Option<Id> {
        self.access.get(bearer).map(|g| g.bot_id)
    }

    /// A single-use authorization code, as the authorize redirect would deliver.
    pub fn issue_code(&mut self) -> String {
        let code = uuid::Uuid::new_v4().to_string();
        self.codes.insert(code.clone());
        code
    }

    fn issue(&mut self, grant: Grant) -> Issued {
        let mut rng = rand::rng();
        let issued = Issued {
            access_token: token("ntn_", &mut rng),
            refresh_token: token("nrt_", &mut rng),
            grant,
        };
        self.access.insert(issued.access_token.clone(), grant);
        self.refresh.insert(issued.refresh_token.clone(), grant);
        issued
    }

    /// Exchanges a code once; a used or unknown code gives `None` (`invalid_grant`).
    pub fn exchange_code(&mut self, code: &str) -> Option<Issued> {
        self.codes.remove(code).then(|| {
            self.issue(Grant {
                bot_id: uuid::Uuid::new_v4().as_u128(),
            })
        })
    }

    /// Rotates: the old refresh token stops working; the old access token stays valid until
    /// revoked, which is how Notion's non-expiring access tokens behave.
    pub fn refresh(&mut self, refresh_token: &str) -> Option<Issued> {
        let grant = self.refresh.remove(refresh_token)?;
        Some(self.issue(grant))
    }

    pub fn revoke(&mut self, token: &str) -> bool {
        let known = token == self.integration
            || self.access.contains_key(token)
            || self.refresh.remove(token).is_some();
        if known {
            self.revoked.insert(token.to_owned());
        }
        known
    }
}
