//! Checkpoints kept outside the database, automatically (issue 17, item 5): a
//! [`CheckpointSink`] the host implements (or [`FileCheckpoints`], a file elsewhere)
//! receives a checkpoint of the chain every so many entries or so much time, as the
//! engine's [`CheckpointPolicy`] says, and a verification without a checkpoint of its own
//! checks against the latest one kept. Whoever rewrites the chain in the file then
//! cannot hide it beyond the last checkpoint taken: at most `every_entries` entries, or
//! `every` of time.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::Checkpoint;

/// Where checkpoints of the audit chain are kept, outside the database: a file on
/// another disk or host, a write-once store, a service the host runs.
pub trait CheckpointSink: Send + Sync {
    /// Keeps `checkpoint`, taken at `at`; an error in words (no personal data is in a
    /// checkpoint).
    fn keep(&self, checkpoint: &Checkpoint, at: DateTime<Utc>) -> Result<(), String>;
    /// The latest checkpoint kept, if any.
    fn latest(&self) -> Result<Option<Checkpoint>, String>;
}

/// When the engine hands its sink a checkpoint: once this many entries were appended
/// since the last one, or once this much time (by the engine's clock) has passed, if
/// given — whichever comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// Entries between checkpoints, at least 1.
    pub every_entries: u64,
    /// Time between checkpoints, if any (checked at each call).
    pub every: Option<Duration>,
}

impl Default for CheckpointPolicy {
    /// Every thousand entries or every hour.
    fn default() -> Self {
        Self {
            every_entries: 1_000,
            every: Some(Duration::hours(1)),
        }
    }
}

/// Checkpoints appended to a file, one line each: `ENTRIES:HASH AT` (RFC 3339), written
/// and synced before the call returns. A torn last line (a crash mid-write) is passed
/// over; any other line that does not read is an error naming its number.
#[derive(Debug)]
pub struct FileCheckpoints {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileCheckpoints {
    /// Checkpoints kept in the file at `path` (created at the first one).
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            lock: Mutex::new(()),
        }
    }

    /// Every checkpoint in the file, oldest first.
    pub fn all(&self) -> Result<Vec<Checkpoint>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut out = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let cp = line.split_whitespace().next().map(Checkpoint::parse);
            match cp {
                Some(Ok(cp)) => out.push(cp),
                // Written last and not whole: the crash it tells of lost no checkpoint
                // that was acknowledged.
                _ if i + 1 == lines.len() && !text.ends_with('\n') => {}
                _ => {
                    return Err(format!(
                        "{}: line {} is not a checkpoint (ENTRIES:HASH AT)",
                        self.path.display(),
                        i + 1
                    ));
                }
            }
        }
        Ok(out)
    }
}

impl CheckpointSink for FileCheckpoints {
    fn keep(&self, checkpoint: &Checkpoint, at: DateTime<Utc>) -> Result<(), String> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let fail = |e: std::io::Error| format!("{}: {e}", self.path.display());
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(fail)?;
        // A torn line left by a crash (never acknowledged) is cut off first. Only the
        // last byte is read, unless it shows a torn line.
        let len = f.metadata().map_err(fail)?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            let mut r = std::fs::File::open(&self.path).map_err(fail)?;
            r.seek(std::io::SeekFrom::Start(len - 1)).map_err(fail)?;
            r.read_exact(&mut last).map_err(fail)?;
            if last[0] != b'\n' {
                let text = std::fs::read(&self.path).map_err(fail)?;
                let whole = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                f.set_len(whole as u64).map_err(fail)?;
            }
        }
        let line = format!(
            "{} {}\n",
            checkpoint.to_text(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        f.write_all(line.as_bytes()).map_err(fail)?;
        f.sync_all().map_err(fail)
    }

    /// The one with the most entries: engines of several processes may keep theirs in
    /// one file, not always in order.
    fn latest(&self) -> Result<Option<Checkpoint>, String> {
        Ok(self.all()?.into_iter().rev().max_by_key(|c| c.entries))
    }
}

