//! Bulk jobs that keep a checkpoint, and jobs resumed from one: the core owns the format
//! ([`xengage_core::checkpoint`]); this module only starts the collector that writes it or reads
//! it. Writing the bytes, syncing them and reading them back is the caller's (a file, a
//! database row, object storage).

use xengage_core::RequestSpec;
use xengage_core::checkpoint::{Account, Checkpoint, CheckpointError};
use xengage_core::collect::Collector;

use crate::client::Client;
use crate::collection::Collection;
use crate::error::SendError;

/// A job could not be resumed from its checkpoint; nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The job cannot start: the spec breaks documented rules, or no credential held can
    /// send it.
    #[error(transparent)]
    Start(#[from] SendError),
    /// The checkpoint is not this job's, is damaged, or is not a checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint's time of planning is not a time (it passed every checksum, so it was
    /// written so).
    #[error("the checkpoint's time of planning is unreadable: remove it to start the job over")]
    PlannedAt,
}

impl Client {
    /// [`Client::collect`], keeping a checkpoint: returns the job and the checkpoint's first
    /// bytes. Write those (and sync them) before reading any event, then append each
    /// [`Event::Save`](xengage_core::collect::Event::Save)'s record as it comes (and sync it):
    /// a job stopped at any point loses at most the answers whose record was not yet synced.
    /// Read the job's events (`next`, or the `Stream`): [`Collection::rows`] keeps only the
    /// rows and drops the records.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, as [`Client::collect`].
    pub fn collect_saving(&self, spec: &RequestSpec) -> Result<(Collection, Vec<u8>), SendError> {
        let (plan, credentials) = self.plan_at(spec, self.planning_now())?;
        let account = Account::of(&credentials);
        let (collector, header) = Collector::saving(plan, self.collect_options(), &account);
        Ok((self.start(collector, credentials), header))
    }

    /// Resumes the job of `spec` from `checkpoint` (read with [`Checkpoint::read`] from the
    /// bytes [`Client::collect_saving`] and its events gave; it moves into the job, which drops
    /// each answer once it has handed it out again). The job is planned at the
    /// checkpoint's time, so its requests are the first run's; the answers the checkpoint keeps
    /// are handed out again as events, without being sent, and only the rest is sent. Cut the
    /// stored checkpoint to [`Checkpoint::valid_len`] before appending this run's records.
    ///
    /// A checkpoint written for another job (other ids, metrics, window, endpoint, groupings,
    /// batch size, or the credentials of another account) is refused, saying what differs.
    /// Renewed credentials of the same account resume it (after a 401 stopped the job).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, as [`Client::collect`].
    pub fn collect_resumed(
        &self,
        spec: &RequestSpec,
        checkpoint: Checkpoint,
    ) -> Result<Collection, ResumeError> {
        let planned_at = checkpoint
            .identity()
            .planned_at()
            .ok_or(ResumeError::PlannedAt)?;
        let (plan, credentials) = self.plan_at(spec, planned_at)?;
        let account = Account::of(&credentials);
        let collector = Collector::resume(plan, self.collect_options(), checkpoint, &account)?;
        Ok(self.start(collector, credentials))
    }
}
