//! Faults applied to the log's files at rest, between a crash (or power loss) and the
//! reopen: what operators, backups and upgrades do to a log directory, and damage
//! aimed where random bit rot rarely lands (headers, frame fields, the synced end of a
//! closed chunk, the tail).
//!
//! Each kind is on or off per run with its own probability per reopen
//! ([`AtRestFaults::swarm`], drawn from the seed's `at-rest` stream, see
//! [`crate::streams`]). The choices at a reopen (whether, where, what) come from the
//! seed's `at-rest-injection` stream (the runner's), never from the disk's, and every
//! fault is applied through a [`SimDisk`] method that draws nothing.
//!
//! Every fault records what it needs to be undone: after an open refused because of
//! it, the simulated operator puts the directory back as it was (removes the stray
//! file, restores the version, the header, the lost file, the zeroed or rotted bytes),
//! and the reopen must then succeed — proof that the refusal destroyed nothing.

mod stray;

use crate::layout::{self, parse_chunk_name, FrameField, CHUNK_HEADER_BYTES};
use raftwal::Config;
use raftwal_simdisk::SimDisk;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// Probabilities per reopen (after a crash or a power loss) of each at-rest fault;
/// zero is off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AtRestFaults {
    /// A chunk-named file appears: empty, garbage, or a chunk of another log; inside a
    /// chunk's range, at the end, past the end or before the first chunk.
    pub stray_file: f64,
    /// A chunk's header says format version 3 (valid checksum): an upgrade rolled back.
    pub version_skew: f64,
    /// The header of the first (or only) or last chunk damaged: a flipped byte, the
    /// file cut inside its header, or its id rewritten (with a valid checksum).
    pub header_damage: f64,
    /// A whole chunk file lost: the first, a middle one or the last.
    pub lost_file: f64,
    /// The last sectors of a closed chunk read as zeros.
    pub zeroed_end: f64,
    /// A frame field of a valid batch changed: a length +-1 or a low bit flipped
    /// (batch `payload_len`, `durable_offset`; record `len`, kind).
    pub frame_rot: f64,
    /// At a power loss: a latent sector error in the last chunk's tail (its last synced
    /// write and what the power loss kept after it).
    pub latent_in_tail: f64,
}

impl AtRestFaults {
    /// All off.
    pub fn none() -> Self {
        Self::default()
    }

    /// A random mix: each kind on with probability 0.3, at a log-uniform probability
    /// per reopen between 0.02 and 0.3.
    pub fn swarm(rng: &mut impl Rng) -> Self {
        let mut maybe = || {
            if rng.gen_bool(0.3) {
                let t: f64 = rng.gen_range(0.0..=1.0);
                0.02 * (0.3f64 / 0.02).powf(t)
            } else {
                0.0
            }
        };
        AtRestFaults {
            stray_file: maybe(),
            version_skew: maybe(),
            header_damage: maybe(),
            lost_file: maybe(),
            zeroed_end: maybe(),
            frame_rot: maybe(),
            latent_in_tail: maybe(),
        }
    }

    /// Is any kind on?
    pub fn any(&self) -> bool {
        [
            self.stray_file,
            self.version_skew,
            self.header_damage,
            self.lost_file,
            self.zeroed_end,
            self.frame_rot,
            self.latent_in_tail,
        ]
        .iter()
        .any(|&p| p > 0.0)
    }
}

impl fmt::Display for AtRestFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |v: f64| {
            if v > 0.0 {
                format!("{v:.3}")
            } else {
                "off".to_string()
            }
        };
        write!(
            f,
            "stray file {}, version skew {}, header damage {}, lost file {}, zeroed end {}, frame rot {}, latent in tail {}",
            p(self.stray_file),
            p(self.version_skew),
            p(self.header_damage),
            p(self.lost_file),
            p(self.zeroed_end),
            p(self.frame_rot),
            p(self.latent_in_tail)
        )
    }
}

/// What a stray file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrayContent {
    /// Nothing.
    Empty,
    /// Random bytes (sometimes starting with our chunk magic).
    Garbage,
    /// A valid chunk of another log under its own name (its header id is its name).
    ForeignOwnName,
    /// A valid chunk of another log under another name (its header id differs).
    ForeignRenamed,
}

/// Where a stray file lies with respect to the log's chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrayPlace {
    /// Its id lies inside an existing chunk's range.
    Inside,
    /// Its id is the end of the last chunk file.
    AtEnd,
    /// Its id lies past the end of the last chunk file.
    PastEnd,
    /// Its id lies before the first chunk.
    BeforeFirst,
}

/// Which chunk a fault hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The first of several.
    First,
    /// Neither the first nor the last.
    Middle,
    /// The last of several.
    Last,
    /// The only one.
    Only,
}

