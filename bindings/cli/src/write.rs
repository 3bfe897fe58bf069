//! Safe writes of the files the CLI writes (`apply --out FILE`).
//!
//! A write never leaves FILE half-written and never writes through a
//! symbolic link:
//!
//! 1. the bytes go to a new temporary file beside FILE, created exclusively
//!    (`O_CREAT|O_EXCL`: it fails instead of following anything already at
//!    the name, a planted symlink included) under an unpredictable name
//!    (`.FILE.<16 random hex digits>.relman-tmp`);
//! 2. the temporary file is flushed to the disk (`fsync`) and renamed over
//!    FILE (a rename replaces whatever is at FILE instead of following it);
//! 3. the directory is flushed, so that the rename survives a crash.
//!
//! On an error before the rename the temporary file is removed and FILE is
//! as it was. FILE itself must be a regular file (or not exist yet): a
//! symlink or anything else is refused. A replaced FILE keeps its permission
//! bits (not its owner).
//!
//! Writers of one FILE take turns through [`FileLock`], an advisory
//! exclusive lock on the sidecar `.FILE.relman-lock` in the same directory.
//! The lock file is never removed: a writer that removed it could let the
//! next one lock a new file while a third still waits on the old one.
//!
//! The filesystem operations go through [`Fs`] so that tests can inject
//! faults (a disk that fills up after N bytes, a failing fsync or rename).

use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use relman::{ErrorBody, ErrorCode};

use crate::output::Failure;

/// The filesystem operations of a safe write ([`write_atomic`]).
pub trait Fs {
    /// An open temporary file.
    type File: Write;
    /// Creates a file at `path` exclusively: it fails (`AlreadyExists`)
    /// when anything, a dangling symlink included, is at `path`. With
    /// `mode`, the file gets those permissions.
    fn create_new(&mut self, path: &Path, mode: Option<&Permissions>) -> io::Result<Self::File>;
    /// Flushes the file's data and metadata to the disk (`fsync`).
    fn sync(&mut self, file: &mut Self::File) -> io::Result<()>;
    /// Renames `from` to `to`, replacing `to`.
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Flushes the entries of the directory `dir` to the disk.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()>;
    /// Removes the file at `path`.
    fn remove(&mut self, path: &Path) -> io::Result<()>;
}

/// The real filesystem.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl Fs for RealFs {
    type File = File;

    fn create_new(&mut self, path: &Path, mode: Option<&Permissions>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if mode.is_some() {
            // Private until the target's own permissions are set.
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        }
        let file = options.open(path)?;
        if let Some(mode) = mode {
            if let Err(e) = file.set_permissions(mode.clone()) {
                drop(file);
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
        }
        Ok(file)
    }

    fn sync(&mut self, file: &mut File) -> io::Result<()> {
        file.sync_all()
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            match File::open(dir).and_then(|d| d.sync_all()) {
                // Some filesystems cannot fsync a directory; the rename
                // is then as durable as they make it.
                Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => {
                    Ok(())
                }
                other => other,
            }
        }
        #[cfg(not(unix))]
        {
            // A directory cannot be opened as a file here.
            let _ = dir;
            Ok(())
        }
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }
}

/// The error code of an I/O error: `storage_full` for a full disk or quota
/// (ENOSPC, EDQUOT), `permission_denied` for a refused access (EACCES,
/// EPERM, a read-only filesystem), else `invalid_input`.
pub fn io_code(err: &io::Error) -> ErrorCode {
    match err.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => ErrorCode::StorageFull,
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => ErrorCode::PermissionDenied,
        _ => ErrorCode::InvalidInput,
    }
}

/// The failure of an I/O error, with its code ([`io_code`]) and `message`
/// (which names the path).
pub fn io_failure(err: &io::Error, message: String) -> Failure {
    match io_code(err) {
        ErrorCode::InvalidInput => Failure::invalid_input(message),
        code => Failure::from(ErrorBody {
            code,
            message,
            path: None,
            ..relman::Error::internal(String::new()).to_body()
        }),
    }
}

