//! A Notion API simulator: a generated workspace served over HTTP with Notion's shapes,
//! pagination, errors, rate limits and faults, plus a control API and its ground truth.
