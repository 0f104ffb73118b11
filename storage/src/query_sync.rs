//! Group commit for the audit entries of queries: a query's transaction writes nothing
//! but its audit entry, and commits without waiting for the disk; a background thread
//! makes it durable within a bounded delay, together with every other query committed
//! meanwhile.
//!
//! A command's commit is durable when it returns (`synchronous=FULL`), and so is
//! everything committed before it. A query's commit is written to the WAL at once — a
//! crash of the process loses nothing — but its `fsync` may wait up to the delay: only
//! an operating-system crash or a power loss within that delay can lose the audit
//! entries of the reads made meanwhile. The chain stays whole either way (the WAL is
//! replayed up to its last synced commit).
//!
//! The same thread checkpoints the WAL into the database, on a connection of its own,
//! once it has grown past [`CHECKPOINT_BYTES`]: a `PASSIVE` checkpoint, which waits for
//! nobody and blocks nobody, so that no call pays for copying the WAL back (SQLite's own
//! automatic checkpoint ran inside whichever commit crossed its threshold, a few
//! milliseconds added to one read in a few hundred). The store's connection keeps an
//! automatic checkpoint at a larger size ([`AUTOCHECKPOINT_PAGES`]) in case the thread
//! falls behind.

use std::fs::File;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a query's audit entry may wait for the disk by default. PostgreSQL's WAL
/// writer flushes asynchronous commits on the same period (`wal_writer_delay`).
pub const DEFAULT_QUERY_SYNC_DELAY: Duration = Duration::from_millis(200);

/// The WAL size past which the thread checkpoints it (about a thousand pages, SQLite's
/// own default threshold).
pub(crate) const CHECKPOINT_BYTES: u64 = 4 << 20;

/// The store's connection's own automatic checkpoint, in pages: a safety net four times
/// the thread's threshold.
pub(crate) const AUTOCHECKPOINT_PAGES: u32 = 4_000;

/// Commits between two looks at the WAL's size.
const COMMITS_PER_LOOK: u32 = 32;

/// The syncing thread's state, shared with the store.
#[derive(Debug)]
pub(crate) struct QuerySync {
    state: Mutex<SyncState>,
    /// Wakes the thread (a query committed, the delay changed, the store closes) and
    /// those waiting for a sync.
    wake: Condvar,
    /// The write-ahead log file whose content the thread syncs.
    wal: PathBuf,
    /// The database file, which the thread opens to checkpoint.
    db: PathBuf,
}

#[derive(Debug)]
struct SyncState {
    /// `None`: every query's commit waits for the disk, as a command's does.
    delay: Option<Duration>,
    /// When the oldest query commit not yet on disk was made.
    pending_since: Option<Instant>,
    /// A sync that failed, reported to the next transaction.
    failure: Option<String>,
    /// Syncs done by the thread (tests observe it).
    syncs: u64,
    /// Commits since the thread last looked at the WAL's size.
    commits: u32,
    /// The thread is to look at the WAL's size.
    look: bool,
    /// Checkpoints done by the thread (tests observe it).
    checkpoints: u64,
    closing: bool,
}

impl QuerySync {
    /// Starts the thread that syncs `wal`; `None` when the system has no thread to give
    /// (then every query's commit waits for the disk, as a command's does).
    pub(crate) fn start(db: PathBuf, wal: PathBuf) -> Option<(Arc<Self>, JoinHandle<()>)> {
        let sync = Arc::new(Self {
            state: Mutex::new(SyncState {
                delay: Some(DEFAULT_QUERY_SYNC_DELAY),
                pending_since: None,
                failure: None,
                syncs: 0,
                commits: 0,
                look: false,
                checkpoints: 0,
                closing: false,
            }),
            wake: Condvar::new(),
            wal,
            db,
        });
        let thread = {
            let sync = Arc::clone(&sync);
            std::thread::Builder::new()
                .name("teho-query-sync".into())
                .spawn(move || sync.run())
                .ok()?
        };
        Some((sync, thread))
    }

    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The delay a query's commit may wait for the disk now (`None`: none).
    pub(crate) fn delay(&self) -> Option<Duration> {
        self.lock().delay
    }

    pub(crate) fn set_delay(&self, delay: Option<Duration>) {
        let mut s = self.lock();
        s.delay = delay;
        drop(s);
        self.wake.notify_all();
    }

    /// A query committed without waiting for the disk.
    pub(crate) fn committed_unsynced(&self) {
        let mut s = self.lock();
        let look = Self::count(&mut s);
        if s.pending_since.is_none() || look {
            s.pending_since.get_or_insert_with(Instant::now);
            drop(s);
            self.wake.notify_all();
        }
    }

