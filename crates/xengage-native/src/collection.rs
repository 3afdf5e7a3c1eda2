//! A running bulk job as a `futures_core::Stream` of events, and a stream of its rows.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use xengage_core::Notice;
use xengage_core::collect::{Event, Summary};
use xengage_core::response::Row;

use crate::client::NoAnswers;
use crate::http::ExchangeError;

/// A running bulk job, from [`Client::collect`](crate::Client::collect): a
/// [`Stream`] of [`Event`]s, in order, ending when the job does. Dropping it cancels the job
/// (nothing more is sent; attempts in flight are abandoned); [`cancel`](Self::cancel) does the
/// same and returns the ledger, where posts not answered are
/// [`PostStatus::Cancelled`](xengage_core::response::PostStatus::Cancelled).
///
/// ```no_run
/// # async fn demo(client: xengage_native::Client, spec: xengage_core::RequestSpec) -> Result<(), xengage_native::SendError> {
/// use futures_util::StreamExt; // or tokio_stream::StreamExt, or the inherent `next`
/// use xengage_core::collect::Event;
///
/// let mut job = client.collect(&spec)?;
/// while let Some(event) = job.next().await {
///     match event {
///         Event::BatchDone { outcome, .. } => println!("{} rows", outcome.row_count()),
///         Event::BatchFailed { message, .. } => eprintln!("batch failed: {message}"),
///         _ => {}
///     }
/// }
/// let summary = job.finish().await;
/// println!("{:?}", summary.ledger.counts());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Collection {
    rx: mpsc::Receiver<Event>,
    task: tokio::task::JoinHandle<Summary>,
    planned: usize,
    notices: Vec<Notice>,
    no_answers: NoAnswers,
}

impl Collection {
    pub(crate) fn new(
        rx: mpsc::Receiver<Event>,
        task: tokio::task::JoinHandle<Summary>,
        planned: usize,
        notices: Vec<Notice>,
        no_answers: NoAnswers,
    ) -> Collection {
        Collection {
            rx,
            task,
            planned,
            notices,
            no_answers,
        }
    }

    /// The number of requests the job plans (retries and narrowed batches come on top).
    pub fn planned(&self) -> usize {
        self.planned
    }

    /// What planning said about the spec: duplicates removed, the default window or grouping,
    /// posts too old for a metric (asked apart, only for what the API still serves).
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The next event, or `None` when the job has ended: the stream's next item, without a
    /// `StreamExt` in scope.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// Only the rows, as each batch is answered, with the name of their grouping. Rows of a
    /// range split into windows, or of a grouping without `tweet.id`, may come in parts, one
    /// per batch (a day at a window's edge, a total per window):
    /// [`Client::collect_all`](crate::Client::collect_all) merges them. Dropping the stream
    /// cancels the job.
    pub fn rows(self) -> Rows {
        Rows {
            collection: self,
            buffer: VecDeque::new(),
        }
    }

    /// The typed transport error of the last attempt of request `index` that got no answer
    /// (a timeout, a failed connection, a body cut short), once: for an
    /// [`Event::BatchFailed`] whose `error` is `None`, the cause its `message` tells.
    pub fn take_transport_error(&self, index: usize) -> Option<ExchangeError> {
        self.no_answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&index)
    }

    /// Waits for the end of the job, discarding events not yet read, and returns its summary:
    /// statistics and the ledger of every post.
    pub async fn finish(mut self) -> Summary {
        while self.rx.recv().await.is_some() {}
        self.join().await
    }

    /// Stops the job: nothing more is sent, attempts in flight are abandoned (not waited for),
    /// and their posts, like those never sent, are in the ledger as
    /// [`PostStatus::Cancelled`](xengage_core::response::PostStatus::Cancelled).
    pub async fn cancel(mut self) -> Summary {
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        self.join().await
    }

    async fn join(self) -> Summary {
        match self.task.await {
            Ok(summary) => summary,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

impl Stream for Collection {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}

/// The rows of a running job, each with its grouping's name: from [`Collection::rows`].
#[derive(Debug)]
pub struct Rows {
    collection: Collection,
    buffer: VecDeque<(String, Row)>,
}

impl Rows {
    /// Waits for the end of the job, discarding rows not yet read, and returns its summary.
    pub async fn finish(self) -> Summary {
        self.collection.finish().await
    }

    /// Stops the job (see [`Collection::cancel`]).
    pub async fn cancel(self) -> Summary {
        self.collection.cancel().await
    }
}

impl Stream for Rows {
    type Item = (String, Row);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(String, Row)>> {
        loop {
            if let Some(row) = self.buffer.pop_front() {
                return Poll::Ready(Some(row));
            }
            match Pin::new(&mut self.collection).poll_next(cx) {
                Poll::Ready(Some(Event::BatchDone { outcome, .. })) => {
                    // Every result with its name, a v2 answer's totals first (as the CLI writes
                    // them): a sum takes the rows of one grouping.
                    let outcome = *outcome;
                    for g in outcome.totals.into_iter().chain(outcome.groupings) {
                        let name = g.name;
                        self.buffer
                            .extend(g.rows.into_iter().map(|row| (name.clone(), row)));
                    }
                }
                Poll::Ready(Some(_)) => {}
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
