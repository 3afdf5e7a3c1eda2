//! What the API refuses and the core lets through. The core reads what users type leniently
//! (either generation's metric names, any letter case, padded names, empty list items, a default
//! grouping, repeated v2 ids counted once, a historical window ending now when only its start is
//! given); the API takes only what it documents. These checks read the raw request, before the
//! core's reading hides it, and say what to write instead. The names come from the core's tables;
//! every other rule is the core's validation, which runs beside these.

use percent_encoding::percent_decode_str;
use serde_json::Value;
use xengage_core::{
    Dimension, Endpoint, EngagementField, Generation, Granularity, Metric, Problem, Rule,
};

/// Every departure of the raw request from the documented spellings and shape, one message each,
/// in the form of the core's problems (`field = "value": what to change`). A request the core
/// cannot read at all (a body that is not JSON, say) has none: the core says why.
pub(crate) fn problems(endpoint: Endpoint, query: Option<&str>, body: &[u8]) -> Vec<String> {
    match endpoint.generation() {
        Generation::Enterprise => serde_json::from_slice::<Value>(body)
            .map(|body| v1_problems(endpoint, &body))
            .unwrap_or_default(),
        Generation::V2 => v2_problems(endpoint, query.unwrap_or("")),
    }
}

/// `raw` as a metric name of `generation`: a message when the core knows the metric by another
/// spelling. Unknown names, and metrics this generation does not serve, are the core's to report.
fn metric_name(field: &str, raw: &str, generation: Generation) -> Option<String> {
    let documented = Metric::parse(raw.trim()).ok()?.name_in(generation)?;
    (raw != documented).then(|| spelled(field, raw, documented))
}

fn spelled(field: &str, raw: &str, documented: &str) -> String {
    format!("{field} = {raw:?}: not a documented name; write {documented:?}")
}

fn v1_problems(endpoint: Endpoint, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let metrics = body.get("engagement_types").and_then(Value::as_array);
    for (i, item) in metrics.into_iter().flatten().enumerate() {
        if let Some(raw) = item.as_str() {
            let field = format!("engagement_types[{i}]");
            out.extend(metric_name(&field, raw, Generation::Enterprise));
        }
    }
    // The core adds a default grouping to a request without one; the API has none.
    let groupings = body.get("groupings").and_then(Value::as_object);
    if body.get("groupings").is_none() || groupings.is_some_and(serde_json::Map::is_empty) {
        out.push(
            "groupings: give 1 to 3 groupings, each `\"name\": {\"group_by\": [...]}`; the API \
             has no default grouping"
                .to_owned(),
        );
    }
    for (name, grouping) in groupings.into_iter().flatten() {
        let dims = grouping.get("group_by").and_then(Value::as_array);
        for raw in dims.into_iter().flatten().filter_map(Value::as_str) {
            let Some(d) = Dimension::from_name(raw.trim()) else {
                continue;
            };
            if raw != d.name() {
                out.push(spelled(
                    &format!("groupings.{name}.group_by"),
                    raw,
                    d.name(),
                ));
            }
        }
    }
    let given = |key: &str| body.get(key).is_some_and(|v| !v.is_null());
    // An end without a start is the core's to refuse; a start without an end it reads as "until
    // now", which the API does not: both, or neither for the 4 weeks before the request.
    if endpoint == Endpoint::Historical && given("start") && !given("end") {
        out.push(
            "end: historical takes a start and an end, or neither for the 4 weeks before the \
             request; give an end"
                .to_owned(),
        );
    }
    out
}