    /// A commit waited for the disk: the WAL, with every query commit before it, is
    /// synced.
    pub(crate) fn committed_synced(&self) {
        let mut s = self.lock();
        s.pending_since = None;
        if Self::count(&mut s) {
            drop(s);
            self.wake.notify_all();
        }
    }

    /// Counts a commit; whether it is time for the thread to look at the WAL's size.
    fn count(s: &mut SyncState) -> bool {
        s.commits += 1;
        if s.commits >= COMMITS_PER_LOOK {
            s.commits = 0;
            s.look = true;
        }
        s.look
    }

    /// A sync of the thread that failed since the last call, as an error message.
    pub(crate) fn take_failure(&self) -> Option<String> {
        self.lock().failure.take()
    }

    /// Whether query commits are waiting for the disk, and how many syncs the thread
    /// has done.
    #[cfg(test)]
    pub(crate) fn observe(&self) -> (bool, u64) {
        let s = self.lock();
        (s.pending_since.is_some(), s.syncs)
    }

    /// How many checkpoints the thread has done.
    #[cfg(test)]
    pub(crate) fn checkpoints(&self) -> u64 {
        self.lock().checkpoints
    }

    /// Waits (up to `limit`) until nothing waits for the disk; whether that happened.
    #[cfg(test)]
    pub(crate) fn wait_synced(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        let mut s = self.lock();
        while s.pending_since.is_some() {
            let now = Instant::now();
            if now >= until {
                return false;
            }
            s = self
                .wake
                .wait_timeout(s, until - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    /// Asks the thread to sync what is pending and end.
    pub(crate) fn close(&self, thread: JoinHandle<()>) {
        self.lock().closing = true;
        self.wake.notify_all();
        let _ = thread.join();
    }

    /// The thread: sleeps until a query commit is pending, waits out its delay (or not,
    /// when the store closes), syncs the WAL, and repeats; between, when commits have
    /// piled up, checkpoints a WAL grown past [`CHECKPOINT_BYTES`].
    fn run(&self) {
        let mut checkpointer: Option<rusqlite::Connection> = None;
        let mut s = self.lock();
        loop {
            if s.look && !s.closing {
                s.look = false;
                drop(s);
                let done = self.checkpoint_if_grown(&mut checkpointer);
                s = self.lock();
                s.checkpoints += u64::from(done);
                continue;
            }
            let Some(since) = s.pending_since else {
                if s.closing {
                    return;
                }
                s = self.wake.wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            };
            let due = since + s.delay.unwrap_or(Duration::ZERO);
            let now = Instant::now();
            if now < due && !s.closing && !s.look {
                s = self
                    .wake
                    .wait_timeout(s, due - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
                continue;
            }
            if s.look && !s.closing {
                continue;
            }
            // Every commit that marked itself pending had written its frames before:
            // the sync that starts after this point covers them all.
            s.pending_since = None;
            drop(s);
            let result = sync_file(&self.wal);
            s = self.lock();
            match result {
                Ok(()) => s.syncs += 1,
                Err(e) => s.failure = Some(e),
            }
            self.wake.notify_all();
        }
    }

    /// A `PASSIVE` checkpoint when the WAL has grown past [`CHECKPOINT_BYTES`], on the
    /// thread's own connection (opened the first time); whether one ran. A checkpoint
    /// that fails loses nothing — the frames stay in the WAL, and the store's own
    /// automatic checkpoint remains — so it is left for the next look.
    fn checkpoint_if_grown(&self, conn: &mut Option<rusqlite::Connection>) -> bool {
        let grown = std::fs::metadata(&self.wal).is_ok_and(|m| m.len() > CHECKPOINT_BYTES);
        if !grown {
            return false;
        }
        if conn.is_none() {
            *conn = rusqlite::Connection::open_with_flags(
                &self.db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|c| {
                // The database file is synced after the copy, as the store's own
                // checkpoints do.
                c.execute_batch("PRAGMA synchronous=FULL")?;
                Ok(c)
            })
            .ok();
        }
        conn.as_ref().is_some_and(|c| {
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
                .is_ok_and(|busy| busy == 0)
        })
    }
}

/// `fsync` of the WAL file: the frames SQLite has written to it reach the disk. A WAL
/// that is gone was checkpointed into the database (and synced) by its last connection.
fn sync_file(wal: &PathBuf) -> Result<(), String> {
    match File::open(wal) {
        Ok(f) => f
            .sync_data()
            .map_err(|e| format!("syncing {} failed: {e}", wal.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("opening {} to sync it failed: {e}", wal.display())),
    }
}
