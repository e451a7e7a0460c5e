//! The ケアプランデータ連携 exchange as Tsunagi does it: which records go to whom, built from
//! the database with the codec (`standard`). The jobs and screens of export and import call
//! this room; it knows no web.

pub mod apply;
pub mod apply_careplan;
pub mod export;
pub mod matching;
pub mod preview;
pub mod receive;
pub mod unpack;