fn v2_problems(endpoint: Endpoint, query: &str) -> Vec<String> {
    if endpoint.is_analytics() {
        return analytics_problems(endpoint, query);
    }
    let mut out = Vec::new();
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(std::borrow::Cow::into_owned)
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        // What does not decode, the core reports.
        let (Some(key), Some(value)) = (decode(raw_key), decode(raw_value)) else {
            continue;
        };
        let items: Vec<&str> = value.split(',').collect();
        let is_list = matches!(
            key.as_str(),
            "tweet_ids" | "requested_metrics" | "engagement.fields"
        );
        // An empty value is "none given", the core's to report.
        if is_list && !value.is_empty() && items.iter().any(|i| i.is_empty()) {
            out.push(format!(
                "{key} = {value:?}: an empty item; separate the items with single commas, \
                 without one before the first or after the last"
            ));
        }
        let items = items.into_iter().filter(|i| !i.is_empty());
        match key.as_str() {
            "tweet_ids" => {
                let ids: Vec<&str> = items.collect();
                let max = endpoint.facts().max_post_ids;
                let mut distinct = ids.clone();
                distinct.sort_unstable();
                distinct.dedup();
                // The core counts distinct ids, and says so when those are too many; the API
                // counts the list's elements.
                if ids.len() > max && distinct.len() <= max {
                    let problem = Problem::new(
                        "tweet_ids",
                        None,
                        Rule::TooManyPostIds {
                            endpoint,
                            max,
                            given: ids.len(),
                        },
                    );
                    out.push(format!("{problem}; repeated ids count"));
                }
            }
            "requested_metrics" => {
                for (i, raw) in items.enumerate() {
                    let field = format!("requested_metrics[{i}]");
                    out.extend(metric_name(&field, raw, Generation::V2));
                }
            }
            "engagement.fields" => {
                for (i, raw) in items.enumerate() {
                    if let Some(f) = EngagementField::parse(raw.trim()) {
                        if raw != f.name() {
                            out.push(spelled(&format!("engagement.fields[{i}]"), raw, f.name()));
                        }
                    }
                }
            }
            "granularity" => {
                if let Some(g) = Granularity::parse(value.trim()) {
                    if value != g.name() {
                        out.push(spelled("granularity", &value, g.name()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Post and media analytics: lists without empty items, the granularity in lower case, the
/// fields in the endpoint's own spelling.
fn analytics_problems(endpoint: Endpoint, query: &str) -> Vec<String> {
    let facts = endpoint.facts();
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .ok()
                .map(std::borrow::Cow::into_owned)
        };
        let (Some(key), Some(value)) = (decode(raw_key), decode(raw_value)) else {
            continue;
        };
        let is_list = key == facts.ids_parameter || key == facts.metrics_parameter;
        if is_list && !value.is_empty() && value.split(',').any(str::is_empty) {
            out.push(format!(
                "{key} = {value:?}: an empty item; separate the items with single commas"
            ));
        }
        if key == "granularity" {
            if let Some(g) = Granularity::parse(value.trim()) {
                let documented = g.query_value(endpoint);
                if value != documented {
                    out.push(spelled("granularity", &value, &documented));
                }
            }
        }
        if key == facts.metrics_parameter {
            for (i, raw) in value.split(',').filter(|i| !i.is_empty()).enumerate() {
                if ["id", "media_key", "timestamp", "timestamped_metrics"].contains(&raw) {
                    continue;
                }
                let documented = Metric::parse(raw.trim())
                    .ok()
                    .and_then(|m| m.name_on(endpoint));
                if let Some(documented) = documented.filter(|d| *d != raw) {
                    out.push(spelled(&format!("{key}[{i}]"), raw, documented));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::problems;
    use xengage_core::{BaseUrls, Endpoint, Granularity, Metric, RequestSpec, ValidationOptions};

    /// What the SDK sends is written as the API documents it: the strict checks find nothing in
    /// any request the core builds, whichever spelling, case or padding the user typed.
    #[test]
    fn built_requests_have_no_strict_problems() {
        let now = time::macros::datetime!(2026-11-22 10:30 UTC);
        for endpoint in Endpoint::ALL {
            for m in Metric::all().filter(|m| m.available_on(endpoint)) {
                let names = [
                    m.v1_name(),
                    m.v2_name(),
                    m.facts().analytics_name,
                    m.facts().media_name,
                ];
                for typed in names.into_iter().flatten() {
                    for variant in [
                        typed.to_owned(),
                        typed.to_ascii_uppercase(),
                        format!(" {typed} "),
                    ] {
                        let mut spec = RequestSpec::new(endpoint)
                            .post_ids(["1990000000000000001", "1990000000000000001", " 17"])
                            .metrics([variant.clone()]);
                        spec = match endpoint {
                            Endpoint::Historical => spec
                                .window("2026-11-01", "2026-11-08")
                                .grouping("g", ["Tweet.Id ", "engagement.type"]),
                            Endpoint::InsightsHistorical => spec
                                .window("2026-11-01", "2026-11-08")
                                .granularity("daily")
                                .fields([" Errors"]),
                            Endpoint::Insights28Hours => spec.granularity(" HOURLY"),
                            Endpoint::Analytics => spec
                                .window("2026-11-01", "2026-11-08")
                                .granularity(" HOURLY"),
                            Endpoint::MediaAnalytics => RequestSpec::new(endpoint)
                                .media_keys(["3_1", "3_1"])
                                .metrics([variant.clone()])
                                .window("2026-11-01", "2026-11-08"),
                            _ => spec,
                        };
                        let Ok(request) = spec.validate(now, &ValidationOptions::default()) else {
                            continue;
                        };
                        let p = request.prepare(&BaseUrls::default());
                        let query = p.url.split_once('?').map(|(_, q)| q);
                        let found = problems(endpoint, query, p.body.as_deref().unwrap_or(b""));
                        assert!(
                            found.is_empty(),
                            "{endpoint} {variant:?}: {} {:?}: {found:?}",
                            p.url,
                            p.body_text()
                        );
                    }
                }
            }
        }
        let _ = Granularity::ALL;
    }
}
