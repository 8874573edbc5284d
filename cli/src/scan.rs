//! A raw scan of every chunk file through [`raftwal::Dump::visit`]: what each file
//! holds, for when open refuses (and so decides nothing) and for `dump`.

use raftwal::{
    DamageKind, Dump, DumpHeader, DumpItem, DumpRecord, DumpStop, ProgressHook, Storage, Types,
};

/// What the scan found in one chunk file.
#[derive(Debug, Clone)]
pub(crate) struct FileScan {
    pub(crate) file: String,
    pub(crate) chunk_id: u64,
    pub(crate) len_bytes: u64,
    pub(crate) valid_end: u64,
    pub(crate) records: u64,
    /// The first and last index of the entries written in its valid batches
    /// (including entries a later truncate removed).
    pub(crate) written: Option<(u64, u64)>,
    pub(crate) header: Option<DumpHeader>,
    pub(crate) stop: Option<DumpStop>,
    /// The file could not be opened or scanned.
    pub(crate) error: Option<String>,
    /// The last entry index written before the probed offset (see [`scan_files`]).
    pub(crate) last_index_before_probe: Option<u64>,
}

/// Scans every chunk file; for the file named `probe.0`, also finds the last entry
/// written before offset `probe.1`. `progress` is told how far the scan is.
pub(crate) fn scan_files<T: Types>(
    storage: &dyn Storage,
    probe: Option<(&str, u64)>,
    progress: ProgressHook<'_>,
) -> Result<Vec<FileScan>, String> {
    let mut files: Vec<FileScan> = Vec::new();
    let mut failure = None;
    let dump = Dump::<T>::of_storage(storage).with_progress(progress);
    dump.visit(|item| match item {
        DumpItem::Chunk { name, chunk_id } => files.push(FileScan {
            file: name,
            chunk_id,
            len_bytes: 0,
            valid_end: 0,
            records: 0,
            written: None,
            header: None,
            stop: None,
            error: None,
            last_index_before_probe: None,
        }),
        DumpItem::Batch { .. } => {}
        DumpItem::Record { offset, record, .. } => {
            let Some(file) = files.last_mut() else { return };
            file.records += 1;
            if let Ok(DumpRecord::Append(log_id, _)) = record {
                let index = T::log_index(&log_id);
                file.written = Some(match file.written {
                    None => (index, index),
                    Some((first, _)) => (first, index),
                });
                if probe.is_some_and(|(name, at)| name == file.file && offset < at) {
                    file.last_index_before_probe = Some(index);
                }
            }
        }
        DumpItem::ChunkEnd {
            len_bytes,
            valid_end,
            header,
            stop,
        } => {
            if let Some(file) = files.last_mut() {
                file.len_bytes = len_bytes;
                file.valid_end = valid_end;
                file.header = Some(header);
                file.stop = Some(stop);
            }
        }
        DumpItem::Error {
            name: Some(name),
            error,
        } => match files.last_mut().filter(|f| f.file == name) {
            Some(file) => file.error = Some(error.to_string()),
            None => files.push(FileScan {
                file: name,
                chunk_id: 0,
                len_bytes: 0,
                valid_end: 0,
                records: 0,
                written: None,
                header: None,
                stop: None,
                error: Some(error.to_string()),
                last_index_before_probe: None,
            }),
        },
        DumpItem::Error { name: None, error } => failure = Some(error.to_string()),
    });
    match failure {
        Some(failure) => Err(failure),
        None => Ok(files),
    }
}

/// The header, in words.
pub(crate) fn header_text(header: DumpHeader) -> String {
    match header {
        DumpHeader::Valid => format!("valid (format version {})", raftwal::FORMAT_VERSION),
        DumpHeader::Blank => "blank (no non-zero byte)".to_string(),
        DumpHeader::CutShort => "cut short".to_string(),
        DumpHeader::Checksum => "checksum mismatch".to_string(),
        DumpHeader::Foreign => "not a raftwal chunk header".to_string(),
        DumpHeader::Version(v) => format!("format version {v}"),
        DumpHeader::Id(id) => format!("names chunk id {id}"),
        DumpHeader::Unreadable => "unreadable".to_string(),
    }
}

/// How the valid part ends, in words.
pub(crate) fn stop_text(stop: DumpStop, len_bytes: u64, valid_end: u64) -> String {
    match stop {
        DumpStop::End => "valid to the end".to_string(),
        DumpStop::Zeros => format!(
            "{} B of zeros from {valid_end} (reserved space, or writes the disk lost)",
            len_bytes - valid_end
        ),
        DumpStop::Damage {
            offset,
            damage,
            proven,
        } => format!("damaged at {offset}: {damage} ({})", proven_text(proven)),
    }
}

pub(crate) fn proven_text(proven: bool) -> &'static str {
    if proven {
        "a later batch proves it was synced: rot"
    } else {
        "no later batch proves it was synced: a torn write"
    }
}

/// A damage kind's name, for JSON.
pub(crate) fn damage_name(damage: DamageKind) -> String {
    format!("{damage:?}")
}