impl Which {
    fn of(index: usize, count: usize) -> Self {
        match (index, count) {
            (_, 1) => Which::Only,
            (0, _) => Which::First,
            (i, n) if i + 1 == n => Which::Last,
            _ => Which::Middle,
        }
    }

    /// The last chunk (or the only one)?
    pub fn is_last(self) -> bool {
        matches!(self, Which::Last | Which::Only)
    }
}

/// How a header was damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderHow {
    /// Byte `at` (0..24) xored with a non-zero value.
    Flip {
        /// The byte.
        at: u64,
    },
    /// The file cut to `len` (< 24) bytes.
    Cut {
        /// The new length.
        len: u64,
    },
    /// The id field rewritten to another id, with a valid checksum.
    IdRewrite {
        /// The id the header now names.
        id: u64,
    },
}

/// One at-rest fault, as injected, with what undoing it takes.
#[derive(Clone, Debug)]
pub enum Injected {
    /// A stray chunk-named file was placed.
    Stray {
        /// Its name.
        name: String,
        /// What it holds.
        content: StrayContent,
        /// Where it lies.
        place: StrayPlace,
    },
    /// A chunk's header was rewritten with version 3.
    VersionSkew {
        /// The chunk file.
        name: String,
        /// Which chunk.
        which: Which,
        /// Its header before.
        original: Vec<u8>,
    },
    /// A chunk's header was damaged.
    HeaderDamage {
        /// The chunk file.
        name: String,
        /// Which chunk.
        which: Which,
        /// How.
        how: HeaderHow,
        /// The whole file before.
        original: Vec<u8>,
        /// The header lay in the file's last synced write (damage there looks like
        /// a torn creation of the chunk: undecidable).
        in_last_synced: bool,
    },
    /// A whole chunk file was lost.
    LostFile {
        /// The chunk file.
        name: String,
        /// Which chunk.
        which: Which,
        /// No chunk file after it holds a valid batch: it was the last one with
        /// data (a crash at a chunk switch leaves an empty or header-only chunk).
        last_with_data: bool,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// The end of a closed chunk was zeroed.
    ZeroedEnd {
        /// The chunk file.
        name: String,
        /// The first zeroed byte.
        start: u64,
        /// The bytes there before (to the end of the file).
        original: Vec<u8>,
    },
    /// A frame field was changed.
    FrameRot {
        /// The chunk file.
        name: String,
        /// The field's offset.
        offset: u64,
        /// Which field.
        field: FrameField,
        /// Its bytes before.
        original: Vec<u8>,
        /// The field lay in the file's last synced write (undecidable).
        in_last_synced: bool,
    },
    /// A latent sector error was injected in the last chunk's tail.
    LatentTail {
        /// The chunk file.
        name: String,
        /// A byte of the bad sector.
        offset: u64,
    },
}

impl Injected {
    /// A short name of the kind, for counters.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Injected::Stray { .. } => "stray file",
            Injected::VersionSkew { .. } => "version skew",
            Injected::HeaderDamage { .. } => "header damage",
            Injected::LostFile { .. } => "lost file",
            Injected::ZeroedEnd { .. } => "zeroed end",
            Injected::FrameRot { .. } => "frame rot",
            Injected::LatentTail { .. } => "latent in tail",
        }
    }

    /// Can the operator undo it? (A latent sector error cannot be undone.)
    pub fn undoable(&self) -> bool {
        !matches!(self, Injected::LatentTail { .. })
    }

    /// Puts the directory back as it was before this fault (faults are undone in the
    /// reverse order of their injection).
    pub fn undo(&self, disk: &SimDisk) -> std::io::Result<()> {
        match self {
            Injected::Stray { name, .. } => disk.delete_file(name).map(|_| ()),
            Injected::VersionSkew { name, original, .. } => disk.write_at_rest(name, 0, original),
            Injected::HeaderDamage { name, original, .. } => {
                disk.set_len_at_rest(name, original.len() as u64)?;
                disk.write_at_rest(name, 0, original)
            }
            Injected::LostFile { name, bytes, .. } => disk.place_file(name, bytes),
            Injected::ZeroedEnd {
                name,
                start,
                original,
            } => disk.write_at_rest(name, *start, original),
            Injected::FrameRot {
                name,
                offset,
                original,
                ..
            } => disk.write_at_rest(name, *offset, original),
            Injected::LatentTail { .. } => Ok(()),
        }
    }
}

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Injected::Stray {
                name,
                content,
                place,
            } => write!(f, "stray {name} ({content:?}, {place:?})"),
            Injected::VersionSkew { name, which, .. } => {
                write!(f, "version 3 in the header of {name} ({which:?})")
            }
            Injected::HeaderDamage {
                name,
                which,
                how,
                in_last_synced,
                ..
            } => write!(
                f,
                "header of {name} ({which:?}) damaged: {how:?}{}",
                if *in_last_synced {
                    " (in its last synced write)"
                } else {
                    ""
                }
            ),
            Injected::LostFile {
                name,
                which,
                last_with_data,
                bytes,
            } => write!(
                f,
                "lost {name} ({which:?}{}, {} bytes)",
                if *last_with_data && !which.is_last() {
                    ", the last with data"
                } else {
                    ""
                },
                bytes.len()
            ),
            Injected::ZeroedEnd {
                name,
                start,
                original,
            } => write!(
                f,
                "zeroed {name} [{start}, {})",
                start + original.len() as u64
            ),
            Injected::FrameRot {
                name,
                offset,
                field,
                original,
                in_last_synced,
            } => write!(
                f,
                "frame rot {name} at {offset} ({}, was {:02x?}){}",
                field.name(),
                original,
                if *in_last_synced {
                    " (in its last synced write)"
                } else {
                    ""
                }
            ),
            Injected::LatentTail { name, offset } => {
                write!(f, "latent sector error in the tail of {name} at {offset}")
            }
        }
    }
}

