//! The emulated world: one app, two accounts, the posts each owns, and every count, all a
//! deterministic function of the seed. Counts are defined per hour and every other figure is a sum
//! of hours, so totals, 28 hours, windows, days and hours of the day always agree.

use time::{Duration, OffsetDateTime, UtcOffset};
use xengage_core::facts::limits::SNOWFLAKE_EPOCH_MS;
use xengage_core::testing::Counts;
use xengage_core::window::TimeWindow;
use xengage_core::{MediaKey, Metric, PostId};

/// The one hash of the world, shared with the core's answer synthesizer.
pub(crate) use xengage_core::testing::mix;

/// What happened to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostState {
    /// Served normally.
    Public,
    /// Deleted: listed in `unavailable_tweet_ids`.
    Deleted,
    /// Protected: never served, even to the owner (400 "Tweet ID(s) are unavailable").
    Protected,
}

/// One post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Post {
    /// Its id, a snowflake carrying `created_at`.
    pub id: PostId,
    /// The account (0 or 1) that owns it.
    pub owner: usize,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Its state.
    pub state: PostState,
}

/// The world of one emulator.
#[derive(Debug, Clone)]
pub struct World {
    counts: Counts,
    posts: Vec<Post>,
    index: std::collections::HashMap<PostId, usize>,
    /// The media of posts that have one, both ways.
    media: std::collections::HashMap<PostId, MediaKey>,
    media_posts: std::collections::HashMap<MediaKey, PostId>,
}

impl World {
    /// A world of `posts_per_account` posts for each of two accounts, created before `now`.
    pub fn generate(seed: u64, posts_per_account: usize, now: OffsetDateTime) -> World {
        let now = now.to_offset(UtcOffset::UTC);
        let mut posts = Vec::with_capacity(posts_per_account * 2);
        for owner in 0..2usize {
            for i in 0..posts_per_account {
                let n = (owner * posts_per_account + i) as u64;
                let r = mix(seed ^ mix(n));
                // Most posts are recent; some are past 90 days (no impressions on totals),
                // a few past 1800 days (no video views).
                let age_minutes = match r % 100 {
                    0..=69 => (r >> 8) % (85 * 24 * 60),
                    70..=89 => 95 * 24 * 60 + (r >> 8) % (1600 * 24 * 60),
                    _ => 1850 * 24 * 60 + (r >> 8) % (500 * 24 * 60),
                };
                let created = now - Duration::minutes(i64::try_from(age_minutes).unwrap_or(0) + 30);
                let state = match (r >> 40) % 100 {
                    0..=2 => PostState::Deleted,
                    3..=4 => PostState::Protected,
                    _ => PostState::Public,
                };
                let ms = u64::try_from(
                    created.unix_timestamp() * 1000 + i64::from(created.millisecond())
                        - SNOWFLAKE_EPOCH_MS,
                )
                .unwrap_or(0);
                let id = (ms << 22) | (n & 0x3f_ffff);
                let id = PostId::parse(&id.to_string()).unwrap_or_else(|_| unreachable!());
                // The id carries the creation time to the millisecond.
                let created_at = id.created_at().unwrap_or(created);
                posts.push(Post {
                    id,
                    owner,
                    created_at,
                    state,
                });
            }
        }
        let index = posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        // About half the posts carry one media: a photo (3), a video (7), an amplify video (13)
        // or a GIF (16), its id one above the post's.
        let mut media = std::collections::HashMap::new();
        let mut media_posts = std::collections::HashMap::new();
        for post in &posts {
            let Some(n) = post.id.as_u64() else { continue };
            let r = mix(seed ^ 0x006d_6564_6961 ^ mix(n));
            if r % 2 == 0 {
                continue;
            }
            let kind = [3u64, 7, 13, 16][usize::try_from((r >> 8) % 4).unwrap_or(0)];
            if let Ok(key) = MediaKey::parse(&format!("{kind}_{}", n.saturating_add(1))) {
                media.insert(post.id, key);
                media_posts.insert(key, post.id);
            }
        }
        World {
            counts: Counts::new(seed),
            posts,
            index,
            media,
            media_posts,
        }
    }

