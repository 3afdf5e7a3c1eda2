//! The answers of post and media analytics (`GET /2/tweets/analytics`, `GET /2/media/analytics`)
//! as spec 2.167 shapes them: one `data[]` item per post or media served, its metrics over the
//! window as top-level fields and one bucket per hour, day or week (or the total) in
//! `timestamped_metrics`; the posts and media not served as RFC 7807 partial errors beside
//! `data` (`/2/problems/resource-not-found`, `/2/problems/not-authorized-for-resource`). Or, as
//! spec 2.166 did, items of only an id and integer buckets.

use serde_json::{Map, Value, json};
use time::Duration;

use crate::id::PostId;
use crate::request::{Granularity, Request};
use crate::window::{TimeWindow, format_time};

use super::render::floor_day;
use super::{Scenario, mix};

/// A draw in `0.0..1.0` from `salt`.
fn share(salt: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let draw = (mix(salt) >> 11) as f64 / (1u64 << 53) as f64;
    draw
}

/// What one requested post or media is, in the world of a scenario.
enum Subject {
    /// Served, with the counts of this post.
    Served(PostId),
    /// Another account's.
    NotAuthorized,
    /// Unknown, deleted or protected.
    NotFound,
}

fn subject(scenario: &Scenario, post: Option<PostId>) -> Subject {
    match post {
        Some(p) if scenario.forbidden.contains(&p) => Subject::NotAuthorized,
        Some(p) if !scenario.unavailable.contains(&p) && !scenario.protected.contains(&p) => {
            Subject::Served(p)
        }
        _ => Subject::NotFound,
    }
}

/// The body answering `request` (an analytics request) in the world of `scenario`.
pub(super) fn body(request: &Request, scenario: &Scenario) -> Value {
    let endpoint = request.endpoint();
    let Some(window) = request.covered_window() else {
        return json!({ "data": [] });
    };
    let counts = &scenario.counts;
    let media = endpoint.is_media();
    // (what the answer names it by, the post that carries its counts)
    let subjects: Vec<(String, Option<PostId>)> = if media {
        request
            .media_keys()
            .iter()
            .map(|k| {
                let post = scenario.media.iter().find(|(m, _)| m == k).map(|(_, p)| *p);
                (k.to_string(), post)
            })
            .collect()
    } else {
        request
            .post_ids()
            .iter()
            .map(|id| (id.to_string(), Some(*id)))
            .collect()
    };
    let (resource_type, id_key) = if media {
        ("media", "media_key")
    } else {
        ("tweet", "id")
    };
    let parameter = endpoint.facts().ids_parameter;
    let step = match request.granularity() {
        Some(Granularity::Hourly) => Some(Duration::HOUR),
        Some(Granularity::Daily) => Some(Duration::DAY),
        Some(Granularity::Weekly) => Some(Duration::WEEK),
        _ => None,
    };
    let mut data = Vec::new();
    let mut errors = Vec::new();
    for (i, (name, post)) in subjects.into_iter().enumerate() {
        let post = match subject(scenario, post) {
            Subject::Served(post) => post,
            Subject::NotAuthorized => {
                errors.push(problem(
                    "not-authorized-for-resource",
                    "Authorization Error",
                    &format!(
                        "Sorry, you are not authorized to see the {resource_type} with id: [{name}]."
                    ),
                    resource_type,
                    parameter,
                    &name,
                ));
                continue;
            }
            Subject::NotFound => {
                errors.push(problem(
                    "resource-not-found",
                    "Not Found Error",
                    &format!("Could not find {resource_type} with id: [{name}]."),
                    resource_type,
                    parameter,
                    &name,
                ));
                continue;
            }
        };
        // The values over `w`; bucket `b`'s (not the top-level fields, which 2.167 does not
        // let be null) may be null or, on media, strings of digits.
        let values = |w: TimeWindow, b: Option<usize>| -> Map<String, Value> {
            request
                .metrics()
                .iter()
                .enumerate()
                .filter_map(|(m, metric)| {
                    let key = metric.name_on(endpoint)?;
                    let v = counts.sum(&post, *metric, w);
                    let value = match b {
                        Some(_) if scenario.analytics_spec_2_166 => Value::from(v),
                        Some(b) => {
                            let salt =
                                counts.seed() ^ mix(i as u64 ^ mix(b as u64 ^ mix(m as u64)));
                            if share(salt) < scenario.nulls {
                                Value::Null
                            } else if media && share(mix(salt)) < scenario.media_strings {
                                Value::String(v.to_string())
                            } else {
                                Value::from(v)
                            }
                        }
                        None => Value::from(v),
                    };
                    Some((key.to_owned(), value))
                })
                .collect()
        };
        let mut item = Map::new();
        item.insert(id_key.to_owned(), Value::String(name.clone()));
        if !scenario.analytics_spec_2_166 {
            item.extend(values(window, None));
            item.insert(
                "timestamp".into(),
                Value::String(format_time(window.start())),
            );
        }
        let mut buckets = Vec::new();
        match step {
            None => buckets.push(json!({
                "timestamp": format_time(window.start()),
                "metrics": Value::Object(values(window, Some(0))),
            })),
            Some(step) => {
                let mut t = if step == Duration::HOUR {
                    window.start()
                } else {
                    floor_day(window.start())
                };
                while t < window.end() {
                    if let Ok(b) =
                        TimeWindow::new(t.max(window.start()), (t + step).min(window.end()))
                    {
                        buckets.push(json!({
                            "timestamp": format_time(t),
                            "metrics": Value::Object(values(b, Some(buckets.len()))),
                        }));
                    }
                    t += step;
                }
            }
        }
        item.insert("timestamped_metrics".into(), Value::Array(buckets));
        data.push(Value::Object(item));
    }
    let mut body = Map::new();
    body.insert("data".into(), Value::Array(data));
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    Value::Object(body)
}

/// A partial error of spec 2.167 (a Problem under `https://api.x.com/2/problems/`).
fn problem(
    name: &str,
    title: &str,
    detail: &str,
    resource_type: &str,
    parameter: &str,
    id: &str,
) -> Value {
    json!({
        "type": format!("https://api.x.com/2/problems/{name}"),
        "title": title,
        "detail": detail,
        "resource_type": resource_type,
        "resource_id": id,
        "parameter": parameter,
        "value": id,
        "section": "data",
    })
}
