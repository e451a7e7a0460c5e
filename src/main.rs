/// mimalloc: the server and worker allocate and free many short-lived buffers (a file of
/// several hundred thousand records is read, checked and dropped per import or export); glibc's
/// malloc hands large blocks back to the kernel and takes fresh zeroed pages on every file.
/// Its purge delay: [`tsunagi::allocator`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    tsunagi::allocator::tune();
    std::process::exit(tsunagi::cli::main());
}