/// Checkpoints kept in memory: for tests, and for a host that passes them on itself.
#[derive(Debug, Default)]
pub struct MemoryCheckpoints {
    kept: Mutex<Vec<(Checkpoint, DateTime<Utc>)>>,
}

impl MemoryCheckpoints {
    /// None kept yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every checkpoint kept, oldest first, with when it was taken.
    pub fn all(&self) -> Vec<(Checkpoint, DateTime<Utc>)> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl CheckpointSink for MemoryCheckpoints {
    fn keep(&self, checkpoint: &Checkpoint, at: DateTime<Utc>) -> Result<(), String> {
        self.kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((checkpoint.clone(), at));
        Ok(())
    }

    fn latest(&self) -> Result<Option<Checkpoint>, String> {
        Ok(self
            .kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .map(|(c, _)| c.clone()))
    }
}

/// The engine's side of a sink: the sink, its policy, and the last checkpoint handed
/// to it (or found in it).
pub(crate) struct Checkpointing {
    pub(crate) sink: std::sync::Arc<dyn CheckpointSink>,
    pub(crate) policy: CheckpointPolicy,
    /// The sequence number and time of the last checkpoint kept; `None` until the sink
    /// was first asked.
    last: Mutex<Option<(u64, Option<DateTime<Utc>>)>>,
    /// The last failure of the sink, until a checkpoint is kept again.
    failure: Mutex<Option<String>>,
}

impl Checkpointing {
    pub(crate) fn new(sink: std::sync::Arc<dyn CheckpointSink>, policy: CheckpointPolicy) -> Self {
        Self {
            sink,
            policy,
            last: Mutex::new(None),
            failure: Mutex::new(None),
        }
    }

    /// After a call committed the entry `head` at `at`: hands the sink a checkpoint when
    /// one is due. A sink that fails is asked again at every later call until it keeps
    /// one; the failure is kept for [`Checkpointing::failure`].
    pub(crate) fn after(&self, head: &Checkpoint, at: DateTime<Utc>) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none() {
            match self.sink.latest() {
                Ok(found) => *last = Some((found.map_or(0, |c| c.entries), None)),
                Err(e) => {
                    *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    return;
                }
            }
        }
        let (seq, when) = last.unwrap_or((0, None));
        let by_entries = head.entries >= seq.saturating_add(self.policy.every_entries);
        let by_time = match (self.policy.every, when) {
            (Some(every), Some(when)) => at - when >= every,
            // Not kept by this engine yet: the time counts from its first call.
            (Some(_), None) => {
                *last = Some((seq, Some(at)));
                false
            }
            (None, _) => false,
        };
        if !(by_entries || by_time) || head.entries <= seq {
            return;
        }
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match self.sink.keep(head, at) {
            Ok(()) => {
                *last = Some((head.entries, Some(at)));
                *failure = None;
            }
            Err(e) => *failure = Some(e),
        }
    }

    /// The sink's last failure, while it lasts.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(n: u64) -> Checkpoint {
        Checkpoint {
            entries: n,
            head_hash: format!("{n:064x}"),
        }
    }

    #[test]
    fn a_file_keeps_every_checkpoint_and_passes_over_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints");
        let sink = FileCheckpoints::new(&path);
        assert_eq!(sink.latest().unwrap(), None);
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        sink.keep(&cp(3), at).unwrap();
        sink.keep(&cp(9), at).unwrap();
        assert_eq!(sink.all().unwrap(), vec![cp(3), cp(9)]);
        // A crash mid-write leaves half a line: the last whole one is the latest, and
        // the next checkpoint replaces the half line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"12:00ab").unwrap();
        assert_eq!(sink.latest().unwrap(), Some(cp(9)));
        sink.keep(&cp(15), at).unwrap();
        assert_eq!(sink.all().unwrap(), vec![cp(3), cp(9), cp(15)]);
        // A damaged line anywhere else is an error naming it.
        std::fs::write(
            &path,
            "3:nothex x\n9:".to_string() + &format!("{:064x} x\n", 9),
        )
        .unwrap();
        let e = sink.latest().unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
