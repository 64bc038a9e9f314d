//! SQLite's own page cache, wrapped to skip truncations that have nothing to drop.
//!
//! When a B-tree rebalances, SQLite swaps two pages through a temporary page number, the
//! page of the pending byte (262,145 with 4 KiB pages), far beyond the end of a small
//! database. Its page cache then believes it may hold pages up to that number, and the
//! truncation every commit asks for (drop the pages past the end of the database) scans the
//! whole hash table of the cache instead of a few slots. An in-memory database lives entirely
//! in its cache: at 100,000 users that is ~60,000 pages walked per committed write, 22 % of
//! the server's time under create-then-read pairs (4 % with the default fixtures).
//!
//! The wrapper keeps, per cache, a bound on the pages it holds: the highest page number
//! fetched, and the page numbers pages were moved to above it (until they move away). A
//! truncation that starts above every one of them drops nothing, so it is skipped; any other
//! goes to SQLite's cache as before. Pages only enter a cache by a fetch and only change
//! number by a move, so the bound never misses a page.
//!
//! Unsafe code, as `raw_sqlite` is: SQLite's page-cache interface is C function pointers, and
//! no crate wraps it. Every block forwards a call SQLite made to SQLite's own method.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_uint, c_void};
use std::sync::OnceLock;

use libsqlite3_sys as ffi;

/// SQLite's default page cache, called by the wrapper.
static DEFAULT: OnceLock<Methods> = OnceLock::new();

// SAFETY: the methods are plain function pointers and SQLite's own `pArg` (null for the
// default cache); SQLite calls them from any thread.
struct Methods(ffi::sqlite3_pcache_methods2);
unsafe impl Send for Methods {}
unsafe impl Sync for Methods {}

/// One cache: SQLite's, and what the wrapper knows of the page numbers it holds.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    /// The highest page number fetched since the last truncation below it.
    max_fetched: c_uint,
    /// Page numbers above `max_fetched` that pages were moved to and still hold.
    moved_high: Vec<c_uint>,
}

fn default() -> &'static ffi::sqlite3_pcache_methods2 {
    &DEFAULT.get().expect("installed before any cache is made").0
}

/// Installs the wrapper. Call before SQLite initializes (before the first connection opens);
/// `false` when SQLite refused (it was already initialized) and its cache stays unwrapped.
pub(super) fn install() -> bool {
    static WRAPPED: OnceLock<Methods> = OnceLock::new();
    let mut methods = std::mem::MaybeUninit::<ffi::sqlite3_pcache_methods2>::zeroed();
    // SAFETY: SQLITE_CONFIG_GETPCACHE2 writes the current methods to the pointer it is given.
    let code = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, methods.as_mut_ptr()) };
    if code != ffi::SQLITE_OK {
        return false;
    }
    // SAFETY: filled by SQLite just above.
    let methods = unsafe { methods.assume_init() };
    if methods.xFetch.is_none() || DEFAULT.set(Methods(methods)).is_err() {
        return false;
    }
    let wrapped = WRAPPED.get_or_init(|| {
        Methods(ffi::sqlite3_pcache_methods2 {
            iVersion: 1,
            pArg: std::ptr::null_mut(),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            xCreate: Some(create),
            xCachesize: Some(cachesize),
            xPagecount: Some(pagecount),
            xFetch: Some(fetch),
            xUnpin: Some(unpin),
            xRekey: Some(rekey),
            xTruncate: Some(truncate),
            xDestroy: Some(destroy),
            xShrink: Some(shrink),
        })
    });
    // SAFETY: SQLite copies the structure; ours lives for the process anyway.
    let code = unsafe {
        ffi::sqlite3_config(
            ffi::SQLITE_CONFIG_PCACHE2,
            &wrapped.0 as *const ffi::sqlite3_pcache_methods2,
        )
    };
    code == ffi::SQLITE_OK
}

/// # Safety
/// `cache` is a pointer [`create`] returned and [`destroy`] has not freed; SQLite serializes
/// the calls on one cache (as it does for its own).
unsafe fn cache<'a>(cache: *mut ffi::sqlite3_pcache) -> &'a mut Cache {
    unsafe { &mut *cache.cast::<Cache>() }
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    let inner = default();
    match inner.xInit {
        // SAFETY: SQLite's own method with its own argument.
        Some(f) => unsafe { f(inner.pArg) },
        None => ffi::SQLITE_OK,
    }
}

unsafe extern "C" fn shutdown(_: *mut c_void) {
    let inner = default();
    if let Some(f) = inner.xShutdown {
        // SAFETY: as in `init`.
        unsafe { f(inner.pArg) }
    }
}

unsafe extern "C" fn create(
    page_size: c_int,
    extra: c_int,
    purgeable: c_int,
) -> *mut ffi::sqlite3_pcache {
    // SAFETY: SQLite's own method, called as SQLite would.
    let inner = unsafe { default().xCreate.expect("xCreate")(page_size, extra, purgeable) };
    if inner.is_null() {
        return inner;
    }
    let cache = Box::new(Cache {
        inner,
        max_fetched: 0,
        moved_high: Vec::new(),
    });
    Box::into_raw(cache).cast()
}