/// An `invalid_input` failure: `path` is not a file relman may replace.
fn not_regular(path: &Path, meta: &Metadata, what: &str) -> Failure {
    let kind = if meta.file_type().is_symlink() {
        "a symbolic link"
    } else if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    Failure::invalid_input(format!(
        "{what} `{}` is {kind}; relman replaces only a regular file (give the file itself)",
        path.display()
    ))
}

/// Checks that `target` is a regular file (not a symlink) or does not
/// exist; its metadata when it exists.
pub fn check_target(target: &Path) -> Result<Option<Metadata>, Failure> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.is_file() => Ok(Some(meta)),
        Ok(meta) => Err(not_regular(target, &meta, "the file to write")),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_failure(
            &e,
            format!("cannot inspect `{}`: {e}", target.display()),
        )),
    }
}

/// The directory and file name of `target`.
fn split(target: &Path) -> Result<(PathBuf, String), Failure> {
    let Some(name) = target.file_name() else {
        return Err(Failure::invalid_input(format!(
            "`{}` does not name a file",
            target.display()
        )));
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The sidecar names add at most 36 bytes: keep them within the usual
    // 255-byte limit on a name. Two long names sharing a prefix then share
    // a lock file, which only makes their writers take turns.
    let mut name = name.to_string_lossy().into_owned();
    if name.len() > 200 {
        let mut end = 200;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    Ok((dir, name))
}

/// The name of the lock file of `target`: `.NAME.relman-lock` beside it.
pub fn lock_path(target: &Path) -> Result<PathBuf, Failure> {
    let (dir, name) = split(target)?;
    Ok(dir.join(format!(".{name}.relman-lock")))
}

/// 64 unpredictable bits: std's hasher keys come from the operating
/// system's random source.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// How many names a write tries before giving up: each is taken only if
/// someone planted something at a name they could not predict.
const TEMP_ATTEMPTS: usize = 16;

/// Writes `bytes` to `target` safely (see the module docs): the temporary
/// file is removed on every error, and `target` is then unchanged. Errors
/// name `target`; a full disk is `storage_full`, a refused access
/// `permission_denied`.
pub fn write_atomic<F: Fs>(fs: &mut F, target: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let existing = check_target(target)?;
    let (dir, name) = split(target)?;
    let shown = target.display();
    let permissions = existing.as_ref().map(Metadata::permissions);
    let mut created = None;
    for _ in 0..TEMP_ATTEMPTS {
        let temp = dir.join(format!(".{name}.{:016x}.relman-tmp", random_u64()));
        match fs.create_new(&temp, permissions.as_ref()) {
            Ok(file) => {
                created = Some((temp, file));
                break;
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(io_failure(
                    &e,
                    format!(
                        "cannot create a temporary file in `{}` to write `{shown}`: {e}; `{shown}` is unchanged",
                        dir.display()
                    ),
                ))
            }
        }
    }
    let Some((temp, mut file)) = created else {
        return Err(Failure::invalid_input(format!(
            "cannot write `{shown}`: {TEMP_ATTEMPTS} temporary names in `{}` were all taken",
            dir.display()
        )));
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| (e, "write"))
        .and_then(|()| fs.sync(&mut file).map_err(|e| (e, "flush to disk")));
    drop(file);
    let renamed = written.and_then(|()| fs.rename(&temp, target).map_err(|e| (e, "replace")));
    if let Err((e, step)) = renamed {
        // Nothing to do if this fails too: the name is unpredictable and
        // the error below is what matters.
        let _ = fs.remove(&temp);
        return Err(io_failure(
            &e,
            format!("cannot {step} `{shown}`: {e}; `{shown}` is unchanged"),
        ));
    }
    fs.sync_dir(&dir).map_err(|e| {
        io_failure(
            &e,
            format!(
                "`{shown}` was replaced, but its directory `{}` could not be flushed to disk: {e}",
                dir.display()
            ),
        )
    })
}

/// An exclusive advisory lock on the lock file of a target (see the module
/// docs), held until dropped. Only writers that take it wait for each
/// other: it does not stop anything else from writing the target.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Waits for and takes the lock of `target` (creating its lock file if
    /// needed). A lock file that is a symlink or not a regular file is
    /// refused (`invalid_input`).
    pub fn acquire(target: &Path) -> Result<FileLock, Failure> {
        let path = lock_path(target)?;
        let file = open_lock_file(&path)?;
        file.lock().map_err(|e| {
            io_failure(
                &e,
                format!(
                    "cannot lock `{}` to write `{}`: {e}",
                    path.display(),
                    target.display()
                ),
            )
        })?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway.
        let _ = self.file.unlock();
    }
}

/// Opens (or creates) the lock file at `path` without following a symlink
/// and without writing to whatever is there.
fn open_lock_file(path: &Path) -> Result<File, Failure> {
    let cannot = |e: io::Error| {
        io_failure(
            &e,
            format!("cannot open the lock file `{}`: {e}", path.display()),
        )
    };
    // A lock file removed or created between two steps sends us round again.
    for _ in 0..TEMP_ATTEMPTS {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.is_file() => return Err(not_regular(path, &meta, "the lock file")),
            Ok(meta) => match OpenOptions::new().read(true).write(true).open(path) {
                Ok(file) => {
                    same_file(&file, &meta, path)?;
                    return Ok(file);
                }
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(cannot(e)),
            },
            Err(e) if e.kind() == ErrorKind::NotFound => {
                match OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(path)
                {
                    Ok(file) => return Ok(file),
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(cannot(e)),
                }
            }
            Err(e) => return Err(cannot(e)),
        }
    }
    Err(Failure::invalid_input(format!(
        "the lock file `{}` keeps changing",
        path.display()
    )))
}