    /// The media key of `id`'s media, if the post has one.
    pub fn media_key(&self, id: &PostId) -> Option<MediaKey> {
        self.media.get(id).copied()
    }

    /// The post that carries media `key`.
    pub fn media_post(&self, key: &MediaKey) -> Option<&Post> {
        self.post(self.media_posts.get(key)?)
    }

    /// The media keys of `account`'s public posts that have one.
    pub fn public_media_keys(&self, account: usize) -> Vec<MediaKey> {
        self.public_post_ids(account)
            .iter()
            .filter_map(|id| self.media_key(id))
            .collect()
    }

    /// Every post.
    pub fn posts(&self) -> &[Post] {
        &self.posts
    }

    /// The post with `id`.
    pub fn post(&self, id: &PostId) -> Option<&Post> {
        self.index.get(id).map(|&i| &self.posts[i])
    }

    /// The ids of `account`'s posts, in creation order of the world.
    pub fn owned_post_ids(&self, account: usize) -> Vec<PostId> {
        self.posts
            .iter()
            .filter(|p| p.owner == account)
            .map(|p| p.id)
            .collect()
    }

    /// `account`'s public posts (neither deleted nor protected).
    pub fn public_post_ids(&self, account: usize) -> Vec<PostId> {
        self.posts
            .iter()
            .filter(|p| p.owner == account && p.state == PostState::Public)
            .map(|p| p.id)
            .collect()
    }

    /// The counts of every post, metric and hour: those of the answer synthesizer for the
    /// world's seed.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The count of `metric` for `id` in the hour starting at `hour` (floored): zero before the
    /// post existed, and for a post not in the world.
    pub fn hourly_count(&self, id: &PostId, metric: Metric, hour: OffsetDateTime) -> u64 {
        if self.post(id).is_none() {
            return 0;
        }
        self.counts.hourly(id, metric, hour)
    }

    /// The sum of `metric` for `id` over `window` (hours before the post existed count zero).
    pub fn sum(&self, id: &PostId, metric: Metric, window: TimeWindow) -> u64 {
        if self.post(id).is_none() {
            return 0;
        }
        self.counts.sum(id, metric, window)
    }

    /// The lifetime total of `metric` for `id` at `now`: every hour since creation up to and
    /// including the hour `now` is in.
    pub fn lifetime(&self, id: &PostId, metric: Metric, now: OffsetDateTime) -> u64 {
        if self.post(id).is_none() {
            return 0;
        }
        self.counts.lifetime(id, metric, now)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use xengage_core::window::floor_hour;

    use super::*;

    #[test]
    fn sums_are_sums_of_hours() {
        let now = datetime!(2026-11-22 12:34 UTC);
        let world = World::generate(7, 20, now);
        for post in world.posts().iter().take(10) {
            for metric in [Metric::Impressions, Metric::Favorites] {
                let start = floor_hour(post.created_at.max(now - Duration::days(3)));
                let window = TimeWindow::new(start - Duration::hours(5), floor_hour(now)).unwrap();
                let mut by_hour = 0;
                let mut t = window.start();
                while t < window.end() {
                    by_hour += world.hourly_count(&post.id, metric, t);
                    t += Duration::HOUR;
                }
                assert_eq!(world.sum(&post.id, metric, window), by_hour);
            }
        }
    }

    #[test]
    fn the_world_is_the_seed() {
        let now = datetime!(2026-11-22 12:34 UTC);
        let a = World::generate(1, 50, now);
        let b = World::generate(1, 50, now);
        let c = World::generate(2, 50, now);
        assert_eq!(a.posts(), b.posts());
        assert_ne!(a.posts(), c.posts());
        let ids: std::collections::HashSet<_> = a.posts().iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 100);
        assert!(a.posts().iter().all(|p| p.created_at < now));
        assert!(
            a.posts()
                .iter()
                .any(|p| now - p.created_at > Duration::days(1800))
        );
        assert!(a.posts().iter().any(|p| p.state == PostState::Deleted));
    }
}