unsafe extern "C" fn cachesize(p: *mut ffi::sqlite3_pcache, size: c_int) {
    // SAFETY (every method below): `p` is one of ours (see `cache`); the inner call is
    // SQLite's own method on SQLite's own cache.
    unsafe { default().xCachesize.expect("xCachesize")(cache(p).inner, size) }
}

unsafe extern "C" fn pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    unsafe { default().xPagecount.expect("xPagecount")(cache(p).inner) }
}

unsafe extern "C" fn fetch(
    p: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    let cache = unsafe { cache(p) };
    let page = unsafe { default().xFetch.expect("xFetch")(cache.inner, key, create) };
    if !page.is_null() && key > cache.max_fetched {
        cache.max_fetched = key;
    }
    page
}

unsafe extern "C" fn unpin(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    discard: c_int,
) {
    // A discarded page leaves the bound as it was: an overestimate costs only a scan.
    unsafe { default().xUnpin.expect("xUnpin")(cache(p).inner, page, discard) }
}

unsafe extern "C" fn rekey(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    let cache = unsafe { cache(p) };
    unsafe { default().xRekey.expect("xRekey")(cache.inner, page, old, new) };
    // Page numbers are unique in a cache: the page left `old`, and holds `new`.
    cache.moved_high.retain(|&k| k != old);
    if new > cache.max_fetched && !cache.moved_high.contains(&new) {
        cache.moved_high.push(new);
    }
}

unsafe extern "C" fn truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    let cache = unsafe { cache(p) };
    // Drops the pages numbered `limit` or more: none when every page held is below it.
    if limit > cache.max_fetched && cache.moved_high.iter().all(|&k| k < limit) {
        return;
    }
    unsafe { default().xTruncate.expect("xTruncate")(cache.inner, limit) };
    cache.max_fetched = cache.max_fetched.min(limit.saturating_sub(1));
    cache.moved_high.retain(|&k| k < limit);
}

unsafe extern "C" fn destroy(p: *mut ffi::sqlite3_pcache) {
    // SAFETY: SQLite destroys a cache once, after its last use: the box is ours to free.
    let cache = unsafe { Box::from_raw(p.cast::<Cache>()) };
    unsafe { default().xDestroy.expect("xDestroy")(cache.inner) }
}

unsafe extern "C" fn shrink(p: *mut ffi::sqlite3_pcache) {
    unsafe { default().xShrink.expect("xShrink")(cache(p).inner) }
}

#[cfg(test)]
mod tests {
    use crate::store::Db;

    /// Random-looking keys: inserts land all over the index, so pages split and rebalance
    /// (the swaps through the pending-byte page number) and the database grows.
    fn key(n: i64) -> String {
        format!("{:016x}", (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Pages the wrapper lets SQLite keep must never outlive a truncation they fall under:
    /// transactions that grow the database and roll back (dropping the pages past the old
    /// end), then more growth over those page numbers, must leave a sound database holding
    /// exactly the committed rows.
    #[tokio::test]
    async fn growth_rolled_back_and_rebalanced_leaves_a_sound_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = Db::open(Some(&dir.path().join("cache.db")))
            .await
            .expect("file");
        for db in [Db::open(None).await.expect("memory"), file] {
            let mut tx = db.begin_write().await.expect("begin");
            sqlx::raw_sql(
                "create table probe (k text primary key, v text not null);
                 create index probe_v on probe(v)",
            )
            .execute(&mut *tx)
            .await
            .expect("create");
            tx.commit().await.expect("commit");
            let mut committed = 0_i64;
            for round in 0..12_i64 {
                let mut tx = db.begin_write().await.expect("begin");
                for n in 0..400 {
                    let n = round * 400 + n;
                    sqlx::query("insert into probe (k, v) values (?, ?)")
                        .bind(key(n))
                        .bind(format!("{}{}", key(n + 7), "x".repeat((n % 300) as usize)))
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                }
                if round % 3 == 1 {
                    drop(tx); // rolled back, as a write that ends without its commit
                } else {
                    tx.commit().await.expect("commit");
                    committed += 400;
                }
            }
            let check: String = sqlx::query_scalar("pragma integrity_check")
                .fetch_one(&db.pool)
                .await
                .expect("check");
            assert_eq!(check, "ok");
            let rows: i64 = sqlx::query_scalar("select count(*) from probe")
                .fetch_one(&db.pool)
                .await
                .expect("count");
            assert_eq!(rows, committed);
            let by_index: i64 = sqlx::query_scalar("select count(*) from probe indexed by probe_v")
                .fetch_one(&db.pool)
                .await
                .expect("count by index");
            assert_eq!(by_index, committed);
        }
    }
}