/// Refuses an opened lock file that is not the regular file inspected at
/// `path` (something was swapped in between, e.g. a symlink).
fn same_file(file: &File, inspected: &Metadata, path: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let opened = file.metadata().map_err(|e| {
            io_failure(
                &e,
                format!("cannot inspect the lock file `{}`: {e}", path.display()),
            )
        })?;
        if !opened.is_file() || opened.dev() != inspected.dev() || opened.ino() != inspected.ino() {
            return Err(Failure::invalid_input(format!(
                "the lock file `{}` was replaced while being opened; relman uses only a regular file there",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (file, inspected, path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the temp dir, removed when dropped.
    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let path = std::env::temp_dir().join(format!(
                "relman-write-{}-{name}-{:x}",
                std::process::id(),
                random_u64()
            ));
            std::fs::create_dir(&path).unwrap();
            Dir(path)
        }

        /// The names in the directory, sorted.
        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Where [`Faulty`] fails.
    #[derive(Clone, Copy)]
    enum Fault {
        /// The disk is full after this many bytes of the temporary file.
        SpaceFor(usize),
        /// fsync of the temporary file fails so.
        Sync(ErrorKind),
        /// The rename fails so.
        Rename(ErrorKind),
        /// The creation of the temporary file fails so.
        Create(ErrorKind),
    }

    /// The real filesystem with one fault injected.
    struct Faulty {
        fault: Fault,
        /// The temporary files created.
        created: Vec<PathBuf>,
    }

    /// A temporary file that refuses bytes past its space.
    struct FaultyFile {
        file: File,
        space: Option<usize>,
    }

    impl Write for FaultyFile {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = match self.space {
                Some(0) if !buf.is_empty() => return Err(ErrorKind::StorageFull.into()),
                Some(space) => buf.len().min(space),
                None => buf.len(),
            };
            let n = self.file.write(&buf[..n])?;
            if let Some(space) = &mut self.space {
                *space -= n;
            }
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }

    impl Fs for Faulty {
        type File = FaultyFile;

        fn create_new(
            &mut self,
            path: &Path,
            mode: Option<&Permissions>,
        ) -> io::Result<FaultyFile> {
            if let Fault::Create(kind) = self.fault {
                return Err(kind.into());
            }
            let file = RealFs.create_new(path, mode)?;
            self.created.push(path.to_path_buf());
            let space = match self.fault {
                Fault::SpaceFor(n) => Some(n),
                _ => None,
            };
            Ok(FaultyFile { file, space })
        }

        fn sync(&mut self, file: &mut FaultyFile) -> io::Result<()> {
            match self.fault {
                Fault::Sync(kind) => Err(kind.into()),
                _ => file.file.sync_all(),
            }
        }

        fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
            match self.fault {
                Fault::Rename(kind) => Err(kind.into()),
                _ => RealFs.rename(from, to),
            }
        }

        fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
            RealFs.sync_dir(dir)
        }

        fn remove(&mut self, path: &Path) -> io::Result<()> {
            RealFs.remove(path)
        }
    }

    const OLD: &[u8] = b"{\"old\": true}\n";

    /// Writes 64 KiB over `r.json` (holding [`OLD`]) with `fault`: the
    /// error, with the target unchanged and no file left but it.
    fn fails_cleanly(fault: Fault) -> ErrorBody {
        let dir = Dir::new("fault");
        let target = dir.0.join("r.json");
        std::fs::write(&target, OLD).unwrap();
        let mut fs = Faulty {
            fault,
            created: Vec::new(),
        };
        let failure = write_atomic(&mut fs, &target, &vec![b'x'; 64 * 1024]).unwrap_err();
        assert_eq!(
            std::fs::read(&target).unwrap(),
            OLD,
            "the target is unchanged"
        );
        assert_eq!(dir.names(), vec!["r.json"], "no temporary file is left");
        for temp in &fs.created {
            assert!(!temp.exists(), "{} removed", temp.display());
        }
        let body = failure.body().unwrap().clone();
        assert!(
            body.message.contains(&target.display().to_string()),
            "{}",
            body.message
        );
        assert!(body.message.contains("is unchanged"), "{}", body.message);
        body
    }

    #[test]
    fn a_full_disk_is_storage_full_and_leaves_the_target_as_it_was() {
        for space in [0, 1, 4096, 64 * 1024 - 1] {
            let body = fails_cleanly(Fault::SpaceFor(space));
            assert_eq!(body.code, ErrorCode::StorageFull, "{space}: {body:?}");
            assert!(
                body.message.starts_with("cannot write `"),
                "{}",
                body.message
            );
        }
        let body = fails_cleanly(Fault::Sync(ErrorKind::StorageFull));
        assert_eq!(body.code, ErrorCode::StorageFull);
        assert!(
            body.message.starts_with("cannot flush to disk"),
            "{}",
            body.message
        );
        let body = fails_cleanly(Fault::Sync(ErrorKind::QuotaExceeded));
        assert_eq!(body.code, ErrorCode::StorageFull);
        let body = fails_cleanly(Fault::Create(ErrorKind::StorageFull));
        assert_eq!(body.code, ErrorCode::StorageFull);
        assert!(
            body.message.starts_with("cannot create a temporary file"),
            "{}",
            body.message
        );
    }

    #[test]
    fn a_refused_access_is_permission_denied_even_for_root() {
        // Injected, so it holds when the tests run as root (who ignores
        // permissions on a real directory).
        for fault in [
            Fault::Rename(ErrorKind::PermissionDenied),
            Fault::Rename(ErrorKind::ReadOnlyFilesystem),
            Fault::Create(ErrorKind::PermissionDenied),
        ] {
            let body = fails_cleanly(fault);
            assert_eq!(body.code, ErrorCode::PermissionDenied, "{body:?}");
        }
        let body = fails_cleanly(Fault::Rename(ErrorKind::PermissionDenied));
        assert!(
            body.message.starts_with("cannot replace `"),
            "{}",
            body.message
        );
    }

    #[test]
    fn another_io_error_is_invalid_input_and_cleans_up() {
        let body = fails_cleanly(Fault::Sync(ErrorKind::Other));
        assert_eq!(body.code, ErrorCode::InvalidInput);
        let body = fails_cleanly(Fault::Rename(ErrorKind::Other));
        assert_eq!(body.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn a_write_replaces_the_file_and_leaves_only_it() {
        let dir = Dir::new("ok");
        let target = dir.0.join("r.json");
        write_atomic(&mut RealFs, &target, b"one").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        write_atomic(&mut RealFs, &target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(dir.names(), vec!["r.json"]);
    }

    #[test]
    #[cfg(unix)]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = Dir::new("mode");
        let target = dir.0.join("r.json");
        std::fs::write(&target, OLD).unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o640)).unwrap();
        write_atomic(&mut RealFs, &target, b"new").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    #[cfg(unix)]
    fn a_symlink_or_directory_target_is_refused() {
        let dir = Dir::new("links");
        let victim = dir.0.join("victim");
        std::fs::write(&victim, OLD).unwrap();
        let link = dir.0.join("r.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let failure = write_atomic(&mut RealFs, &link, b"new").unwrap_err();
        let body = failure.body().unwrap();
        assert_eq!(body.code, ErrorCode::InvalidInput);
        assert!(body.message.contains("a symbolic link"), "{}", body.message);
        assert!(body.message.contains("r.json"), "{}", body.message);
        assert_eq!(std::fs::read(&victim).unwrap(), OLD);
        let sub = dir.0.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let failure = write_atomic(&mut RealFs, &sub, b"new").unwrap_err();
        let body = failure.body().unwrap();
        assert!(body.message.contains("a directory"), "{}", body.message);
        // The lock file, too.
        let target = dir.0.join("s.json");
        std::os::unix::fs::symlink(&victim, dir.0.join(".s.json.relman-lock")).unwrap();
        let failure = FileLock::acquire(&target).unwrap_err();
        let body = failure.body().unwrap();
        assert_eq!(body.code, ErrorCode::InvalidInput);
        assert!(
            body.message.contains(".s.json.relman-lock"),
            "{}",
            body.message
        );
        assert_eq!(std::fs::read(&victim).unwrap(), OLD);
    }

    #[test]
    fn the_lock_file_is_beside_the_target_and_stays() {
        let dir = Dir::new("lock");
        let target = dir.0.join("r.json");
        {
            let _lock = FileLock::acquire(&target).unwrap();
            assert_eq!(
                lock_path(&target).unwrap(),
                dir.0.join(".r.json.relman-lock")
            );
            write_atomic(&mut RealFs, &target, b"x").unwrap();
        }
        // Taken again once released.
        drop(FileLock::acquire(&target).unwrap());
        assert_eq!(dir.names(), vec![".r.json.relman-lock", "r.json"]);
        assert_eq!(
            lock_path(Path::new("r.json")).unwrap(),
            Path::new("./.r.json.relman-lock")
        );
        assert!(lock_path(Path::new("/")).is_err());
    }

    #[test]
    fn the_lock_excludes_a_second_holder() {
        let dir = Dir::new("excl");
        let target = dir.0.join("r.json");
        let held = FileLock::acquire(&target).unwrap();
        let other = File::options()
            .read(true)
            .write(true)
            .open(lock_path(&target).unwrap())
            .unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn io_errors_have_their_codes() {
        let code = |kind: ErrorKind| io_code(&io::Error::from(kind));
        assert_eq!(code(ErrorKind::StorageFull), ErrorCode::StorageFull);
        assert_eq!(code(ErrorKind::QuotaExceeded), ErrorCode::StorageFull);
        assert_eq!(
            code(ErrorKind::PermissionDenied),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(ErrorKind::ReadOnlyFilesystem),
            ErrorCode::PermissionDenied
        );
        assert_eq!(code(ErrorKind::NotFound), ErrorCode::InvalidInput);
        // What the operating system reports: ENOSPC, EDQUOT, EACCES, EPERM,
        // EROFS, EIO.
        #[cfg(target_os = "linux")]
        {
            let os = |errno: i32| io_code(&io::Error::from_raw_os_error(errno));
            assert_eq!(os(28), ErrorCode::StorageFull);
            assert_eq!(os(122), ErrorCode::StorageFull);
            assert_eq!(os(13), ErrorCode::PermissionDenied);
            assert_eq!(os(1), ErrorCode::PermissionDenied);
            assert_eq!(os(30), ErrorCode::PermissionDenied);
            assert_eq!(os(5), ErrorCode::InvalidInput);
        }
        let body = io_failure(&io::Error::from(ErrorKind::StorageFull), "m `p`".into());
        let body = body.body().unwrap();
        assert_eq!(body.code.as_str(), "storage_full");
        assert_eq!(body.message, "m `p`");
        assert_eq!(body.path, None);
    }

    #[test]
    fn temporary_names_are_unpredictable() {
        let a = random_u64();
        let b = random_u64();
        assert_ne!(a, b);
    }
}
