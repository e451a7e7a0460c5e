//! Passwords, sessions, CSRF and the permission guard.

pub mod login;
pub mod password;
pub mod permission;
pub mod session;

pub use permission::{Menu, MenuSet};
pub use session::{Auth, CsrfForm};
