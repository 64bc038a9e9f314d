//! Gives memory the allocator holds after a large piece of work back to the operating system.
//!
//! glibc's malloc keeps freed memory in its arenas for reuse and returns only the free space at
//! the top of each heap. A fixture parse, or a reset of a large tenant (whose in-memory
//! rollback journal copies every page it changes until the commit), leaves most of the freed
//! memory in the middle, so the process kept it: measured at 100,000 users, 477 MiB after
//! start-up with 399 MiB in use, and 797 MiB after two resets with 408 MiB in use.
//! `malloc_trim` hands those free pages back (`madvise(MADV_DONTNEED)`): 419 and 461 MiB.
//! Other C libraries (musl, the static packaging build) return memory themselves.
#![allow(unsafe_code)]

/// Returns the allocator's free pages to the operating system. Costs a walk of the free lists
/// and one `madvise` per free run; call it after large work, not per request.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointer and touches only the allocator's own state under
    // its arena locks; glibc documents it as MT-Safe, so it may run while other threads
    // allocate.
    unsafe {
        libc::malloc_trim(0);
    }
}