/// The chunk files on the disk: (id, name, length), by id.
pub fn chunk_files(disk: &SimDisk) -> Vec<(u64, String, u64)> {
    let mut out: Vec<(u64, String, u64)> = disk
        .file_names()
        .into_iter()
        .filter_map(|name| {
            let id = parse_chunk_name(&name)?;
            let len = disk.file_bytes_shared(&name).map_or(0, |b| b.len() as u64);
            Some((id, name, len))
        })
        .collect();
    out.sort();
    out
}

/// What the injector needs from the runner.
pub struct Context<'a> {
    /// The disk.
    pub disk: &'a SimDisk,
    /// The engine config (for building another log's chunks).
    pub engine: &'a Config,
    /// Is `[start, end)` of a file inside its last synced write?
    pub in_last_synced: &'a dyn Fn(&str, u64, u64) -> bool,
    /// After a power loss (latent sector errors appear only then).
    pub power_loss: bool,
}

/// Draws and applies this reopen's at-rest faults.
pub fn inject(faults: &AtRestFaults, rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Vec<Injected> {
    let mut out = Vec::new();
    let fire = |p: f64, rng: &mut ChaCha8Rng| p > 0.0 && rng.gen_bool(p.min(1.0));
    if cx.power_loss && fire(faults.latent_in_tail, rng) {
        out.extend(latent_in_tail(rng, cx));
    }
    if fire(faults.frame_rot, rng) {
        out.extend(frame_rot(rng, cx));
    }
    if fire(faults.zeroed_end, rng) {
        out.extend(zeroed_end(rng, cx));
    }
    if fire(faults.header_damage, rng) {
        out.extend(header_damage(rng, cx));
    }
    if fire(faults.version_skew, rng) {
        out.extend(version_skew(rng, cx));
    }
    if fire(faults.lost_file, rng) {
        out.extend(lost_file(rng, cx));
    }
    if fire(faults.stray_file, rng) {
        out.extend(stray::stray_file(rng, cx));
    }
    out
}

fn pick<'v, T>(rng: &mut ChaCha8Rng, v: &'v [T]) -> Option<&'v T> {
    if v.is_empty() {
        None
    } else {
        Some(&v[rng.gen_range(0..v.len())])
    }
}

fn latent_in_tail(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let (_, name, len) = chunk_files(cx.disk).pop()?;
    if len == 0 {
        return None;
    }
    let start = cx
        .disk
        .last_synced_range(&name)
        .map_or(0, |(s, _)| s)
        .min(len - 1);
    let offset = rng.gen_range(start..len);
    cx.disk.inject_latent_sector_error(&name, offset).ok()?;
    Some(Injected::LatentTail { name, offset })
}

fn frame_rot(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let files = chunk_files(cx.disk);
    let (id, name, _) = pick(rng, &files)?.clone();
    let bytes = cx.disk.file_bytes_shared(&name)?;
    let fields = layout::frame_fields(&bytes, id);
    let &(offset, field) = pick(rng, &fields)?;
    let width = field.width() as usize;
    let original = bytes[offset as usize..offset as usize + width].to_vec();
    let mut new = original.clone();
    if field.is_length() && rng.gen_bool(0.5) {
        let v = u32::from_le_bytes(new[..4].try_into().expect("4 bytes"));
        let v = if rng.gen_bool(0.5) {
            v.wrapping_add(1)
        } else {
            v.wrapping_sub(1)
        };
        new[..4].copy_from_slice(&v.to_le_bytes());
    } else {
        new[0] ^= 1 << rng.gen_range(0..4u8);
    }
    cx.disk.write_at_rest(&name, offset, &new).ok()?;
    let in_last_synced = (cx.in_last_synced)(&name, offset, offset + width as u64);
    Some(Injected::FrameRot {
        name,
        offset,
        field,
        original,
        in_last_synced,
    })
}

