//! A started simulator plus a client that sends Notion's headers.

use notion_sim::{RunningSim, SimConfig};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

pub const VERSION: &str = "2025-09-03";

pub struct TestSim {
    pub sim: RunningSim,
    pub http: reqwest::Client,
}

/// A 300-page workspace without rate limit, with short pages to exercise cursors.
pub fn config() -> SimConfig {
    SimConfig::new(7, 300)
        .rate_limit(None)
        .short_page_fraction(0.3)
}

pub async fn spawn(config: SimConfig) -> TestSim {
    let sim = notion_sim::start(config, "127.0.0.1:0")
        .await
        .expect("simulator starts");
    TestSim {
        sim,
        http: reqwest::Client::new(),
    }
}

impl TestSim {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.url))
            .bearer_auth(&self.sim.token)
            .header("Notion-Version", VERSION)
    }

    pub async fn send(&self, request: RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("response");
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PATCH, path).json(&body))
            .await
    }

    /// Control API calls carry no auth.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let request = self
            .http
            .request(method, format!("{}{path}", self.sim.url))
            .json(&body);
        self.send(request).await
    }

    /// Follows a GET list to its end with `page_size`, returning every result.
    pub async fn get_all(&self, path: &str, page_size: usize) -> Vec<Value> {
        let mut results = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{path}?page_size={page_size}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&start_cursor={c}"));
            }
            let (status, body) = self.get(&url).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            results.extend(body["results"].as_array().unwrap().iter().cloned());
            match body["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(body["has_more"], true);
                    cursor = Some(c.to_owned());
                }
                None => return results,
            }
        }
    }

    /// Follows a POST list to its end.
    pub async fn post_all(&self, path: &str, mut body: Value, page_size: usize) -> Vec<Value> {
        let mut results = Vec::new();
        body["page_size"] = page_size.into();
        loop {
            let (status, page) = self.post(path, body.clone()).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            results.extend(page["results"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => body["start_cursor"] = c.into(),
                None => return results,
            }
        }
    }

    pub async fn stop(self) {
        self.sim.stop().await;
    }
}

pub fn ids(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}
