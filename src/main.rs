fn main() {
    std::process::exit(tsunagi::cli::main());
}