fn zeroed_end(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let mut files = chunk_files(cx.disk);
    files.pop(); // closed chunks only
    let (_, name, len) = pick(rng, &files)?.clone();
    if len == 0 {
        return None;
    }
    let ss = cx.disk.sector_size_bytes();
    let last_sector = (len - 1) / ss;
    let sectors = rng.gen_range(1..=4u64).min(last_sector + 1);
    let start = (last_sector + 1 - sectors) * ss;
    let original = cx.disk.file_bytes_shared(&name)?[start as usize..].to_vec();
    cx.disk.zero_at_rest(&name, start, len - start).ok()?;
    Some(Injected::ZeroedEnd {
        name,
        start,
        original,
    })
}

fn header_damage(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let files = chunk_files(cx.disk);
    let index = if rng.gen_bool(0.5) {
        0
    } else {
        files.len().checked_sub(1)?
    };
    let (id, name, len) = files.get(index)?.clone();
    if len < CHUNK_HEADER_BYTES {
        return None;
    }
    let which = Which::of(index, files.len());
    let original = cx.disk.file_bytes(&name)?;
    let how = match rng.gen_range(0..4) {
        0 | 1 => {
            let at = rng.gen_range(0..CHUNK_HEADER_BYTES);
            let x = rng.gen_range(1..=255u8);
            cx.disk
                .write_at_rest(&name, at, &[original[at as usize] ^ x])
                .ok()?;
            HeaderHow::Flip { at }
        }
        2 => {
            let cut = rng.gen_range(0..CHUNK_HEADER_BYTES);
            cx.disk.set_len_at_rest(&name, cut).ok()?;
            HeaderHow::Cut { len: cut }
        }
        _ => {
            let other = loop {
                let other = id ^ rng.gen_range(1..=1u64 << 20);
                if other != id {
                    break other;
                }
            };
            let version =
                layout::parse_chunk_header(&original).map_or(layout::FORMAT_VERSION, |h| h.0);
            cx.disk
                .write_at_rest(&name, 0, &layout::chunk_header(other, version))
                .ok()?;
            HeaderHow::IdRewrite { id: other }
        }
    };
    let in_last_synced = (cx.in_last_synced)(&name, 0, CHUNK_HEADER_BYTES);
    Some(Injected::HeaderDamage {
        name,
        which,
        how,
        original,
        in_last_synced,
    })
}

fn version_skew(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let files = chunk_files(cx.disk);
    let valid: Vec<(usize, String)> = files
        .iter()
        .enumerate()
        .filter(|(_, (id, name, _))| {
            cx.disk
                .file_bytes_shared(name)
                .and_then(|b| layout::parse_chunk_header(&b))
                .is_some_and(|(v, hid)| v == layout::FORMAT_VERSION && hid == *id)
        })
        .map(|(i, (_, name, _))| (i, name.clone()))
        .collect();
    let (index, name) = pick(rng, &valid)?.clone();
    let (id, _, _) = files[index];
    let original = cx.disk.file_bytes_shared(&name)?[..CHUNK_HEADER_BYTES as usize].to_vec();
    cx.disk
        .write_at_rest(
            &name,
            0,
            &layout::chunk_header(id, layout::FORMAT_VERSION + 1),
        )
        .ok()?;
    Some(Injected::VersionSkew {
        name,
        which: Which::of(index, files.len()),
        original,
    })
}

fn lost_file(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let files = chunk_files(cx.disk);
    if files.is_empty() {
        return None;
    }
    let index = match rng.gen_range(0..3) {
        0 => 0,
        1 if files.len() >= 3 => rng.gen_range(1..files.len() - 1),
        _ => files.len() - 1,
    };
    let name = files[index].1.clone();
    let last_with_data = files[index + 1..].iter().all(|(id, n, _)| {
        cx.disk
            .file_bytes_shared(n)
            .is_none_or(|b| layout::valid_end(&b, *id) <= CHUNK_HEADER_BYTES)
    });
    let bytes = cx.disk.delete_file(&name).ok()?;
    Some(Injected::LostFile {
        name,
        which: Which::of(index, files.len()),
        last_with_data,
        bytes,
    })
}
